"""Hooks through `pycodex mcp-server` as a subprocess: each trusted hook that runs in a `codex` call reaches the host
as an MCP log message (`notifications/message`, beside the progress notification), and a hook nobody has trusted
does not run and is named in a warning that says how to trust it (in full: warnings are not cut to a progress
line's length)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support.model_server import ScriptedModelServer, exec_call, message

from .harness import git_repo, raw_server, write_provider

pytestmark = pytest.mark.anyio


def hook_table(event: str, command: str, *, matcher: str = "", status: str | None = None) -> str:
    lines = [f"[[hooks.{event}]]", f'matcher = "{matcher}"', f"[[hooks.{event}.hooks]]", 'type = "command"']
    lines.append(f"command = {json.dumps(command)}")
    if status is not None:
        lines.append(f"statusMessage = {json.dumps(status)}")
    return "\n".join(lines) + "\n"


async def codex_call(codex_home: Path, cwd: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One `codex` tool call (with a progress token); its answer and the log messages the host got."""
    async with raw_server(codex_home) as server:
        with anyio.fail_after(60):
            await server.initialize()
            arguments = {"prompt": "go", "cwd": str(cwd), "sandbox": "workspace-write", "approval-policy": "never"}
            params = {"name": "codex", "arguments": arguments, "_meta": {"progressToken": "tok"}}
            await server.send({"id": 3, "method": "tools/call", "params": params})
            answer = await server.answer_to(3)
    logs = [m["params"] for m in server.seen if m.get("method") == "notifications/message"]
    return answer, logs


async def test_each_hook_run_is_a_log_message_with_its_status(codex_home: Path, tmp_path: Path) -> None:
    from agent.hooks import load_hooks, trust_hooks

    repo = git_repo(tmp_path / "repo")
    blocker = tmp_path / "block.sh"
    blocker.write_text("#!/bin/sh\ncat >/dev/null\necho 'no touching today' >&2\nexit 2\n", encoding="utf-8")
    blocker.chmod(0o755)
    steps = [{"items": [exec_call("touch made.txt", "c1", login=False)]}, {"items": [message("done")]}]
    with ScriptedModelServer(steps) as model:
        tables = hook_table("UserPromptSubmit", "cat >/dev/null", status="reading the prompt")
        tables += hook_table("PreToolUse", str(blocker), matcher="Bash", status="checking the command")
        write_provider(codex_home, model.base_url, tables=tables)
        assert trust_hooks(codex_home / "config.toml", load_hooks([codex_home], trusted_hashes={}).all) == 2
        answer, logs = await codex_call(codex_home, repo)
    assert answer["result"]["isError"] is False
    assert not (repo / "made.txt").exists()
    hooks = [(entry["level"], entry["data"]) for entry in logs if str(entry["data"]).startswith("Hook:")]
    assert hooks == [
        ("info", "Hook: reading the prompt done"),
        ("warning", "Hook: checking the command blocked: no touching today"),
    ]
    assert {entry["logger"] for entry in logs} == {"pycodex"}


async def test_an_untrusted_hook_does_not_run_and_a_warning_names_it(codex_home: Path, tmp_path: Path) -> None:
    from agent.hooks import load_hooks

    repo = git_repo(tmp_path / "repo")
    marker = tmp_path / "ran"
    with ScriptedModelServer([{"items": [message("done")]}]) as model:
        write_provider(codex_home, model.base_url, tables=hook_table("UserPromptSubmit", f"touch {marker}"))
        (hook,) = load_hooks([codex_home], trusted_hashes={}).untrusted
        answer, logs = await codex_call(codex_home, repo)
    assert answer["result"]["isError"] is False
    assert not marker.exists()
    refusal = [entry for entry in logs if hook.key in str(entry["data"])]
    assert refusal, logs
    assert refusal[0]["level"] == "warning"
    assert "is not trusted, so it will not run" in refusal[0]["data"]
    assert "pycodex hooks trust" in refusal[0]["data"]  # a warning is not cut short like a progress line
