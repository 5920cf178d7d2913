"""Starting a command under a policy and following it: pipes or a PTY, merged output, exit, kill.

This is the one door through which every command of the model runs: `spawn` asks `_confine` for the confined
argv (or refuses), then starts it in a new process group so the whole tree can be killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import anyio
import anyio.abc

from ._confine import confine
from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite

# Pending output kept per process before the oldest unread middle is dropped.
OUTPUT_CAP_BYTES = 1024 * 1024
_READ_CHUNK = 65536


class Process:
    """A running command whose stdout and stderr (or PTY) output accumulate until read.

    Created by `spawn`; a reader task in the caller's task group drains the output continuously so the child never
    blocks on a full pipe while nobody is asking for its output.
    """

    def __init__(self, popen: subprocess.Popen[bytes], out_fd: int, in_fd: int | None, *, tty: bool) -> None:
        self._popen = popen
        self._out_fd = out_fd
        self._in_fd = in_fd
        self.tty = tty
        self.pid = popen.pid
        self._pending = bytearray()
        self._dropped = 0
        self._eof = anyio.Event()
        self._exited = anyio.Event()
        self._changed = anyio.Event()
        self._returncode: int | None = None
        self._listeners: list[Callable[[bytes], None]] = []
        self.started_at = time.monotonic()

    @property
    def returncode(self) -> int | None:
        """The exit code once the process has exited (128+n for a signal), else None."""
        return self._returncode

    @property
    def finished(self) -> bool:
        """True when the process has exited and all of its output has been read from the pipe."""
        return self._exited.is_set() and self._eof.is_set()

    def on_output(self, listener: Callable[[bytes], None]) -> None:
        """Call `listener` with every chunk of output as it arrives."""
        self._listeners.append(listener)

    def take_output(self) -> bytes:
        """Return and forget the output produced since the last call."""
        data = bytes(self._pending)
        self._pending.clear()
        return data

    async def wait_for(self, timeout: float, *, until_output: bool = False) -> None:
        """Wait until the process finished, `timeout` seconds passed or (if asked) some output arrived."""
        with anyio.move_on_after(timeout):
            while not self.finished:
                if until_output and self._pending:
                    return
                self._changed = anyio.Event()
                await self._changed.wait()

    async def wait(self) -> int:
        """Wait for exit and the end of output; return the exit code."""
        await self._exited.wait()
        await self._eof.wait()
        assert self._returncode is not None
        return self._returncode

    async def write(self, data: bytes) -> None:
        """Write to the command's stdin (a PTY master in tty mode)."""
        if self._in_fd is None:
            raise BrokenPipeError("stdin is closed for this process")
        view = memoryview(data)
        while view:
            await anyio.wait_writable(self._in_fd)
            try:
                n = os.write(self._in_fd, view)
            except BlockingIOError:
                continue
            view = view[n:]

    def kill(self) -> None:
        """Kill the whole process group (idempotent)."""
        if self._returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def _notify(self) -> None:
        self._changed.set()

    def _append(self, chunk: bytes) -> None:
        for listener in self._listeners:
            listener(chunk)
        self._pending.extend(chunk)
        if len(self._pending) > OUTPUT_CAP_BYTES:
            # Keep the head and the newest tail; what a model needs is usually at the ends.
            half = OUTPUT_CAP_BYTES // 2
            self._dropped += len(self._pending) - OUTPUT_CAP_BYTES
            del self._pending[half : len(self._pending) - half]
        self._notify()

    async def _read_loop(self) -> None:
        try:
            while True:
                await anyio.wait_readable(self._out_fd)
                try:
                    chunk = os.read(self._out_fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                except OSError:
                    # A PTY master reports EIO once the last slave fd closes: that is its end of file.
                    break
                if not chunk:
                    break
                self._append(chunk)
        finally:
            self._eof.set()
            self._notify()

    async def _wait_loop(self) -> None:
        code = await _wait_pid(self._popen)
        self._returncode = code
        self._exited.set()
        self._notify()
        if self.tty:
            # The slave side may be held by a grandchild; give the reader a moment, then stop reading.
            with anyio.move_on_after(0.2):
                await self._eof.wait()
            self._eof.set()

    def close(self) -> None:
        """Release the file descriptors (after the process is done or killed)."""
        for fd in {self._out_fd, self._in_fd}:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._in_fd = None


async def _wait_pid(popen: subprocess.Popen[bytes]) -> int:
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            pidfd = pidfd_open(popen.pid)
        except OSError:
            pidfd = None
        if pidfd is not None:
            try:
                await anyio.wait_readable(pidfd)
            finally:
                os.close(pidfd)
            code = popen.wait()
            return code if code >= 0 else 128 - code
    while (code := popen.poll()) is None:
        await anyio.sleep(0.02)
    return code if code >= 0 else 128 - code


def _make_controlling_tty() -> None:  # pragma: no cover - runs in the child between fork and exec
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    policy: ReadOnly | WorkspaceWrite | DangerFullAccess,
    task_group: anyio.abc.TaskGroup,
    policy_cwd: Path | None = None,
    tty: bool = False,
) -> Process:
    """Start `argv` confined by `policy` and return the running `Process`.

    `policy_cwd` is the workspace the policy is relative to (defaults to `cwd`). Raises
    `SandboxUnavailableError` when the policy asks for confinement this machine cannot give, and `FileNotFoundError`
    when `cwd` does not exist.
    """
    if not cwd.is_dir():
        raise FileNotFoundError(f"working directory does not exist: {cwd}")
    confined = confine(list(argv), policy=policy, cwd=cwd, policy_cwd=policy_cwd or cwd)
    pass_fds = confined.pass_fds
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
                env=dict(env),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
                preexec_fn=_make_controlling_tty,
                pass_fds=pass_fds,
                close_fds=True,
            )
        finally:
            os.close(slave)
            confined.close()
        os.set_blocking(master, False)
        proc = Process(popen, master, master, tty=True)
    else:
        read_fd, write_fd = os.pipe()
        try:
            popen = subprocess.Popen(
                confined.argv,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                start_new_session=True,
                pass_fds=pass_fds,
                close_fds=True,
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
            confined.close()
        os.set_blocking(read_fd, False)
        proc = Process(popen, read_fd, None, tty=False)
    task_group.start_soon(proc._read_loop)  # pyright: ignore[reportPrivateUsage]
    task_group.start_soon(proc._wait_loop)  # pyright: ignore[reportPrivateUsage]
    return proc


def default_shell() -> str:
    """The user's login shell from the password database, else bash, else /bin/sh."""
    if sys.platform != "win32":
        import pwd

        with contextlib.suppress(KeyError, OSError):
            shell = pwd.getpwuid(os.getuid()).pw_shell
            if shell and Path(shell).exists():
                return shell
    for candidate in ("/bin/bash", "/usr/bin/bash", "/bin/zsh"):
        if Path(candidate).exists():
            return candidate
    return "/bin/sh"
