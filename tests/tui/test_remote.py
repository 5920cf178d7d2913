"""`pycodex --remote ws://...`: the TUI attached to a running `pycodex app-server` (a real subprocess on a token-
protected WebSocket): the answer streams in, a command's approval comes up as the TUI's dialog, the command runs on
the server's side."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import agent
from tests.app_server.client import REPO, socket_server
from tests.support.model_server import ScriptedModelServer, exec_call, message
from tui import PycodexApp
from tui._approval_dialogs import ApprovalDialog
from tui._cells import AgentCell, CommandCell, TurnEndCell
from tui._remote import remote_factory

from .support import cells_of, has_cell, send, wait_until

pytestmark = pytest.mark.anyio

TOKEN = "remote-tui-token"


async def test_the_tui_attached_to_an_app_server_streams_answers_and_asks_approvals(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN, encoding="utf-8")
    steps = [
        {"items": [exec_call("echo remote > remote.txt", "c1", login=False, sandbox_permissions="require_escalated")]},
        {"items": [message("Done **remotely**.")]},
    ]
    auth = ["--ws-auth", "capability-token", "--ws-token-file", str(token_file)]
    with ScriptedModelServer(steps) as model:
        async with socket_server(
            model.base_url, cwd=repo, codex_home=codex_home, listen="ws://127.0.0.1:0", args=auth
        ) as (address, _):
            # The local config only says where and how to work; the server runs the model.
            config = agent.load_config(
                agent.ConfigOverrides(cwd=repo, approval_policy="on-request", sandbox_mode="read-only")
            )
            app = PycodexApp(config, session_factory=remote_factory(address, TOKEN))
            async with app.run_test(size=(100, 30)) as pilot:
                await wait_until(pilot, lambda: app.session is not None, within=30)
                await send(pilot, "make the file")
                await wait_until(pilot, lambda: isinstance(app.screen, ApprovalDialog), within=30)
                await pilot.press("y")
                await wait_until(pilot, lambda: has_cell(app, TurnEndCell), within=30)
                [command] = cells_of(app, CommandCell)
                assert isinstance(command, CommandCell) and command.exit_code == 0
                [answer] = cells_of(app, AgentCell)
                assert answer.plain() == "Done **remotely**."
    assert (repo / "remote.txt").read_text(encoding="utf-8") == "remote\n"
    assert len(list((codex_home / "sessions").rglob("rollout-*.jsonl"))) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--remote", "http://127.0.0.1:1"], "expected ws://HOST:PORT or unix://PATH"),
        (["--remote", "ws://127.0.0.1:1", "--remote-auth-token-env", "NO_SUCH_TOKEN_VAR"], "unset or empty"),
        (["--remote-auth-token-env", "X"], "--remote-auth-token-env needs --remote"),
    ],
)
def test_bad_remote_options_are_usage_errors(args: list[str], expected: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NO_SUCH_TOKEN_VAR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
