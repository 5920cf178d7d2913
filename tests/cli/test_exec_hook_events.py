"""Codex 0.171's newer hook events (and pycodex's own model-request events) through `pycodex exec` as a subprocess:
real hook programs that save what they read on stdin, the scripted model server. Each payload is checked against the
fields of Codex's input schema for the event (its binary carries them; they allow no other property), and a matcher
that names another subject keeps its handler from running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.support.model_server import ScriptedModelServer, exec_call, function_call, message

from .exec_harness import PYCODEX, REPO, provider_flags, run_exec, wait_for_file
from .test_exec_hooks import BYPASS, configure, script, texts_of_role

COMMON = {"session_id", "transcript_path", "cwd", "hook_event_name", "model", "permission_mode"}
# The parent is offered the sub-agent tools and its child (at the depth limit) is not: what tells them apart.
PARENT = "Start a sub-agent on a well-bounded task"
ROLES = [
    "-c",
    'agents.explorer={description="Reads the code", developer_instructions="Only read."}',
    "-c",
    'agents.worker={description="Changes the code", developer_instructions="Make the change."}',
]


def saver(tmp_path: Path, name: str, answer: str = "") -> tuple[Path, Path]:
    """A hook that appends its stdin (one JSON line) to a file and prints `answer`; returns (program, file)."""
    seen = tmp_path / f"{name}.jsonl"
    body = f"cat >> {seen}\necho >> {seen}\n" + (f"printf '%s\\n' '{answer}'\n" if answer else "")
    return script(tmp_path / f"{name}.sh", body), seen


def payloads(seen: Path) -> list[dict[str, Any]]:
    if not seen.exists():
        return []
    return [json.loads(line) for line in seen.read_text(encoding="utf-8").splitlines() if line.strip()]


def usage(total: int) -> dict[str, object]:
    return {
        "input_tokens": total - 10,
        "output_tokens": 10,
        "total_tokens": total,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def test_session_end_sends_codex_reason_other_when_exec_ends(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    hook, seen = saver(tmp_path, "end")
    configure(codex_home, "SessionEnd", str(hook))
    run = run_exec([{"items": [message("ok")]}], [BYPASS, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    (payload,) = payloads(seen)
    # Codex's schema: no model, no permission_mode, no turn_id; `reason` is always "other".
    assert set(payload) == {"session_id", "transcript_path", "cwd", "hook_event_name", "reason"}
    assert payload["hook_event_name"] == "SessionEnd" and payload["reason"] == "other"
    assert payload["cwd"] == str(repo)
    assert payload["transcript_path"] and Path(payload["transcript_path"]).exists()


def test_pre_and_post_compact_run_for_an_automatic_compaction_matched_on_the_trigger(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    pre, pre_seen = saver(tmp_path, "pre", json.dumps({"systemMessage": "saving notes before compaction"}))
    post, post_seen = saver(tmp_path, "post")
    manual, manual_seen = saver(tmp_path, "manual")
    configure(codex_home, "PreCompact", str(pre), matcher="auto")
    configure(codex_home, "PostCompact", str(post), matcher="auto|manual")
    configure(codex_home, "PreCompact", str(manual), matcher="manual")
    steps = [
        {"items": [exec_call("true", "c1", login=False)], "usage": usage(5000)},
        {"items": [message("SUMMARY: nothing much")], "usage": usage(50)},
        {"items": [message("all done")], "usage": usage(300)},
    ]
    run = run_exec(steps, [BYPASS, "-c", "model_auto_compact_token_limit=1000", "--json", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert len(run.requests) == 3
    (before,) = payloads(pre_seen)
    (after,) = payloads(post_seen)
    assert payloads(manual_seen) == []
    fields = {"session_id", "transcript_path", "cwd", "hook_event_name", "model", "trigger", "turn_id"}
    assert set(before) == set(after) == fields
    assert (before["hook_event_name"], after["hook_event_name"]) == ("PreCompact", "PostCompact")
    assert before["trigger"] == after["trigger"] == "auto"
    assert before["turn_id"] == after["turn_id"] and before["turn_id"]  # the turn the compaction happened in
    warnings = [e["item"]["message"] for e in run.events if e.get("item", {}).get("type") == "error"]
    assert "saving notes before compaction" in warnings


def test_interrupt_runs_when_exec_is_interrupted_during_a_long_command(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    hook, seen = saver(tmp_path, "interrupt")
    configure(codex_home, "Interrupt", str(hook), matcher="whatever")  # Interrupt has no subject: matchers ignored
    started = tmp_path / "started"
    steps = [{"items": [exec_call(f"touch {started}; sleep 30", "c1", login=False)]}, {"items": [message("late")]}]
    with ScriptedModelServer(steps) as server:
        env = {**os.environ, "MOCK_API_KEY": "sk-mock-123", "PYTHONPATH": str(REPO)}
        args = [*PYCODEX, "exec", *provider_flags(server.base_url), BYPASS, "-s", "danger-full-access", "go"]
        proc = subprocess.Popen(
            args, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            wait_for_file(started)
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode != 0, stderr
    (payload,) = payloads(seen)
    assert set(payload) == {*COMMON, "turn_id"}
    assert payload["hook_event_name"] == "Interrupt" and payload["turn_id"]


def test_model_request_hooks_run_around_each_request(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    pre, pre_seen = saver(tmp_path, "pre_model")
    post, post_seen = saver(tmp_path, "post_model")
    configure(codex_home, "PreModelRequest", str(pre))
    configure(codex_home, "PostModelRequest", str(post))
    steps = [
        {"items": [exec_call("true", "c1", login=False)], "usage": usage(120)},
        {"items": [message("done")], "usage": usage(200)},
    ]
    run = run_exec(steps, [BYPASS, "-s", "workspace-write", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    before, after = payloads(pre_seen), payloads(post_seen)
    assert len(before) == len(after) == 2
    assert set(before[0]) == {*COMMON, "turn_id"}
    assert set(after[0]) == {*COMMON, "turn_id", "response_id", "usage"}
    assert after[1]["usage"]["total_tokens"] == 200
    assert before[0]["turn_id"] == after[1]["turn_id"]


def spawn_steps(agent_type: str) -> list[dict[str, Any]]:
    def parent(item: dict[str, Any]) -> dict[str, Any]:
        return {"when": PARENT, "items": [item]}

    def child(text: str, msg_id: str) -> dict[str, Any]:
        return {"unless": PARENT, "items": [message(text, id=msg_id)]}

    spawn = {"message": "count the files", "agent_type": agent_type}
    return [
        parent(function_call("spawn_agent", spawn, "call_spawn")),
        child("There are 3 files.", "msg_c1"),
        child("Checked again: 3 files.", "msg_c2"),
        parent(function_call("wait_agent", {"targets": ["{{agent_id}}"], "timeout_ms": 20000}, "call_wait")),
        parent(message("The child counted 3 files.")),
    ]


def test_subagent_start_context_reaches_the_child_and_a_subagent_stop_block_continues_it(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    context = {"hookSpecificOutput": {"hookEventName": "SubagentStart", "additionalContext": "explore read-only"}}
    start, start_seen = saver(tmp_path, "start", json.dumps(context))
    other, other_seen = saver(tmp_path, "other")
    stop_seen = tmp_path / "stop.jsonl"
    stop = script(
        tmp_path / "stop.sh",
        f"cat >> {stop_seen}\necho >> {stop_seen}\n"
        f'if [ "$(wc -l < {stop_seen})" -lt 2 ]; then echo \'{{"decision":"block","reason":"count again"}}\'; fi\n',
    )
    configure(codex_home, "SubagentStart", str(start), matcher="explorer")
    configure(codex_home, "SubagentStart", str(other), matcher="worker")
    configure(codex_home, "SubagentStop", str(stop), matcher="explorer")
    run = run_exec(spawn_steps("explorer"), [BYPASS, *ROLES, "-s", "workspace-write", "--json", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.items("agent_message")[-1]["text"] == "The child counted 3 files."
    assert payloads(other_seen) == []
    (began,) = payloads(start_seen)
    assert set(began) == {*COMMON, "agent_id", "agent_type", "turn_id"}
    assert began["agent_type"] == "explorer" and began["hook_event_name"] == "SubagentStart"
    child_requests = [r.body for r in run.requests if PARENT not in json.dumps(r.body)]
    assert len(child_requests) == 2
    assert "explore read-only" in texts_of_role(child_requests[0], "developer")
    assert texts_of_role(child_requests[1], "user")[-1] == "count again"
    first, second = payloads(stop_seen)
    fields = {*COMMON, "agent_id", "agent_type", "turn_id", "agent_transcript_path", "last_assistant_message"}
    assert set(first) == {*fields, "stop_hook_active"}
    assert (first["stop_hook_active"], second["stop_hook_active"]) == (False, True)
    assert (first["last_assistant_message"], second["last_assistant_message"]) == (
        "There are 3 files.",
        "Checked again: 3 files.",
    )
    assert first["agent_id"] == began["agent_id"] and first["turn_id"] == began["turn_id"]
    assert Path(first["agent_transcript_path"]).exists()
    assert first["agent_transcript_path"] != first["transcript_path"]
    # The child's hooks report the user's session, not the child's own thread.
    thread_id = next(e["thread_id"] for e in run.events if e["type"] == "thread.started")
    assert began["session_id"] == first["session_id"] == thread_id != began["agent_id"]


def test_a_subagent_hook_whose_matcher_names_another_type_does_not_run(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    start, start_seen = saver(tmp_path, "start")
    stop, stop_seen = saver(tmp_path, "stop")
    configure(codex_home, "SubagentStart", str(start), matcher="explorer")
    configure(codex_home, "SubagentStop", str(stop), matcher="^expl")
    steps = [step for step in spawn_steps("worker") if "Checked again" not in json.dumps(step)]
    run = run_exec(steps, [BYPASS, *ROLES, "-s", "workspace-write", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "The child counted 3 files."
    assert payloads(start_seen) == payloads(stop_seen) == []
