"""The offline example in examples/ runs the whole exec flow against the scripted model server, as README says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run_example(*extra: str) -> subprocess.CompletedProcess[str]:
    pycodex = Path(sys.executable).with_name("pycodex")
    env = {**os.environ, "PYTHON": sys.executable, "PYCODEX": str(pycodex)}
    return subprocess.run(
        ["bash", str(REPO / "examples" / "offline_exec.sh"), *extra],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_offline_example_runs_a_whole_turn() -> None:
    done = _run_example()
    assert done.returncode == 0, done.stderr
    assert "--- hello.txt: hello from pycodex" in done.stderr
    assert done.stdout.rstrip().splitlines()[-1] == (
        "Created `hello.txt` with a greeting and checked that it is there."
    )
    assert "grep -c pycodex hello.txt" in done.stderr


def test_offline_example_passes_exec_options_through() -> None:
    done = _run_example("--json")
    assert done.returncode == 0, done.stderr
    # stdout is JSON Lines and nothing else.
    events = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = [event["type"] for event in events]
    assert kinds[0] == "thread.started"
    assert kinds[-1] == "turn.completed"
    commands = [
        event["item"]
        for event in events
        if event["type"] == "item.completed" and event["item"]["type"] == "command_execution"
    ]
    assert [command["exit_code"] for command in commands] == [0, 0]
