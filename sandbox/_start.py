"""Starting a confined command: the argv from `_confine`, the child process, and a retry when bubblewrap's set-up
lost a race with a protected path that appeared or vanished (issue 14).

Under bubblewrap the Landlock helper inside writes one byte to a pipe once every mount is in place; a child that
exits without it, saying why on its output, failed in set-up and is started again from a fresh plan.
"""

from __future__ import annotations

import os
import select
import subprocess
from pathlib import Path

from ._confine import Confined, confine
from ._landlock import GUARD_MESSAGE
from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite
from ._route import ProxyRoute

# Starts of a command whose bubblewrap set-up failed (a protected path changed under it) before giving up.
SETUP_ATTEMPTS = 10
# How long bubblewrap's set-up may take before the command is taken as started anyway.
READY_TIMEOUT = 30.0
_READ_CHUNK = 65536


def _make_controlling_tty() -> None:  # pragma: no cover - runs in the child between fork and exec
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def start(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    policy: ReadOnly | WorkspaceWrite | DangerFullAccess,
    policy_cwd: Path,
    tty: bool,
    allow_degraded: bool,
    network_proxy: ProxyRoute | None = None,
    split_stderr: bool = False,
) -> tuple[subprocess.Popen[bytes], int, int | None, int | None, Confined, bytes]:
    """Start the confined command; also return any output already read from it (a failed start's message).

    Returns the process, its output descriptor, its input descriptor (tty only), its separate stderr descriptor (with
    `split_stderr`, else None; the early output then came from it) and the early output. With `network_proxy`, a
    policy without network reaches the network through the session's proxy (`_route`).
    """
    if not cwd.is_dir():
        raise FileNotFoundError(f"working directory does not exist: {cwd}")
    for attempt in range(SETUP_ATTEMPTS):
        ready_read, ready_write = os.pipe()
        try:
            confined = confine(
                argv,
                policy=policy,
                cwd=cwd,
                policy_cwd=policy_cwd,
                allow_degraded=allow_degraded,
                tty=tty,
                proxy=network_proxy,
                ready_fd=ready_write,
            )
        except BaseException:
            os.close(ready_read)
            os.close(ready_write)
            raise
        watched = ready_write in confined.pass_fds
        try:
            started = _popen(confined, cwd=cwd, env=env, tty=tty, split_stderr=split_stderr and not tty)
        finally:
            os.close(ready_write)
        try:
            if not watched or _became_ready(ready_read) or attempt == SETUP_ATTEMPTS - 1:
                return (*started, confined, b"")
        finally:
            os.close(ready_read)
        popen, out_fd, _, err_fd = started
        popen.wait()
        early = _drain(out_fd if err_fd is None else err_fd)
        if not early.startswith((b"bwrap: ", GUARD_MESSAGE.encode())):
            return (*started, confined, early)  # the helper failed on its own: its message is the output
        # Bubblewrap could not set up the mounts, or the guard inside found the workspace's `.codex` unprotected: a
        # protected path appeared or vanished between the plan and the mounts, as when Codex creates and removes
        # its placeholders beside us. Plan again.
        os.close(out_fd)
        if err_fd is not None:
            os.close(err_fd)
        confined.release()
    raise AssertionError("unreachable")  # pragma: no cover


def _became_ready(ready_read: int) -> bool:
    """Whether the helper inside bubblewrap said it is about to start the command (False: bubblewrap exited)."""
    readable, _, _ = select.select([ready_read], [], [], READY_TIMEOUT)
    if not readable:  # pragma: no cover - bubblewrap stuck in its set-up; let the caller see it run
        return True
    return os.read(ready_read, 1) == b"1"


def _drain(out_fd: int) -> bytes:
    """What a process that has exited left in its output pipe or PTY."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(out_fd, _READ_CHUNK)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _popen(
    confined: Confined, *, cwd: Path, env: dict[str, str], tty: bool, split_stderr: bool = False
) -> tuple[subprocess.Popen[bytes], int, int | None, int | None]:
    if tty:
        import pty
        import termios

        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        try:
            popen = subprocess.Popen(
                confined.argv,
                cwd=cwd,
                env=env,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
                preexec_fn=_make_controlling_tty,
                pass_fds=confined.pass_fds,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            confined.release()
            raise
        finally:
            os.close(slave)
            confined.close()
        os.set_blocking(master, False)
        return popen, master, master, None
    read_fd, write_fd = os.pipe()
    err_read, err_write = os.pipe() if split_stderr else (None, write_fd)
    try:
        popen = subprocess.Popen(
            confined.argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=err_write,
            start_new_session=True,
            pass_fds=confined.pass_fds,
            close_fds=True,
        )
    except BaseException:
        os.close(read_fd)
        if err_read is not None:
            os.close(err_read)
        confined.release()
        raise
    finally:
        os.close(write_fd)
        if err_read is not None:
            os.close(err_write)
        confined.close()
    os.set_blocking(read_fd, False)
    if err_read is not None:
        os.set_blocking(err_read, False)
    return popen, read_fd, None, err_read
