"""Compaction inside a real session: it triggers at the limit within a tool loop and keeps the plan and files."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

import agent
from agent import _compact
from agent.protocol import Warning as WarningMsg
from tests.support.model_server import ScriptedModelServer, custom_tool_call, exec_call, function_call, message

pytestmark = pytest.mark.anyio

PATCH = "*** Begin Patch\n*** Add File: notes.txt\n+remember this\n*** End Patch\n"


def usage(total: int) -> dict[str, object]:
    return {
        "input_tokens": total - 10,
        "output_tokens": 10,
        "total_tokens": total,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


async def test_compaction_triggers_inside_a_tool_loop_and_keeps_plan_and_files(repo: Path) -> None:
    plan = {"plan": [{"step": "write notes", "status": "completed"}, {"step": "verify", "status": "in_progress"}]}
    steps = [
        {
            "items": [function_call("update_plan", plan, "p1"), custom_tool_call("apply_patch", PATCH, "a1")],
            "usage": usage(100),
        },
        {"items": [exec_call("true", "c1", login=False)], "usage": usage(5000)},
        {"items": [message("SUMMARY: notes written, verification pending.")], "usage": usage(50)},
        {"items": [message("all done")], "usage": usage(300)},
    ]
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo, sandbox_mode="workspace-write", approval_policy="never"),
            [
                f'model_providers.mock={{base_url="{server.base_url}"}}',
                "model_provider=mock",
                "model_auto_compact_token_limit=1000",
            ],
        )
        async with agent.Session(config) as session:
            outcome = await session.run_turn([agent.TextInput(text="write the notes and verify")])
            rollout = session.rollout_path
        requests = server.requests
    assert outcome.status == "completed" and outcome.last_agent_message == "all done"
    assert len(requests) == 4
    summary_request = requests[2].body
    assert summary_request["tools"] == []
    assert summary_request["input"][-1]["content"][0]["text"] == _compact.SUMMARY_PROMPT
    follow_up = requests[3].body["input"]
    texts = [
        part["text"]
        for item in follow_up
        if item.get("type") == "message"
        for part in item["content"]
        if part.get("type") == "input_text"
    ]
    summary_text = next(t for t in texts if "SUMMARY: notes written" in t)
    assert summary_text.startswith(_compact.SUMMARY_PREFIX.strip()[:40])
    assert "write notes" in summary_text and "completed" in summary_text and "in_progress" in summary_text
    assert str(repo / "notes.txt") in summary_text
    assert "write the notes and verify" in texts
    # The old tool calls are gone from the history sent after compaction.
    assert not any(item.get("type") == "function_call" for item in follow_up)
    text = await anyio.Path(str(rollout)).read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    compacted = [r for r in records if r["type"] == "compacted"]
    assert len(compacted) == 1 and compacted[0]["payload"]["replacement_history"]


async def test_manual_compaction_replaces_history_with_the_summary(repo: Path) -> None:
    steps = [
        {"items": [message("first answer")], "usage": usage(100)},
        {"items": [message("the summary")]},
        {"items": [message("second answer")]},
    ]
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo),
            [f'model_providers.mock={{base_url="{server.base_url}"}}', "model_provider=mock"],
        )
        async with agent.Session(config, ephemeral=True) as session:
            await session.run_turn([agent.TextInput(text="question one")])
            await session.compact()
            assert any("the summary" in json.dumps(item) for item in session.history)
            await session.run_turn([agent.TextInput(text="question two")])
        requests = server.requests
    last_input = json.dumps(requests[2].body["input"])
    assert "the summary" in last_input and "question one" in last_input and "first answer" not in last_input


async def test_token_counts_carry_the_context_window(repo: Path) -> None:
    steps = [{"items": [message("hi")], "usage": usage(1234)}]
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo),
            [
                f'model_providers.mock={{base_url="{server.base_url}"}}',
                "model_provider=mock",
                "model_context_window=50000",
            ],
        )
        async with agent.Session(config, ephemeral=True) as session:
            await session.run_turn([agent.TextInput(text="q")])
            events: list[agent.Event] = []
            while True:
                try:
                    events.append(session.events().receive_nowait())
                except anyio.WouldBlock:
                    break
    counts = [e.msg for e in events if e.msg.type == "token_count"]
    assert counts[-1].info is not None and counts[-1].info.model_context_window == 50000
    assert counts[-1].info.total_token_usage.total_tokens == 1234


async def test_a_manual_compaction_runs_the_compact_hooks_with_trigger_manual_and_a_turn_id(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "compact.jsonl"
    command = f"cat >> {seen}; echo >> {seen}"

    def group(matcher: str) -> dict[str, object]:
        return {"matcher": matcher, "hooks": [{"type": "command", "command": command}]}

    # `auto` never matches a /compact; `manual` does.
    table = {"PreCompact": [group("manual"), group("auto")], "PostCompact": [group("")]}
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": table}), encoding="utf-8")
    steps = [{"items": [message("first answer")], "usage": usage(100)}, {"items": [message("the summary")]}]
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo, bypass_hook_trust=True),
            [f'model_providers.mock={{base_url="{server.base_url}"}}', "model_provider=mock"],
        )
        async with agent.Session(config, ephemeral=True) as session:
            await session.run_turn([agent.TextInput(text="question one")])
            await session.compact()
    pre, post = [json.loads(line) for line in seen.read_text().splitlines() if line.strip()]
    assert (pre["hook_event_name"], post["hook_event_name"]) == ("PreCompact", "PostCompact")
    assert pre["trigger"] == post["trigger"] == "manual"
    assert pre["turn_id"] and pre["turn_id"] == post["turn_id"]
    assert "permission_mode" not in pre


async def test_a_pre_compact_hook_answering_continue_false_skips_the_compaction(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    answer = json.dumps({"continue": False, "stopReason": "keep the full history today"})
    hook = {"type": "command", "command": f"cat >/dev/null; echo '{answer}'"}
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": {"PreCompact": [{"hooks": [hook]}]}}), encoding="utf-8")
    steps = [{"items": [message("first answer")], "usage": usage(100)}, {"items": [message("the summary")]}]
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo, bypass_hook_trust=True),
            [f'model_providers.mock={{base_url="{server.base_url}"}}', "model_provider=mock"],
        )
        async with agent.Session(config, ephemeral=True) as session:
            await session.run_turn([agent.TextInput(text="question one")])
            history = list(session.history)
            await session.compact()
            assert session.history == history
            await session.aclose()
            messages = [event.msg async for event in session.events()]
            warnings = [m.message for m in messages if isinstance(m, WarningMsg)]
        requests = server.requests
    assert len(requests) == 1
    assert "A PreCompact hook stopped the compaction: keep the full history today" in warnings
