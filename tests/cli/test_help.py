"""Help texts: every command and option explains itself; `exec resume` and `exec fork` have their own usage."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import typer.main

from cli._app import app
from tests.cli.exec_harness import PYCODEX, REPO


def _help(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([*PYCODEX, *args], capture_output=True, text=True, env=env, timeout=60)


def test_sandbox_status_help() -> None:
    run = _help("sandbox", "status", "--help")
    assert run.returncode == 0
    assert run.stdout.startswith("usage: pycodex sandbox status [--json]")


def test_exec_resume_and_fork_show_their_own_usage() -> None:
    resume = _help("exec", "resume", "--help")
    assert resume.returncode == 0
    assert "Usage: pycodex exec resume [OPTIONS]" in resume.stdout and "Continue a recorded session" in resume.stdout
    fork = _help("exec", "-c", "model=x", "fork", "-h")
    assert fork.returncode == 0
    assert "Usage: pycodex exec fork [OPTIONS]" in fork.stdout and "--fork" not in fork.stdout


def test_exec_help_mentions_resume_and_fork() -> None:
    text = " ".join(_help("exec", "--help").stdout.split())
    assert "pycodex exec resume" in text and "pycodex exec fork" in text


def test_every_option_has_a_help_line() -> None:
    missing: list[str] = []

    def walk(command: Any, path: str) -> None:
        options = [p for p in command.params if type(p).__name__.endswith("Option") and not p.hidden]
        missing.extend(f"{path} {p.opts[0]}" for p in options if not p.help)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "pycodex")
    assert missing == []


def test_sessions_says_when_there_are_none(tmp_path: Path, codex_home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([*PYCODEX, "sessions"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0
    assert run.stdout == ""
    assert run.stderr == f"No sessions in {tmp_path} (`pycodex sessions --all` lists those of every directory).\n"
