"""`pycodex exec` where bubblewrap cannot create namespaces, so only Landlock can confine (issue 14, item 2): a
workspace-write command is refused, since Landlock would leave `.git` and `.codex` writable; with
`sandbox_allow_degraded = true` it runs, and every command carries a warning naming what is not enforced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox._detect import detect, find_bwrap
from tests.cli.exec_harness import PYCODEX, REPO, provider_flags
from tests.support.model_server import ScriptedModelServer, exec_call, message

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap and Landlock are Linux-only")


def landlock_only(argv: list[str]) -> list[str]:
    """`argv` run where no new user namespace can be made, so pycodex's bubblewrap cannot work."""
    bwrap = find_bwrap()
    if detect().backend != "bubblewrap" or bwrap is None or detect().landlock_abi < 1:
        pytest.skip("needs a working bubblewrap (to take user namespaces away) and Landlock")
    outer = [bwrap, "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-user", "--unshare-pid"]
    return [*outer, "--disable-userns", "--", *argv]


def run(repo: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    steps = [
        {"items": [exec_call("touch first.txt", "c1", login=False)]},
        {"items": [exec_call("touch second.txt", "c2", login=False)]},
        {"items": [message("done")]},
    ]
    with ScriptedModelServer(steps) as server:
        argv = [*PYCODEX, "exec", *provider_flags(server.base_url), "--json", "-s", "workspace-write", *extra, "go"]
        proc = subprocess.run(
            landlock_only(argv),
            cwd=repo,
            env={**os.environ, "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        body = server.requests[-1].body
    outputs = [str(i["output"]) for i in body["input"] if i.get("type", "").endswith("_call_output")]
    return proc, outputs


def test_landlock_alone_refuses_a_workspace_write_command(repo: Path) -> None:
    proc, _ = run(repo)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 1, proc.stderr
    assert events[-1]["type"] == "turn.failed"
    message = events[-1]["error"]["message"]
    assert message.startswith("cannot fully confine this command here (protected paths (.git, .codex, .agents)")
    assert "Refusing to run it with part of the policy not enforced" in message
    assert "sandbox_allow_degraded = true" in message
    assert not (repo / "first.txt").exists()


def test_an_allowed_degraded_sandbox_warns_with_every_command(repo: Path) -> None:
    proc, outputs = run(repo, "-c", "sandbox_allow_degraded=true")
    assert proc.returncode == 0, proc.stderr
    assert (repo / "first.txt").exists() and (repo / "second.txt").exists()
    assert outputs[-1].startswith("Chunk ID") or "Process exited with code 0" in outputs[-1], outputs
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    kinds = [e["item"]["type"] for e in events if e["type"] == "item.completed"]
    warnings = [e["item"]["message"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "error"]
    # One warning before each of the two commands, each naming what is not enforced.
    assert kinds == ["error", "command_execution", "error", "command_execution", "agent_message"]
    assert len(warnings) == 2
    for warning in warnings:
        assert warning.startswith("running with a degraded sandbox; NOT enforced: protected paths (.git, .codex")
