"""`pycodex exec` when its session files cannot be written (issue 14, item 10).

A real full disk: a 256 KiB tmpfs mounted in a private mount namespace (`unshare -rm`, so no root is needed and the
mount vanishes with the processes), filled with a file until ENOSPC. A file-size limit (RLIMIT_FSIZE, EFBIG) stands
for a disk that fills after the lock was taken, while the rollout is created.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.threads._index import StateIndex, StateIndexError
from tests.cli.exec_harness import REPO, provider_flags
from tests.support.model_server import ScriptedModelServer, message

EXEC = [sys.executable, "-m", "cli", "exec"]
SESSIONS = [sys.executable, "-m", "cli", "sessions", "--json", "--all"]


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    target = tmp_path / "probe"
    target.mkdir()
    probe = subprocess.run(
        ["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_a_full_disk_fails_the_turn_with_the_path_and_the_cause_and_the_index_recovers(tmp_path: Path) -> None:
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("cannot mount a tmpfs in a user namespace here (unshare -rm mount -t tmpfs was refused)")
    disk = tmp_path / "disk"
    disk.mkdir()
    home = disk / "home"
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    steps = [{"items": [message("first")]}, {"items": [message("third")]}]
    with ScriptedModelServer(steps) as server:
        run = shlex.join([*EXEC, *provider_flags(server.base_url), "--json", "--skip-git-repo-check"])
        script = "\n".join(
            [
                "set -u",
                f"mount -t tmpfs -o size=256k tmpfs {disk}",
                f"{run} one > {out}/1.jsonl 2> {out}/1.err; echo $? > {out}/1.rc",
                f"dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null; true",
                f"{run} two > {out}/2.jsonl 2> {out}/2.err; echo $? > {out}/2.rc",
                f"{shlex.join(SESSIONS)} > {out}/3.jsonl 2> {out}/3.err; echo $? > {out}/3.rc",
                f"rm {disk}/filler",
                f"{run} three > {out}/4.jsonl 2> {out}/4.err; echo $? > {out}/4.rc",
                f"{shlex.join(SESSIONS)} > {out}/5.jsonl 2> {out}/5.err; echo $? > {out}/5.rc",
                f"find {home} -type f -size 0 > {out}/empty.txt",
            ]
        )
        env = {**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO)}
        subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=work, env=env, timeout=120, check=True)

    def rc(step: int) -> int:
        return int((out / f"{step}.rc").read_text(encoding="utf-8"))

    assert rc(1) == 0, (out / "1.err").read_text(encoding="utf-8")
    # Disk full: a clear error naming the file and the cause, and the --json stream still ends with turn.failed.
    assert rc(2) == 1
    failed = _events(out / "2.jsonl")
    assert failed[-1]["type"] == "turn.failed"
    reason = str(failed[-1]["error"])
    assert str(home / "sessions") in reason and "No space left on device" in reason
    assert "Traceback" not in (out / "2.err").read_text(encoding="utf-8")
    # Listing on the full disk either works or says why; never SQLite's "cannot rollback" instead of the cause.
    listing = (out / "3.err").read_text(encoding="utf-8")
    assert "cannot rollback" not in listing and "Traceback" not in listing
    if rc(3) != 0:
        assert listing.startswith("Error: ") and "pycodex_state.sqlite" in listing and "no space left" in listing
    # Space is back: the next run works, the index knows both recorded threads, and no empty file was left behind.
    assert rc(4) == 0 and _events(out / "4.jsonl")[-1]["type"] == "turn.completed"
    assert rc(5) == 0, (out / "5.err").read_text(encoding="utf-8")
    prompts = sorted(str(t["first_user_message"]) for t in _events(out / "5.jsonl"))
    assert prompts == ["one", "three"]
    assert (out / "empty.txt").read_text(encoding="utf-8") == ""


def test_a_rollout_that_cannot_be_written_fails_the_turn_and_leaves_no_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()

    def small_files() -> None:  # the pid in the lock fits; the rollout's first record does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000, 2_000))

    with ScriptedModelServer([{"items": [message("never")]}]) as server:
        command = [*EXEC, *provider_flags(server.base_url), "--json", "--skip-git-repo-check", "go"]
        env = {**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            command, cwd=work, env=env, capture_output=True, text=True, timeout=60, preexec_fn=small_files, check=False
        )
        requests = server.requests
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["type"] for e in events] == ["error", "turn.failed"]
    message_text = str(events[-1]["error"])
    assert "cannot write the session file" in message_text and "File too large" in message_text
    assert str(home / "sessions") in message_text
    assert requests == []  # nothing was sent to the model for a turn that cannot be recorded
    assert [p for p in home.rglob("*") if p.is_file()] == []


def test_an_index_write_that_fails_reports_sqlite_s_cause_not_a_failed_rollback(tmp_path: Path) -> None:
    with StateIndex.open(tmp_path) as index:
        sessions = tmp_path / "sessions" / "2026" / "01" / "01"
        sessions.mkdir(parents=True)
        for number in range(40):
            thread = f"01900000-0000-7000-8000-{number:012d}"
            meta = {"id": thread, "timestamp": "2026-01-01T00:00:00Z", "cwd": "/w", "originator": "t"}
            lines: list[dict[str, Any]] = [
                {"timestamp": "2026-01-01T00:00:00.000Z", "type": "session_meta", "payload": meta}
            ]
            prompt = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x" * 4000}]}
            lines.append({"timestamp": "2026-01-01T00:00:00.000Z", "type": "response_item", "payload": prompt})
            path = sessions / f"rollout-2026-01-01T00-00-00-{thread}.jsonl"
            path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        conn = index._conn  # pyright: ignore[reportPrivateUsage]
        assert conn is not None
        # The database may not grow past its current size: the sync's transaction fails with SQLITE_FULL.
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StateIndexError) as caught:
            index.sync()
        assert "database or disk is full" in str(caught.value)
        assert "rollback" not in str(caught.value)
        assert not conn.in_transaction
        conn.execute("PRAGMA max_page_count = 1073741823")
        assert index.sync().added == 40  # the index recovers once there is room
    with sqlite3.connect(tmp_path / "pycodex_state.sqlite") as check:
        assert check.execute("SELECT count(*) FROM threads").fetchone()[0] == 40
