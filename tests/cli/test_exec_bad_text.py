"""Text that is not valid Unicode never ends `pycodex exec` (issue 14, item 5).

A lone UTF-16 surrogate is legal in JSON (`"\\ud83d"`) and is what Python makes of argv bytes that are not UTF-8. The
one policy (agent/_text.py): a split pair is joined, any other lone surrogate is written as U+FFFD, everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.apply_patch import apply_patch
from tests.cli.exec_harness import REPO, provider_flags, run_exec
from tests.support.model_server import ScriptedModelServer, custom_tool_call, message

PATCH = "*** Begin Patch\n*** Add File: note.txt\n+half \ud83d of a pair\n*** End Patch"


def _rollout_lines(codex_home: Path) -> list[str]:
    (rollout,) = sorted((codex_home / "sessions").rglob("rollout-*.jsonl"))
    return rollout.read_bytes().decode("utf-8").splitlines()  # strict: the file must be valid UTF-8


def test_a_lone_surrogate_in_the_model_s_output_is_written_as_a_replacement_character(
    tmp_path: Path, codex_home: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    steps = [
        {"items": [custom_tool_call("apply_patch", PATCH, "p1")]},
        {"items": [message("broken \ud83d emoji, whole \ud83d\ude00 one")]},
    ]
    run = run_exec(steps, ["--json", "--skip-git-repo-check", "-s", "workspace-write", "go"], cwd=work)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.events[-1]["type"] == "turn.completed"
    assert run.items("agent_message")[-1]["text"] == "broken \ufffd emoji, whole \U0001f600 one"
    assert (work / "note.txt").read_bytes() == "half \ufffd of a pair\n".encode()
    lines = _rollout_lines(codex_home)
    assert any("broken \ufffd emoji" in line for line in lines)
    for line in lines:
        json.loads(line)
    # The next request carried the answer as valid UTF-8 (the model server parsed it).
    assert "half \ufffd of a pair" in json.dumps(run.requests[1].body, ensure_ascii=False)


def test_a_prompt_whose_bytes_are_not_utf8_is_sent_recorded_and_indexed_with_a_replacement(
    tmp_path: Path, codex_home: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    with ScriptedModelServer([{"items": [message("ok")]}]) as server:
        command = [sys.executable, "-m", "cli", "exec", *provider_flags(server.base_url), "--json"]
        argv = [part.encode() for part in command] + [b"--skip-git-repo-check", b"fix caf\xe9 now"]
        env = {**os.environ, "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO)}
        proc = subprocess.run(argv, cwd=work, env=env, capture_output=True, timeout=60, check=False)
        requests = server.requests
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    events = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert events[-1]["type"] == "turn.completed"
    assert "fix caf\ufffd now" in json.dumps(requests[0].body, ensure_ascii=False)
    assert any("fix caf\ufffd now" in line for line in _rollout_lines(codex_home))
    listed = subprocess.run(
        [sys.executable, "-m", "cli", "sessions", "--json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["first_user_message"] for line in listed.stdout.splitlines()] == ["fix caf\ufffd now"]


def test_the_patch_writer_writes_a_lone_surrogate_as_a_replacement_character(tmp_path: Path) -> None:
    apply_patch(PATCH, tmp_path)
    assert (tmp_path / "note.txt").read_bytes() == "half \ufffd of a pair\n".encode()
