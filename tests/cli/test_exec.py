"""`pycodex exec` end to end: a real subprocess, a real loopback model server, the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.exec_harness import run_exec
from tests.support.model_server import exec_call, function_call, message, reasoning

WIRES = ["responses", "chat"]


def multi_step_script() -> list[dict[str, Any]]:
    return [
        {
            "items": [
                reasoning("**Planning** look first"),
                function_call(
                    "update_plan",
                    {"plan": [{"step": "write file", "status": "in_progress"}, {"step": "wait", "status": "pending"}]},
                    "call_p1",
                ),
                exec_call("echo hi > out.txt && cat out.txt", "call_1", login=False),
            ]
        },
        {"items": [exec_call("echo start; sleep 1; echo finished", "call_2", login=False, yield_time_ms=250)]},
        {
            "items": [
                function_call(
                    "write_stdin", '{"session_id": {{session_id}}, "chars": "", "yield_time_ms": 5000}', "call_3"
                )
            ]
        },
        {
            "items": [
                function_call(
                    "update_plan",
                    {"plan": [{"step": "write file", "status": "completed"}, {"step": "wait", "status": "completed"}]},
                    "call_p2",
                ),
                exec_call("exit 3", "call_4", login=False),
            ]
        },
        {"items": [message("All done: wrote out.txt.")]},
    ]


def _tool_outputs(body: dict[str, Any]) -> list[str]:
    if "input" in body:
        return [str(i["output"]) for i in body["input"] if i.get("type") == "function_call_output"]
    return [str(m["content"]) for m in body["messages"] if m.get("role") == "tool"]


@pytest.mark.parametrize("wire", WIRES)
def test_multi_step_turn_runs_commands_polls_a_long_one_and_reports_jsonl(repo: Path, wire: str) -> None:
    run = run_exec(multi_step_script(), ["--json", "-s", "workspace-write", "do it"], cwd=repo, wire=wire)
    assert run.returncode == 0, run.stderr
    events = run.events
    assert events[0]["type"] == "thread.started"
    assert events[1] == {"type": "turn.started"}
    assert (repo / "out.txt").read_text() == "hi\n"

    assert run.items("reasoning")[0]["text"] == "**Planning** look first"
    commands = run.items("command_execution")
    assert [c["command"] for c in commands] == [
        "/bin/bash -c 'echo hi > out.txt && cat out.txt'",
        "/bin/bash -c 'echo start; sleep 1; echo finished'",
        "/bin/bash -c 'exit 3'",
    ]
    assert commands[0]["aggregated_output"] == "hi\n"
    assert (commands[0]["exit_code"], commands[0]["status"]) == (0, "completed")
    assert commands[1]["aggregated_output"] == "start\nfinished\n"
    assert (commands[2]["exit_code"], commands[2]["status"]) == (3, "failed")
    assert run.items("agent_message")[-1]["text"] == "All done: wrote out.txt."
    assert events[-1]["type"] == "turn.completed"
    assert events[-1]["usage"] == {
        "input_tokens": 500,
        "cached_input_tokens": 50,
        "cache_write_input_tokens": 0,
        "output_tokens": 100,
        "reasoning_output_tokens": 25 if wire == "responses" else 0,
    }

    # What the model saw: the running session, then its end via write_stdin, then the failing command.
    running = _tool_outputs(run.requests[2].body)[-1]
    assert "Process running with session ID" in running and running.endswith("Output:\nstart\n")
    polled = _tool_outputs(run.requests[3].body)[-1]
    assert "Process exited with code 0" in polled and polled.endswith("Output:\nfinished\n")
    failed = _tool_outputs(run.requests[4].body)[-1]
    assert "\nProcess exited with code 3\nOriginal token count: 0\nOutput:\n" in failed


def test_write_stdin_types_into_a_terminal_session(repo: Path) -> None:
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("read line; echo got:$line", "c1", login=False, tty=True, yield_time_ms=300)]},
        {
            "items": [
                function_call(
                    "write_stdin", '{"session_id": {{session_id}}, "chars": "hello\\n", "yield_time_ms": 2000}', "c2"
                )
            ]
        },
        {"items": [message("typed")]},
    ]
    run = run_exec(steps, ["--json", "-s", "workspace-write", "type"], cwd=repo)
    assert run.returncode == 0, run.stderr
    output = _tool_outputs(run.requests[2].body)[-1]
    assert "Process exited with code 0" in output
    # A terminal echoes what was typed, with CRLF line ends.
    assert output.endswith("Output:\nhello\r\ngot:hello\r\n")
    command = run.items("command_execution")[0]
    assert command["exit_code"] == 0 and "got:hello" in command["aggregated_output"]


def test_write_stdin_to_a_session_without_tty_says_how_to_fix_it(repo: Path) -> None:
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("sleep 2", "c1", login=False, yield_time_ms=250)]},
        {"items": [function_call("write_stdin", '{"session_id": {{session_id}}, "chars": "x"}', "c2")]},
        {"items": [message("ok")]},
    ]
    run = run_exec(steps, ["--json", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    output = _tool_outputs(run.requests[2].body)[-1]
    assert output.startswith("write_stdin failed:") and "tty=true" in output


@pytest.mark.parametrize("wire", WIRES)
def test_plan_updates_become_one_todo_list_item_completed_at_the_end(repo: Path, wire: str) -> None:
    steps = [
        {
            "items": [
                function_call(
                    "update_plan",
                    {"plan": [{"step": "a", "status": "in_progress"}, {"step": "b", "status": "pending"}]},
                    "p1",
                )
            ]
        },
        {
            "items": [
                function_call(
                    "update_plan",
                    {"plan": [{"step": "a", "status": "completed"}, {"step": "b", "status": "completed"}]},
                    "p2",
                )
            ]
        },
        {"items": [message("planned")]},
    ]
    run = run_exec(steps, ["--json", "plan it"], cwd=repo, wire=wire)
    assert run.returncode == 0, run.stderr
    kinds = [(e["type"], e.get("item", {}).get("type")) for e in run.events]
    todo = [e for e in run.events if e.get("item", {}).get("type") == "todo_list"]
    assert [e["type"] for e in todo] == ["item.started", "item.updated", "item.completed"]
    assert todo[0]["item"]["items"] == [{"text": "a", "completed": False}, {"text": "b", "completed": False}]
    assert todo[-1]["item"]["items"] == [{"text": "a", "completed": True}, {"text": "b", "completed": True}]
    assert len({e["item"]["id"] for e in todo}) == 1
    # The list completes after the final message, just before turn.completed (Codex's order).
    assert kinds[-3:] == [
        ("item.completed", "agent_message"),
        ("item.completed", "todo_list"),
        ("turn.completed", None),
    ]
    outputs = [i["output"] for i in run.requests[1].body.get("input", []) if i.get("type") == "function_call_output"]
    if wire == "responses":
        assert outputs == ["Plan updated"]


def test_truncated_output_matches_codex_format(repo: Path) -> None:
    steps = [
        {"items": [exec_call("seq 1 3000; echo err >&2", "call_a", login=False, max_output_tokens=40)]},
        {"items": [message("ok")]},
    ]
    run = run_exec(steps, ["--json", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    output = [i for i in run.requests[1].body["input"] if i.get("type") == "function_call_output"][0]["output"]
    full = "".join(f"{n}\n" for n in range(1, 3001)) + "err\n"
    tokens = -(-len(full) // 4)
    lines = output.split("\n")
    assert lines[0].startswith("Chunk ID: ") and len(lines[0]) == len("Chunk ID: ") + 6
    assert lines[1].startswith("Wall time: ") and lines[1].endswith(" seconds")
    assert lines[2:5] == ["Process exited with code 0", f"Original token count: {tokens}", "Output:"]
    body = "\n".join(lines[5:])
    head = full.encode()[:80].decode()
    tail = full.encode()[-80:].decode()
    assert body == (
        f"Warning: truncated output (original token count: {tokens})\nTotal output lines: 3001\n\n"
        f"{head}\u2026{tokens - 40} tokens truncated\u2026{tail}"
    )
    # The exec event keeps the whole output.
    assert run.items("command_execution")[0]["aggregated_output"] == full


def test_read_only_sandbox_blocks_writes_and_the_model_sees_the_error(repo: Path) -> None:
    steps = [{"items": [exec_call("echo x > f.txt", "c1", login=False)]}, {"items": [message("blocked")]}]
    run = run_exec(steps, ["--json", "write"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "f.txt").exists()
    command = run.items("command_execution")[0]
    assert command["exit_code"] != 0
    assert "Read-only file system" in command["aggregated_output"]


def test_output_schema_is_sent_and_last_message_written_without_newline(repo: Path, tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    last = tmp_path / "last.txt"
    run = run_exec(
        [{"items": [message('{"answer":"42"}')]}],
        ["--output-schema", str(schema_file), "-o", str(last), "answer"],
        cwd=repo,
    )
    assert run.returncode == 0, run.stderr
    assert run.requests[0].body["text"]["format"] == {
        "type": "json_schema",
        "strict": True,
        "schema": schema,
        "name": "codex_output_schema",
    }
    assert last.read_text() == '{"answer":"42"}'
    assert run.stdout == '{"answer":"42"}\n'


def test_output_schema_on_the_chat_wire_uses_response_format(repo: Path, tmp_path: Path) -> None:
    schema: dict[str, object] = {"type": "object", "properties": {}, "additionalProperties": False}
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    run = run_exec([{"items": [message("{}")]}], ["--output-schema", str(schema_file), "x"], cwd=repo, wire="chat")
    assert run.returncode == 0, run.stderr
    assert run.requests[0].body["response_format"]["json_schema"]["schema"] == schema


def test_first_request_has_the_classic_shape(repo: Path) -> None:
    (repo / "AGENTS.md").write_text("Always run the tests.\n")
    run = run_exec([{"items": [message("hi")]}], ["-s", "workspace-write", "say hi"], cwd=repo)
    assert run.returncode == 0, run.stderr
    request = run.requests[0]
    assert request.path == "/v1/responses"
    assert request.headers["authorization"] == "Bearer sk-mock-123"
    assert request.headers["accept"] == "text/event-stream"
    body = request.body
    assert [
        k
        for k in body
        if k in ("model", "stream", "input", "tools", "tool_choice", "parallel_tool_calls", "store", "prompt_cache_key")
    ] == ["model", "stream", "input", "tools", "tool_choice", "parallel_tool_calls", "store", "prompt_cache_key"]
    assert body["stream"] is True and body["store"] is False and body["tool_choice"] == "auto"
    assert "instructions" not in body
    assert [t["name"] for t in body["tools"]][:3] == ["exec_command", "write_stdin", "update_plan"]
    roles = [(i["type"], i["role"]) for i in body["input"]]
    assert roles == [("message", "developer"), ("message", "developer"), ("message", "user"), ("message", "user")]
    permissions = body["input"][1]["content"][0]["text"]
    assert permissions.startswith("<permissions instructions>") and "workspace-write" in permissions
    context_parts = [c["text"] for c in body["input"][2]["content"]]
    assert (
        context_parts[0]
        == f"# AGENTS.md instructions for {repo}\n\n<INSTRUCTIONS>\nAlways run the tests.\n</INSTRUCTIONS>"
    )
    assert context_parts[1].startswith("<environment_context>\n  <cwd>" + str(repo) + "</cwd>")
    assert body["input"][3]["content"] == [{"type": "input_text", "text": "say hi"}]


def test_piped_stdin_is_appended_to_the_prompt(repo: Path) -> None:
    run = run_exec([{"items": [message("ok")]}], ["summarise"], cwd=repo, stdin="line one\nline two\n")
    assert run.returncode == 0, run.stderr
    assert run.requests[0].body["input"][-1]["content"][0]["text"] == (
        "summarise\n\n<stdin>\nline one\nline two\n</stdin>"
    )


def test_dash_reads_the_whole_prompt_from_stdin(repo: Path) -> None:
    run = run_exec([{"items": [message("ok")]}], ["-"], cwd=repo, stdin="the prompt\n")
    assert run.returncode == 0, run.stderr
    assert run.requests[0].body["input"][-1]["content"][0]["text"] == "the prompt"


def test_no_prompt_and_no_stdin_is_a_usage_error(repo: Path) -> None:
    run = run_exec([], [], cwd=repo)
    assert run.returncode == 2
    assert "no prompt" in run.stderr
    assert run.requests == []


def test_outside_a_git_repository_exec_refuses_unless_told(tmp_path: Path) -> None:
    run = run_exec([{"items": [message("ok")]}], ["hi"], cwd=tmp_path)
    assert run.returncode == 1
    assert "not inside a git repository" in run.stderr
    ok = run_exec([{"items": [message("ok")]}], ["--skip-git-repo-check", "hi"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_human_mode_prints_only_the_final_message_on_stdout(repo: Path) -> None:
    steps = [{"items": [exec_call("echo visible", "c1", login=False)]}, {"items": [message("The end.")]}]
    run = run_exec(steps, ["go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "The end.\n"
    assert "/bin/bash -c 'echo visible'" in run.stderr
    assert "succeeded in" in run.stderr and "visible" in run.stderr
    assert "tokens used" in run.stderr


def test_rollout_file_records_the_thread(repo: Path, codex_home: Path) -> None:
    steps = [{"items": [exec_call("true", "c1", login=False)]}, {"items": [message("done")]}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 0, run.stderr
    thread_id = run.events[0]["thread_id"]
    files = list((codex_home / "sessions").rglob(f"rollout-*-{thread_id}.jsonl"))
    assert len(files) == 1
    records = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert records[0]["type"] == "session_meta" and records[0]["payload"]["id"] == thread_id
    items = [r["payload"] for r in records if r["type"] == "response_item"]
    assert [i["type"] for i in items if i["type"] != "message"] == [
        "reasoning",
        "function_call",
        "function_call_output",
        "reasoning",
    ]
    # The reasoning model's items are kept whole, encrypted content included, so that a resume can resend them.
    assert all(i.get("encrypted_content") for i in items if i["type"] == "reasoning")
    assert items[-1]["role"] == "assistant"
    assert any(r["type"] == "event_msg" and r["payload"]["type"] == "task_complete" for r in records)
    assert [r["ordinal"] for r in records] == list(range(len(records)))


def test_ephemeral_runs_write_no_session_file(repo: Path, codex_home: Path) -> None:
    run = run_exec([{"items": [message("done")]}], ["--ephemeral", "go"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 0, run.stderr
    assert not (codex_home / "sessions").exists()


def test_image_flag_attaches_the_image_before_the_prompt(repo: Path, tmp_path: Path) -> None:
    image = tmp_path / "shot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    run = run_exec([{"items": [message("seen")]}], ["-i", str(image), "what is this"], cwd=repo)
    assert run.returncode == 0, run.stderr
    content = run.requests[0].body["input"][-1]["content"]
    assert content[0] == {"type": "input_text", "text": f'<image name=[Image #1] path="{image}">'}
    assert content[1]["type"] == "input_image" and content[1]["image_url"].startswith("data:image/png;base64,")
    assert content[2] == {"type": "input_text", "text": "</image>"}
    assert content[3] == {"type": "input_text", "text": "what is this"}


def test_a_missing_image_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    run = run_exec([], ["-i", str(tmp_path / "nope.png"), "look"], cwd=repo)
    assert run.returncode == 2 and "nope.png" in run.stderr
