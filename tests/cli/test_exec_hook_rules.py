"""Hook rules through `pycodex exec` as a subprocess (real hook scripts, the scripted model): a file with one bad
entry keeps its good ones, MCP tools are matched by their `mcp__server__tool` name, JSON denials, `continue: false`
and `additionalContext`, and an administrator's managed hooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.model_server import ScriptedModelServer, exec_call, message

from .exec_harness import REPO, run_exec
from .test_exec_hooks import BYPASS, TOUCH, WRITE, configure, script, texts_of_role, tool_outputs

TOOLBOX = REPO / "tests/mcp_client/servers/toolbox.py"


def _deny_script(tmp_path: Path, reason: str) -> Path:
    return script(tmp_path / "deny.sh", f"cat >/dev/null\necho '{reason}' >&2\nexit 2\n")


def _answer(tmp_path: Path, name: str, answer: Mapping[str, object]) -> Path:
    return script(tmp_path / name, f"cat >/dev/null\necho '{json.dumps(answer)}'\n")


MIXED_ENTRIES = [
    {"type": "prompt", "prompt": "is this safe?"},
    {"type": "command", "command": "true", "async": True},
    {"type": "command", "command": "   "},
]


@pytest.mark.parametrize("form", ["hooks.json", "config.toml"])
def test_one_unsupported_entry_is_skipped_alone_and_the_rest_of_its_file_runs(
    codex_home: Path, repo: Path, tmp_path: Path, form: str
) -> None:
    deny = _deny_script(tmp_path, "kept hook says no")
    handlers = [*MIXED_ENTRIES, {"type": "command", "command": str(deny)}]
    table = {"BeforeEverything": [{"hooks": [{"command": "true"}]}], "PreToolUse": [{"matcher": "", "hooks": handlers}]}
    if form == "hooks.json":
        (codex_home / "hooks.json").write_text(json.dumps({"hooks": table}), encoding="utf-8")
    else:
        import tomlkit

        (codex_home / "config.toml").write_text(tomlkit.dumps({"hooks": table}), encoding="utf-8")
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert tool_outputs(run.requests[-1].body) == [
        "Command blocked by PreToolUse hook: kept hook says no. Command: touch made.txt"
    ]
    source = codex_home / form
    assert f"{source}: unknown hook event `BeforeEverything` is skipped" in run.stderr
    assert f'{source}: hooks.PreToolUse[0].hooks[0] is skipped: `type = "prompt"` hooks are not supported' in run.stderr
    assert f"{source}: hooks.PreToolUse[0].hooks[1] is skipped: `async = true`" in run.stderr
    assert f"{source}: hooks.PreToolUse[0].hooks[2] is skipped: its `command` is empty" in run.stderr
    assert "hooks[3] is skipped" not in run.stderr


def test_a_namespaced_mcp_call_is_matched_by_its_mcp_server_tool_name(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "stdin.json"
    hook = script(tmp_path / "deny.sh", f"cat > {seen}\necho 'no echo today' >&2\nexit 2\n")
    (codex_home / "config.toml").write_text(
        f'[mcp_servers.toolbox]\ncommand = "{sys.executable}"\nargs = ["{TOOLBOX}", "stdio"]\n', encoding="utf-8"
    )
    configure(codex_home, "PreToolUse", str(hook), matcher="mcp__toolbox__echo")
    call = {
        "type": "function_call",
        "id": "fc_1",
        "namespace": "mcp__toolbox",
        "name": "echo",
        "arguments": json.dumps({"message": "hi"}),
        "call_id": "m1",
    }
    with ScriptedModelServer([{"items": [call]}, {"items": [message("ok")]}]) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "cli", "exec", BYPASS, "-c", f'openai_base_url="{server.base_url}"', "echo"],
            cwd=repo,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            env={**os.environ, "OPENAI_API_KEY": "sk-test", "PYTHONPATH": str(REPO)},
        )
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    namespaces = [t["name"] for t in requests[0].body["tools"] if t.get("type") == "namespace"]
    assert "mcp__toolbox" in namespaces  # the OpenAI provider: the call really came namespaced
    assert tool_outputs(requests[-1].body) == [
        "Tool call blocked by PreToolUse hook: no echo today. Tool: mcp__toolbox__echo"
    ]
    payload = json.loads(seen.read_text())
    assert (payload["tool_name"], payload["tool_input"]) == ("mcp__toolbox__echo", {"message": "hi"})


def test_pre_tool_use_json_deny_blocks_with_its_reason(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    answer = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "touching files is reserved",
        }
    }
    configure(codex_home, "PreToolUse", str(_answer(tmp_path, "deny.sh", answer)), matcher="Bash")
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert tool_outputs(run.requests[-1].body) == [
        "Command blocked by PreToolUse hook: touching files is reserved. Command: touch made.txt"
    ]


def test_pre_tool_use_continue_false_stops_the_turn_and_shows_the_reason(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    answer = {"continue": False, "stopReason": "the release freeze is on"}
    configure(codex_home, "PreToolUse", str(_answer(tmp_path, "stop.sh", answer)))
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert len(run.requests) == 1  # no follow-up request: the turn ended after the call
    assert "A hook stopped the turn: the release freeze is on" in run.stderr


def test_pre_tool_use_additional_context_reaches_the_model(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    answer = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": "files here are generated"}}
    configure(codex_home, "PreToolUse", str(_answer(tmp_path, "ctx.sh", answer)))
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "made.txt").exists()
    assert "files here are generated" in texts_of_role(run.requests[-1].body, "developer")


def test_stop_continue_false_wins_over_a_block_and_is_shown(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    answer = {"decision": "block", "reason": "keep going", "continue": False, "stopReason": "budget spent"}
    configure(codex_home, "Stop", str(_answer(tmp_path, "stop.sh", answer)))
    run = run_exec([{"items": [message("first")]}, {"items": [message("second")]}], [BYPASS, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert len(run.requests) == 1
    assert run.stdout.strip() == "first"
    assert "A Stop hook ended the turn: budget spent" in run.stderr


def test_session_start_continue_false_refuses_the_turn_with_the_reason(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    answer = {"continue": False, "stopReason": "this machine is in maintenance"}
    configure(codex_home, "SessionStart", str(_answer(tmp_path, "start.sh", answer)))
    run = run_exec([{"items": [message("never")]}], [BYPASS, "--json", "go"], cwd=repo)
    assert run.returncode == 1
    assert run.requests == []
    [failed] = [e for e in run.events if e["type"] == "turn.failed"]
    assert failed["error"]["message"] == "A SessionStart hook stopped the session: this machine is in maintenance"


def _managed(tmp_path: Path, body: str) -> Path:
    system = tmp_path / "etc"
    (system / "hooks").mkdir(parents=True)
    (system / "requirements.toml").write_text(body, encoding="utf-8")
    return system


def _managed_hook(folder: str, command: str) -> str:
    return (
        f'[hooks]\nmanaged_dir = {json.dumps(folder)}\n[[hooks.PreToolUse]]\nmatcher = "Bash"\n'
        f'[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = {json.dumps(command)}\n'
    )


def test_managed_hooks_from_requirements_run_without_trust_and_are_listed(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    system = tmp_path / "etc"
    deny = _deny_script(tmp_path, "blocked by your administrator")
    _managed(tmp_path, _managed_hook(str(system / "hooks"), str(deny)))
    env = {"PYCODEX_SYSTEM_CONFIG_DIR": str(system)}
    run = run_exec(TOUCH, [*WRITE, "go"], cwd=repo, env=env)  # no --dangerously-bypass-hook-trust
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert tool_outputs(run.requests[-1].body) == [
        "Command blocked by PreToolUse hook: blocked by your administrator. Command: touch made.txt"
    ]
    assert "not trusted" not in run.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "cli", "hooks", "list"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )
    assert listed.returncode == 0, listed.stderr
    assert f"PreToolUse [Bash]: {deny}  (managed by an administrator: trusted" in listed.stdout
    assert f"from {system / 'requirements.toml'}#PreToolUse[0].hooks[0]" in listed.stdout


def test_managed_hooks_need_their_managed_dir(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    system = _managed(tmp_path, _managed_hook(str(tmp_path / "nowhere"), f"touch {marker}"))
    run = run_exec(TOUCH, [*WRITE, "go"], cwd=repo, env={"PYCODEX_SYSTEM_CONFIG_DIR": str(system)})
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    assert f"{system / 'requirements.toml'}: the managed hooks are not loaded: [hooks] managed_dir" in run.stderr
    assert "does not exist" in run.stderr


def test_blocked_and_failed_hooks_leave_an_error_item_in_the_json_stream(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    configure(codex_home, "PreToolUse", str(_deny_script(tmp_path, "not this one")))
    configure(codex_home, "PreToolUse", str(script(tmp_path / "broken.sh", "cat >/dev/null\necho oops >&2\nexit 3\n")))
    run = run_exec(TOUCH, [BYPASS, "--json", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    errors = [i["message"] for i in run.items("error")]
    assert any(e.endswith("blocked: not this one") for e in errors), errors
    assert any(e.endswith("failed: exited with code 3: oops") for e in errors), errors


def test_features_codex_hooks_false_turns_every_hook_off(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    configure(codex_home, "PreToolUse", f"touch {marker}; echo no >&2; exit 2")
    with (codex_home / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write("[features]\ncodex_hooks = false\n")
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "made.txt").exists()
    assert not marker.exists()
    assert "not supported" not in run.stderr  # `features.codex_hooks` acts: not reported as unsupported
    listed = subprocess.run(
        [sys.executable, "-m", "cli", "hooks", "list"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert "Hooks are turned off (features.codex_hooks = false)" in listed.stdout


def test_bypassing_hook_trust_is_announced(codex_home: Path, repo: Path) -> None:
    run = run_exec([{"items": [message("ok")]}], [BYPASS, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert "--dangerously-bypass-hook-trust is on: for this run every configured hook runs" in run.stderr
    quiet = run_exec([{"items": [message("ok")]}], ["go"], cwd=repo)
    assert "dangerously-bypass-hook-trust is on" not in quiet.stderr


def test_a_permission_request_hook_answers_exec_questions_before_the_reviewer(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    # exec asks questions only when the automatic reviewer is configured (approval on-request); a PermissionRequest
    # hook answers first: its deny message is what the model reads, and the reviewer is never consulted.
    answer = {
        "hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "deny", "message": "escalation needs a ticket number"},
        }
    }
    configure(codex_home, "PermissionRequest", str(_answer(tmp_path, "perm.sh", answer)), matcher="Bash")
    call = exec_call("touch made.txt", "c1", login=False, sandbox_permissions="require_escalated", justification="x")
    steps = [{"items": [call]}, {"items": [message("understood")]}]
    run = run_exec(steps, [BYPASS, *WRITE, "-c", 'approvals_reviewer="auto_review"', "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert len(run.requests) == 2  # the two turns' requests: no review request went to the model
    assert tool_outputs(run.requests[-1].body) == ["escalation needs a ticket number"]


def test_pre_tool_use_ask_in_exec_is_refused_because_nobody_can_be_asked(
    codex_home: Path, repo: Path, tmp_path: Path
) -> None:
    answer = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask"}}
    configure(codex_home, "PreToolUse", str(_answer(tmp_path, "ask.sh", answer)), matcher="Bash")
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "made.txt").exists()
    assert tool_outputs(run.requests[-1].body) == [
        "A PreToolUse hook asked for the user's confirmation, and approval_policy is never."
    ]


def test_allow_managed_hooks_only_keeps_the_users_hooks_out(codex_home: Path, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "user-hook-ran"
    configure(codex_home, "PreToolUse", f"touch {marker}")
    system = tmp_path / "etc"
    deny = _deny_script(tmp_path, "managed says no")
    _managed(tmp_path, "allow_managed_hooks_only = true\n" + _managed_hook(str(system / "hooks"), str(deny)))
    run = run_exec(TOUCH, [BYPASS, *WRITE, "go"], cwd=repo, env={"PYCODEX_SYSTEM_CONFIG_DIR": str(system)})
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    assert tool_outputs(run.requests[-1].body) == [
        "Command blocked by PreToolUse hook: managed says no. Command: touch made.txt"
    ]
    assert (
        f"{codex_home / 'config.toml'}: its hooks are not loaded: requirements.toml sets allow_managed_hooks_only"
        in (run.stderr)
    )
