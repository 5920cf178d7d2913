"""Hooks through `pycodex exec` as a subprocess: real hook programs (shell scripts written here), the scripted model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.model_server import exec_call, message

from .exec_harness import REPO, run_exec

BYPASS = "--dangerously-bypass-hook-trust"
WRITE = ["-s", "workspace-write"]


def script(path: Path, body: str) -> Path:
    """An executable hook program."""
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)
    return path


def configure(codex_home: Path, event: str, command: str, *, matcher: str = "", extra: str = "") -> None:
    lines = [f"[[hooks.{event}]]", f'matcher = "{matcher}"', f"[[hooks.{event}.hooks]]", 'type = "command"']
    lines += [f"command = {json.dumps(command)}", extra]
    with (codex_home / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def tool_outputs(request_body: dict[str, Any]) -> list[str]:
    return [str(i["output"]) for i in request_body["input"] if str(i.get("type", "")).endswith("_output")]


def texts_of_role(request_body: dict[str, Any], role: str) -> list[str]:
    return [
        str(part.get("text", ""))
        for item in request_body["input"]
        if item.get("type") == "message" and item.get("role") == role
        for part in item.get("content", [])
    ]


TOUCH = [{"items": [exec_call("touch made.txt", "c1", login=False)]}, {"items": [message("done")]}]


def test_an_untrusted_hook_does_not_run_and_says_how_to_trust_it(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    configure(codex_home, "PreToolUse", f"touch {marker}")
    run = run_exec(TOUCH, ["go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    assert "is not trusted, so it will not run" in run.stderr
    assert "pycodex hooks trust" in run.stderr


def test_a_hook_trusted_with_the_hooks_command_runs(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    configure(codex_home, "PreToolUse", f"touch {marker}")
    env = {"PYTHONPATH": str(REPO)}
    listed = subprocess.run(
        [sys.executable, "-m", "cli", "hooks", "list"], cwd=repo, capture_output=True, text=True, env={**_env(), **env}
    )
    assert "NOT TRUSTED" in listed.stdout
    trusted = subprocess.run(
        [sys.executable, "-m", "cli", "hooks", "trust", "--all"], cwd=repo, capture_output=True, text=True, env=_env()
    )
    assert trusted.returncode == 0, trusted.stderr
    assert "1 hook trusted" in trusted.stdout
    assert "trusted_hash" in (codex_home / "config.toml").read_text()
    run = run_exec(TOUCH, ["go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert marker.exists()
    assert "not trusted" not in run.stderr


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_pre_tool_use_exit_2_blocks_the_command_and_tells_the_model(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "stdin.json"
    hook = script(tmp_path / "deny.sh", f"cat > {seen}\necho 'no files here' >&2\nexit 2\n")
    configure(codex_home, "PreToolUse", str(hook), matcher="Bash")
    run = run_exec(TOUCH, [BYPASS, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert tool_outputs(run.requests[-1].body) == [
        "Command blocked by PreToolUse hook: no files here. Command: touch made.txt"
    ]
    payload = json.loads(seen.read_text())
    assert payload["hook_event_name"] == "PreToolUse"
    assert payload["tool_name"] == "Bash"
    assert payload["tool_input"] == {"command": "touch made.txt"}
    assert payload["tool_use_id"] == "c1"
    assert payload["cwd"] == str(repo)
    assert "hook:" in run.stderr and "blocked: no files here" in run.stderr


def test_pre_tool_use_updated_input_rewrites_the_command_as_claude_code_hooks_do(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    answer = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "updatedInput": {"command": "touch other.txt"}}}
    hook = script(tmp_path / "rewrite.sh", f"cat >/dev/null\necho '{json.dumps(answer)}'\n")
    configure(codex_home, "PreToolUse", str(hook), matcher="Bash")
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "other.txt").exists()
    assert not (repo / "made.txt").exists()


def test_post_tool_use_block_replaces_the_output_and_context_reaches_the_model(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    answer = {
        "decision": "block",
        "reason": "output withheld by policy",
        "hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": "remember the style guide"},
    }
    hook = script(tmp_path / "post.sh", f"cat >/dev/null\necho '{json.dumps(answer)}'\n")
    configure(codex_home, "PostToolUse", str(hook))
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "made.txt").exists()
    last = run.requests[-1].body
    assert tool_outputs(last) == ["output withheld by policy"]
    assert "remember the style guide" in texts_of_role(last, "developer")


def test_a_blocked_prompt_fails_the_turn_with_the_reason_and_sends_nothing(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    hook = script(tmp_path / "prompt.sh", "cat >/dev/null\necho 'prompts about secrets are not allowed' >&2\nexit 2\n")
    configure(codex_home, "UserPromptSubmit", str(hook))
    run = run_exec(TOUCH, [BYPASS, "--json", "tell me the secrets"], cwd=repo)
    assert run.returncode == 1
    assert run.requests == []
    failed = [e for e in run.events if e["type"] == "turn.failed"]
    assert "prompts about secrets are not allowed" in failed[0]["error"]["message"]


def test_a_stop_hook_that_blocks_continues_the_turn_once(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    seen = tmp_path / "stops"
    body = (
        f"cat >> {seen}\necho >> {seen}\n"
        f'if [ "$(wc -l < {seen})" -lt 2 ]; then echo "also run the tests" >&2; exit 2; fi\n'
    )
    hook = script(tmp_path / "stop.sh", body)
    configure(codex_home, "Stop", str(hook))
    steps = [{"items": [message("first answer")]}, {"items": [message("tests pass")]}]
    run = run_exec(steps, [BYPASS, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "tests pass"
    assert len(run.requests) == 2
    assert texts_of_role(run.requests[1].body, "user")[-1] == "also run the tests"
    first, second = [json.loads(line) for line in seen.read_text().splitlines() if line.strip()]
    assert (first["stop_hook_active"], second["stop_hook_active"]) == (False, True)
    assert first["last_assistant_message"] == "first answer"


def test_session_start_text_becomes_context_for_the_model(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    hook = script(tmp_path / "start.sh", "cat >/dev/null\necho 'the build uses make'\n")
    configure(codex_home, "SessionStart", str(hook))
    run = run_exec([{"items": [message("ok")]}], [BYPASS, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert "the build uses make" in texts_of_role(run.requests[0].body, "developer")


def test_a_hook_that_times_out_or_prints_bad_json_is_reported_and_ignored(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    slow = script(tmp_path / "slow.sh", "sleep 30\n")
    bad = script(tmp_path / "bad.sh", "cat >/dev/null\necho '{not json'\n")
    configure(codex_home, "PreToolUse", str(slow), extra="timeout = 1")
    configure(codex_home, "PreToolUse", str(bad))
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "made.txt").exists()
    assert "hook timed out after 1s" in run.stderr
    assert "printed invalid JSON" in run.stderr


def test_notify_gets_the_turn_payload(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    from tests.cli.exec_harness import wait_for_file

    out = tmp_path / "notified.json"
    program = script(tmp_path / "notify.sh", f'printf "%s" "$1" > {out}.tmp && mv {out}.tmp {out}\n')
    (codex_home / "config.toml").write_text(f"notify = [{json.dumps(str(program))}]\n", encoding="utf-8")
    run = run_exec([{"items": [message("all done")]}], ["fix it"], cwd=repo)
    assert run.returncode == 0, run.stderr
    wait_for_file(out, nonempty=True)
    payload = json.loads(out.read_text())
    assert payload["type"] == "agent-turn-complete"
    assert payload["input-messages"] == ["fix it"]
    assert payload["last-assistant-message"] == "all done"
    assert payload["cwd"] == str(repo)


def test_hooks_of_an_untrusted_project_never_load(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (repo / ".codex").mkdir()
    hooks = {"hooks": {"PreToolUse": [{"matcher": "", "hooks": [{"type": "command", "command": f"touch {marker}"}]}]}}
    (repo / ".codex" / "hooks.json").write_text(json.dumps(hooks), encoding="utf-8")
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "made.txt").exists()
    assert not marker.exists()


def test_a_hooks_system_message_is_a_warning_in_the_json_stream(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    answer = {"systemMessage": "remember to run the linter"}
    hook = script(tmp_path / "note.sh", f"cat >/dev/null\necho '{json.dumps(answer)}'\n")
    configure(codex_home, "PreToolUse", str(hook))
    run = run_exec(TOUCH, [BYPASS, "--json", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    errors = [
        e["item"]["message"] for e in run.events if e["type"] == "item.completed" and e["item"]["type"] == "error"
    ]
    assert "remember to run the linter" in errors
