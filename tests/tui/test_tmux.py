"""`pycodex` in a real terminal (tmux) against the scripted model: ask, approve a command, read the answer, quit.

tmux gives no event for "the screen now shows X", so the pane is polled (every 0.1 s, up to a deadline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.model_server import ScriptedModelServer, exec_call, message

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

PYCODEX = Path(sys.executable).with_name("pycodex")


class Tmux:
    """One tmux server of our own (its own socket), running one session."""

    def __init__(self) -> None:
        self.socket = f"pycodex-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "chat").stdout

    def alive(self) -> bool:
        return self.run("has-session", "-t", "chat", check=False).returncode == 0

    def wait_for(self, condition: Callable[[str], bool], *, within: float = 30.0) -> str:
        deadline = time.monotonic() + within
        while True:
            text = self.screen() if self.alive() else ""
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was expected; it shows:\n{text}")
            time.sleep(0.1)

    def wait_until_gone(self, *, within: float = 15.0) -> None:
        deadline = time.monotonic() + within
        while self.alive():
            if time.monotonic() > deadline:
                raise AssertionError(f"pycodex did not exit; the screen shows:\n{self.screen()}")
            time.sleep(0.1)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    yield server
    server.run("kill-server", check=False)
    # tmux leaves its socket file behind.
    socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
    (socket_dir / server.socket).unlink(missing_ok=True)


def test_pycodex_in_tmux_asks_before_a_command_and_shows_the_answer(tmux: Tmux, repo: Path, codex_home: Path) -> None:
    steps = [
        {"items": [exec_call("touch approved.txt", "c1", login=False)]},
        {"items": [message("All done: **approved.txt** is there.")]},
    ]
    with ScriptedModelServer(steps) as server:
        (codex_home / "config.toml").write_text(
            f'model = "test-model"\nmodel_provider = "mock"\n\n'
            f'[model_providers.mock]\nname = "Scripted"\nbase_url = "{server.base_url}"\n',
            encoding="utf-8",
        )
        env = {"CODEX_HOME": str(codex_home), "TERM": "xterm-256color"}
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        command = f"cd {repo} && env {exports} {PYCODEX} --ask-for-approval untrusted --sandbox workspace-write"
        tmux.run("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", command)

        tmux.wait_for(lambda s: "/ commands" in s and "test-model" in s)
        tmux.run("send-keys", "-t", "chat", "-l", "make the file please")
        tmux.run("send-keys", "-t", "chat", "Enter")
        asked = tmux.wait_for(lambda s: "Allow the agent to run this command?" in s)
        assert "$ touch approved.txt" in asked
        assert "Yes, run it" in asked

        tmux.run("send-keys", "-t", "chat", "y")
        done = tmux.wait_for(lambda s: "All done" in s and "worked for" in s)
        lines = [line.rstrip() for line in done.splitlines()]
        assert "› make the file please" in [line.strip() for line in lines]
        assert any("✔ You allowed `touch approved.txt`" in line for line in lines)
        assert any("✓ Ran touch approved.txt" in line for line in lines)
        assert any("All done: approved.txt is there." in line for line in lines)
        assert any("test-model · workspace-write" in line for line in lines)
        assert (repo / "approved.txt").exists()

        tmux.run("send-keys", "-t", "chat", "C-c")
        tmux.wait_for(lambda s: "press ctrl+c again to quit" in s)
        tmux.run("send-keys", "-t", "chat", "C-c")
        tmux.wait_until_gone()

    rollouts = list((codex_home / "sessions").rglob("rollout-*.jsonl"))
    assert len(rollouts) == 1
    assert "make the file please" in rollouts[0].read_text(encoding="utf-8")
