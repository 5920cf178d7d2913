"""One writer per thread: an advisory lock beside the rollout file, so two processes never append to the same thread.

`ThreadLock(rollout_path)` takes an exclusive `flock` on `<rollout>.lock` and writes its pid there, so that the
refusal can say who holds it. The kernel drops the lock when the holder dies (even on SIGKILL); a lock file left
behind is simply locked again by the next taker. Within one process, a second `ThreadLock` on the same thread is
refused as well (locks belong to open files, not to processes).

The lock file is removed on release. A taker that opened the file just before it was removed notices (the path no
longer names the file it locked) and starts again, so two holders can never exist at once.

Synchronous by design: acquiring never waits (it fails at once when the thread is busy), so it is safe to call from
the event loop. POSIX only (fcntl), like the sandbox.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Self

from ..errors import SessionFileError, ThreadBusyError
from ._private import private_dirs


class ThreadLockedError(ThreadBusyError):
    """Another process (`holder_pid`, when known) is writing this thread; `path` is its rollout file."""

    def __init__(self, path: Path, holder_pid: int | None) -> None:
        holder = f"process {holder_pid}" if holder_pid is not None else "another process"
        super().__init__(
            f"the session {path.name} is in use by {holder}; close it there first, or fork it to continue separately"
        )
        self.path = path
        self.holder_pid = holder_pid


def lock_path_for(rollout_path: Path) -> Path:
    """The lock file of a rollout: `<rollout>.lock` beside it."""
    return rollout_path.with_name(rollout_path.name + ".lock")


def _read_pid(fd: int) -> int | None:
    try:
        data = os.pread(fd, 32, 0)
    except OSError:  # pragma: no cover - reading a file we have open
        return None
    text = data.decode("ascii", errors="replace").strip()
    return int(text) if text.isdigit() else None


class ThreadLock:
    """An exclusive, non-blocking lock on one thread's rollout file."""

    def __init__(self, rollout_path: Path) -> None:
        self.rollout_path = rollout_path
        self.lock_path = lock_path_for(rollout_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise `ThreadLockedError` at once if someone else holds it.

        Creates the rollout's directory if needed; raises `SessionFileError` (naming the lock file and the cause,
        such as a full disk) when the lock file cannot be created or written.
        """
        if self._fd is not None:
            return
        try:
            self._acquire()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SessionFileError(
                f"cannot create the session's lock file {self.lock_path}: {reason}",
                path=self.lock_path,
                reason=reason,
            ) from exc

    def _acquire(self) -> None:
        private_dirs(self.lock_path.parent)
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise ThreadLockedError(self.rollout_path, holder) from None
            except BaseException:  # pragma: no cover - flock fails otherwise only on unsupported filesystems
                os.close(fd)
                raise
            try:
                current = os.stat(self.lock_path)
            except FileNotFoundError:
                current = None
            if current is None or not os.path.samestat(current, os.fstat(fd)):
                # The holder released and removed the file between our open and our flock: try again.
                os.close(fd)
                continue
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except BaseException:  # a full disk while writing a few bytes: leave no empty lock file behind
                with suppress(OSError):
                    self.lock_path.unlink()
                os.close(fd)
                raise
            self._fd = fd
            return

    def release(self) -> None:
        """Let go of the lock (nothing happens if it is not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Removed while still locked, so nobody can lock this file after we let go of it.
            self.lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def __del__(self) -> None:
        # A lock object dropped without release: the fd would keep the thread locked until the process exits.
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
