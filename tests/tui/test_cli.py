"""`pycodex` (no command) and `pycodex resume` from the command line: what they refuse before opening the TUI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PYCODEX = [sys.executable, "-m", "cli"]


def run(*args: str, cwd: Path, codex_home: Path) -> subprocess.CompletedProcess[str]:
    env = {"CODEX_HOME": str(codex_home), "PATH": "/usr/bin:/bin", "HOME": str(codex_home)}
    return subprocess.run(
        [*PYCODEX, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )


def test_help_lists_the_chat_options_and_resume(repo: Path, codex_home: Path) -> None:
    result = run("--help", cwd=repo, codex_home=codex_home)
    assert result.returncode == 0
    assert "Run `pycodex` to chat with it" in " ".join(result.stdout.split())
    assert "--ask-for-approval" in result.stdout
    assert "resume" in result.stdout


def test_without_a_terminal_the_chat_refuses_and_points_to_exec(repo: Path, codex_home: Path) -> None:
    result = run(cwd=repo, codex_home=codex_home)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "pycodex exec" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sandbox", "nowhere"], "invalid value for --sandbox: 'nowhere'"),
        (["--ask-for-approval", "sometimes"], "invalid value for --ask-for-approval: 'sometimes'"),
        (["-c", "novalue"], "invalid -c override (expected key=value): novalue"),
    ],
)
def test_bad_flags_are_usage_errors(repo: Path, codex_home: Path, args: list[str], message: str) -> None:
    result = run("resume", "--last", *args, cwd=repo, codex_home=codex_home)
    assert result.returncode == 2
    assert message in result.stderr


def test_resume_last_without_any_session_says_so(repo: Path, codex_home: Path) -> None:
    result = run("resume", "--last", cwd=repo, codex_home=codex_home)
    assert result.returncode == 1
    assert "no recorded session" in result.stderr


def test_resume_of_an_unknown_id_says_so(repo: Path, codex_home: Path) -> None:
    result = run("resume", "0000dead", cwd=repo, codex_home=codex_home)
    assert result.returncode == 1
    assert "no session with id '0000dead'" in result.stderr


def test_resume_with_an_id_and_last_together_is_a_usage_error(repo: Path, codex_home: Path) -> None:
    result = run("resume", "--last", "abc", cwd=repo, codex_home=codex_home)
    assert result.returncode == 2
    assert "give a session ID or --last, not both" in result.stderr
