"""One writer per thread: the lock refuses a second holder at once, names it, and dies with its process."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.errors import ThreadBusyError
from agent.threads._lock import ThreadLock, ThreadLockedError, lock_path_for

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys
from pathlib import Path
from agent.threads._lock import ThreadLock
lock = ThreadLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
sys.stdin.read()
lock.release()
print("released", flush=True)
"""


@pytest.fixture
def rollout(tmp_path: Path) -> Path:
    path = tmp_path / "sessions" / "rollout-2026-11-20T10-00-00-t.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture
def holder(rollout: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock (until its stdin closes)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", HOLDER, str(rollout)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "locked\n"
        yield proc
        proc.kill()


def test_the_lock_file_sits_beside_the_rollout_and_names_its_holder(rollout: Path) -> None:
    lock = ThreadLock(rollout)

    lock.acquire()

    assert lock.held
    assert lock.lock_path == lock_path_for(rollout) == rollout.with_name(rollout.name + ".lock")
    assert lock.lock_path.read_text(encoding="ascii") == f"{os.getpid()}\n"
    lock.release()
    assert not lock.held
    assert not lock.lock_path.exists()
    lock.release()  # a second release does nothing


def test_a_second_lock_in_the_same_process_is_refused(rollout: Path) -> None:
    with ThreadLock(rollout):
        with pytest.raises(ThreadLockedError) as caught:
            ThreadLock(rollout).acquire()
    assert caught.value.path == rollout
    assert caught.value.holder_pid == os.getpid()
    with ThreadLock(rollout) as again:
        assert again.held


def test_acquiring_twice_with_the_same_object_is_harmless(rollout: Path) -> None:
    lock = ThreadLock(rollout)
    lock.acquire()
    lock.acquire()
    assert lock.held
    lock.release()


def test_another_process_holding_the_thread_is_named_in_the_refusal(
    rollout: Path, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(ThreadLockedError) as caught:
        ThreadLock(rollout).acquire()

    assert caught.value.holder_pid == holder.pid
    assert isinstance(caught.value, ThreadBusyError)
    assert f"process {holder.pid}" in str(caught.value)
    assert rollout.name in str(caught.value)


def test_the_lock_is_free_once_the_holder_releases_it(rollout: Path, holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.close()
    assert holder.stdout.readline() == "released\n"

    with ThreadLock(rollout) as lock:
        assert lock.held


def test_a_killed_holder_leaves_the_lock_file_but_not_the_lock(rollout: Path, holder: subprocess.Popen[str]) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert lock_path_for(rollout).exists()

    with ThreadLock(rollout) as lock:
        assert lock.held
        assert lock.lock_path.read_text(encoding="ascii") == f"{os.getpid()}\n"


def test_a_lock_file_without_a_pid_still_refuses(rollout: Path) -> None:
    with ThreadLock(rollout) as lock:
        lock.lock_path.write_text("", encoding="ascii")
        with pytest.raises(ThreadLockedError) as caught:
            ThreadLock(rollout).acquire()
    assert caught.value.holder_pid is None
    assert "another process" in str(caught.value)


def test_the_directory_of_a_new_thread_is_created(tmp_path: Path) -> None:
    with ThreadLock(tmp_path / "new" / "day" / "rollout.jsonl") as lock:
        assert lock.lock_path.parent.is_dir()


def test_a_lock_file_removed_while_taking_it_is_taken_afresh(rollout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_flock = fcntl.flock
    calls: list[int] = []

    def flock_after_the_holder_let_go(fd: int, operation: int) -> None:
        # As if the previous holder released (and removed) the file between our open and our flock.
        if not calls:
            lock_path_for(rollout).unlink()
        calls.append(fd)
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock_after_the_holder_let_go)
    with ThreadLock(rollout) as lock:
        assert len(calls) == 2
        assert lock.lock_path.read_text(encoding="ascii") == f"{os.getpid()}\n"
        monkeypatch.setattr(fcntl, "flock", real_flock)
        with pytest.raises(ThreadLockedError):
            ThreadLock(rollout).acquire()


def test_a_lock_dropped_without_release_frees_the_thread(rollout: Path) -> None:
    ThreadLock(rollout).acquire()  # the object is dropped at once

    with ThreadLock(rollout) as lock:
        assert lock.held
