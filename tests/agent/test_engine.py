"""The engine in-process: a real `Session` (real tools, real sandbox) driven by `ScriptedModel`, no HTTP."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

import agent
from agent.model import Prompt, ScriptedModel, custom_call, function_call, reply, text
from agent.protocol import (
    ApplyPatchApprovalRequest,
    ApprovalRequest,
    ExecApprovalRequest,
    ExecCommandBegin,
    McpToolCallApprovalRequest,
    ReviewDecision,
)

pytestmark = pytest.mark.anyio

TOOLBOX = Path(__file__).resolve().parents[1] / "mcp_client/servers/toolbox.py"


class Approver:
    """Answers every question with the next decision of a list, and keeps the questions."""

    def __init__(self, decisions: Sequence[ReviewDecision] = ()) -> None:
        self.decisions = list(decisions)
        self.asked: list[ApprovalRequest] = []

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        self.asked.append(request)
        return self.decisions.pop(0)


def config_for(repo: Path, *, approval: str = "never", overrides: Sequence[str] = ()) -> agent.Config:
    return agent.load_config(
        agent.ConfigOverrides(cwd=repo, approval_policy=approval, sandbox_mode="workspace-write"),  # type: ignore[arg-type]
        [
            # Never contacted: the scripted model answers in-process.
            'model_providers.unused={base_url="http://127.0.0.1:9/v1"}',
            "model_provider=unused",
            "sandbox_workspace_write.exclude_slash_tmp=true",
            "sandbox_workspace_write.exclude_tmpdir_env_var=true",
            *overrides,
        ],
    )


def outputs(prompt: Prompt) -> list[str]:
    """The tool outputs a request carried, in order."""
    return [str(i["output"]) for i in prompt.input if str(i.get("type", "")).endswith("_output")]


def shell(cmd: str, **extra: Any) -> dict[str, Any]:
    return function_call("exec_command", {"cmd": cmd, "login": False, **extra})


PATCH = "*** Begin Patch\n*** Add File: notes.txt\n+written by a patch\n*** End Patch\n"


async def test_a_turn_runs_a_plan_a_command_and_a_patch_then_answers(repo: Path) -> None:
    plan = {"plan": [{"step": "write", "status": "in_progress"}]}
    model = ScriptedModel(
        [
            reply(function_call("update_plan", plan), shell("echo hi > out.txt && cat out.txt")),
            reply(custom_call("apply_patch", PATCH)),
            reply(text("All done.")),
        ]
    )
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "completed"
    assert outcome.last_agent_message == "All done."
    assert (repo / "out.txt").read_text() == "hi\n"
    assert (repo / "notes.txt").read_text() == "written by a patch\n"
    assert len(model.prompts) == 3
    plan_output, command_output = outputs(model.prompts[1])
    assert plan_output == "Plan updated"
    assert "Process exited with code 0" in command_output and "hi" in command_output
    assert "Success. Updated the following files:\nA notes.txt" in outputs(model.prompts[2])[-1]
    assert [t["name"] for t in model.prompts[0].tools if "name" in t] == [
        "exec_command",
        "write_stdin",
        "update_plan",
        "apply_patch",
        "view_image",
        # The sub-agent tools, inline on this provider (grouped as the `multi_agent_v1` namespace on OpenAI's).
        "spawn_agent",
        "send_input",
        "wait_agent",
        "close_agent",
        "resume_agent",
    ]


async def test_calls_of_one_response_run_at_the_same_time(repo: Path) -> None:
    # The first command waits for a file only the second creates: run one after the other, it would still be
    # waiting when its yield time ends.
    waiter = shell("for i in $(seq 500); do [ -f flag ] && break; sleep 0.01; done; [ -f flag ] && echo saw-flag")
    model = ScriptedModel([reply(waiter, shell("touch flag")), reply(text("ok"))])
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
    first, second = outputs(model.prompts[1])
    assert "saw-flag" in first
    assert "Process exited with code 0" in second


async def test_a_command_approval_is_asked_and_remembered_for_the_session(repo: Path) -> None:
    approver = Approver(["approved_for_session"])
    touch = shell("touch approved.txt")
    model = ScriptedModel([reply(touch), reply(shell("touch approved.txt")), reply(text("ok"))])
    config = config_for(repo, approval="untrusted")
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "completed"
    [asked] = approver.asked
    assert isinstance(asked, ExecApprovalRequest)
    assert asked.command == ("/bin/bash", "-c", "touch approved.txt")
    assert (repo / "approved.txt").exists()


async def test_a_patch_approval_denied_leaves_the_tree_untouched(repo: Path) -> None:
    approver = Approver(["denied"])
    model = ScriptedModel([reply(custom_call("apply_patch", PATCH)), reply(text("ok"))])
    config = config_for(repo, approval="untrusted")
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
    [asked] = approver.asked
    assert isinstance(asked, ApplyPatchApprovalRequest)
    assert list(asked.changes) == [str(repo / "notes.txt")]
    assert outputs(model.prompts[1]) == ["patch rejected by user"]
    assert not (repo / "notes.txt").exists()


async def test_an_mcp_tool_approved_for_the_session_is_not_asked_again(repo: Path) -> None:
    approver = Approver(["approved_for_session"])
    echo = {"message": "hello"}
    model = ScriptedModel(
        [
            reply(function_call("mcp__toolbox__echo", echo)),
            reply(function_call("mcp__toolbox__echo", echo)),
            reply(text("ok")),
        ]
    )
    server = f'mcp_servers.toolbox={{command="{sys.executable}", args=["{TOOLBOX}", "stdio"]}}'
    config = config_for(repo, approval="on-request", overrides=[server])
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "completed"
    [asked] = approver.asked
    assert isinstance(asked, McpToolCallApprovalRequest)
    assert (asked.invocation.server, asked.invocation.tool, asked.invocation.arguments) == ("toolbox", "echo", echo)
    assert all("hello" in out for out in [*outputs(model.prompts[1]), *outputs(model.prompts[2])])


MEETING = Path(__file__).resolve().parents[1] / "mcp_client/servers/meeting.py"


@pytest.mark.parametrize(("parallel", "expected"), [(True, ["met", "met"]), (False, ["alone", "alone"])])
async def test_an_mcp_server_marked_parallel_has_its_calls_run_at_once(
    repo: Path, parallel: bool, expected: list[str]
) -> None:
    calls = [
        function_call("mcp__meeting__meet", {"wait": 5.0 if parallel else 0.3}, call_id="a"),
        function_call("mcp__meeting__meet", {"wait": 5.0 if parallel else 0.3}, call_id="b"),
    ]
    model = ScriptedModel([reply(*calls), reply(text("ok"))])
    table = f'{{command="{sys.executable}", args=["{MEETING}"], supports_parallel_tool_calls={str(parallel).lower()}}}'
    config = config_for(repo, overrides=[f"mcp_servers.meeting={table}"])
    async with agent.Session(config, model=model, ephemeral=True) as session:
        with anyio.fail_after(30):
            outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "completed"
    # Each output is "Wall time: ...\nOutput:\n<the structured result>".
    assert [json.loads(out.split("\n")[-1])["result"] for out in outputs(model.prompts[1])] == expected


async def test_an_interrupt_stops_the_turn_and_its_command(repo: Path) -> None:
    model = ScriptedModel([reply(shell("echo started; sleep 30", yield_time_ms=20000))])
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        events = session.events()
        async with anyio.create_task_group() as tg:

            async def interrupt_once_running() -> None:
                async for event in events:
                    if isinstance(event.msg, ExecCommandBegin):
                        session.interrupt()
                        return

            tg.start_soon(interrupt_once_running)
            with anyio.fail_after(10):
                outcome = await session.run_turn([agent.TextInput(text="go")])
                assert outcome.status == "aborted"
    # The call is answered `aborted`, then the note for the next turn's model (agents.interrupt_message).
    assert session.history[-2]["output"] == "aborted"
    assert session.history[-1]["content"][0]["text"].startswith("<turn_aborted>")


async def test_compaction_replaces_the_history_with_the_summary(repo: Path) -> None:
    model = ScriptedModel([reply(text("first answer")), reply(text("SUMMARY: the user said go"))])
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
        await session.compact()
        history = session.history
    assert model.prompts[1].tools == []
    texts = [str(part.get("text", "")) for item in history for part in item.get("content", [])]
    assert any("SUMMARY: the user said go" in t for t in texts)
    assert not any(t == "first answer" for t in texts)


async def test_a_model_failure_fails_the_turn_with_its_message(repo: Path) -> None:
    model = ScriptedModel([agent.ProviderError("the model is down")])
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "failed"
    assert outcome.error == "the model is down"
