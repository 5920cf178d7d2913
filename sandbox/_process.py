"""Starting a command under a policy and following it: pipes or a PTY, merged output, exit, kill.

This is the one door through which every command of the model runs: `spawn` asks `_confine` for the confined
argv (or refuses), then starts it in a new process group so the whole tree can be killed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import anyio
import anyio.abc

from ._confine import Confined
from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite
from ._route import ProxyRoute
from ._start import start

# Pending output kept per process before the oldest unread middle is dropped.
OUTPUT_CAP_BYTES = 1024 * 1024
_READ_CHUNK = 65536


class Process:
    """A running command whose stdout and stderr (or PTY) output accumulate until read.

    Created by `spawn`; a reader task in the caller's task group drains the output continuously so the child never
    blocks on a full pipe while nobody is asking for its output.
    """

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        out_fd: int,
        in_fd: int | None,
        *,
        tty: bool,
        confined: Confined | None = None,
        err_fd: int | None = None,
    ) -> None:
        self._popen = popen
        self._confined = confined or Confined([])
        self.sandbox_backend = self._confined.backend
        self.sandbox_warnings = tuple(self._confined.warnings)
        self._out_fd = out_fd
        self._fds_closed = False
        self._in_fd = in_fd
        self._err_fd = err_fd
        self.tty = tty
        self.pid = popen.pid
        self._pending = bytearray()
        self._dropped = 0
        self._eof = anyio.Event()
        self._err_eof = anyio.Event()
        if err_fd is None:
            self._err_eof.set()
        self._err_pending = bytearray()
        self._err_listeners: list[Callable[[bytes], None]] = []
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
        return self._exited.is_set() and self._eof.is_set() and self._err_eof.is_set()

    def on_output(self, listener: Callable[[bytes], None]) -> None:
        """Call `listener` with every chunk of output as it arrives."""
        self._listeners.append(listener)

    def on_stderr(self, listener: Callable[[bytes], None]) -> None:
        """Call `listener` with every chunk of stderr as it arrives (a process spawned with `split_stderr`)."""
        self._err_listeners.append(listener)

    def take_output(self) -> bytes:
        """Return and forget the output produced since the last call."""
        data = bytes(self._pending)
        self._pending.clear()
        return data

    async def wait_for(self, timeout: float, *, until_output: bool = False) -> None:  # noqa: ASYNC109 - a yield window, not a deadline
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
        await self._err_eof.wait()
        assert self._returncode is not None
        return self._returncode

    async def write(self, data: bytes) -> None:
        """Write to the command's stdin (a PTY master in tty mode)."""
        if self._in_fd is None:
            raise BrokenPipeError("stdin is closed for this process")
        view = memoryview(data)
        while view:
            try:
                await anyio.wait_writable(self._in_fd)
            except anyio.ClosedResourceError:
                raise BrokenPipeError("the process was closed while writing to it") from None
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

    def kill_and_reap(self, timeout: float = 2.0) -> None:
        """Kill the process group and wait for it here, without the event loop (for clean-up that may run while
        cancelled, when the task that waits for the process is gone): a killed sandbox exits at once."""
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = self._popen.wait(timeout)
            self._returncode = code if code >= 0 else 128 - code
            self._confined.release()

    def _notify(self) -> None:
        self._changed.set()

    def take_stderr(self) -> bytes:
        """Return and forget the stderr produced since the last call (a process spawned with `split_stderr`)."""
        data = bytes(self._err_pending)
        self._err_pending.clear()
        return data

    def _append(self, chunk: bytes, *, stderr: bool = False) -> None:
        pending = self._err_pending if stderr else self._pending
        for listener in self._err_listeners if stderr else self._listeners:
            listener(chunk)
        pending.extend(chunk)
        if len(pending) > OUTPUT_CAP_BYTES:
            # Keep the head and the newest tail; what a model needs is usually at the ends.
            half = OUTPUT_CAP_BYTES // 2
            self._dropped += len(pending) - OUTPUT_CAP_BYTES
            del pending[half : len(pending) - half]
        self._notify()

    async def _read_loop(self) -> None:
        await self._read_fd(self._out_fd, self._eof, stderr=False)

    async def _err_read_loop(self) -> None:
        if self._err_fd is not None:
            await self._read_fd(self._err_fd, self._err_eof, stderr=True)

    async def _read_fd(self, fd: int, eof: anyio.Event, *, stderr: bool) -> None:
        try:
            while True:
                try:
                    await anyio.wait_readable(fd)
                except anyio.ClosedResourceError:
                    break  # closed under us (`close` while the process still ran)
                try:
                    chunk = os.read(fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                except OSError:
                    # A PTY master reports EIO once the last slave fd closes: that is its end of file.
                    break
                if not chunk:
                    break
                self._append(chunk, stderr=stderr)
        finally:
            eof.set()
            self._notify()

    async def _wait_loop(self) -> None:
        code = await _wait_pid(self._popen)
        self._returncode = code
        # Placeholders for missing protected paths may be removed only now that the sandbox is gone.
        self._confined.release()
        self._exited.set()
        self._notify()
        if self.tty:
            # The slave side may be held by a grandchild; give the reader a moment, then stop reading.
            with anyio.move_on_after(0.2):
                await self._eof.wait()
            self._eof.set()

    def close(self) -> None:
        """Release the file descriptors (after the process is done or killed); idempotent."""
        if not self._fds_closed:
            # Once only: closing a number again would close whatever descriptor has been given that number since.
            self._fds_closed = True
            for fd in {self._out_fd, self._in_fd, self._err_fd}:
                if fd is not None:
                    # A task still waiting on the descriptor is woken first: otherwise its wait would stay registered
                    # for the number, and the next descriptor to get that number could not be waited on.
                    with contextlib.suppress(RuntimeError):  # no event loop running here: nobody can be waiting
                        anyio.notify_closing(fd)
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._in_fd = None
        if self._popen.poll() is not None:
            # Only once the sandbox is gone: removing a placeholder earlier would unprotect a running command.
            self._confined.release()


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
    # No pidfd (kernel before 5.3): nothing to wait on but the clock.
    while (code := popen.poll()) is None:  # noqa: ASYNC110
        await anyio.sleep(0.02)
    return code if code >= 0 else 128 - code


async def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    policy: ReadOnly | WorkspaceWrite | DangerFullAccess,
    task_group: anyio.abc.TaskGroup,
    policy_cwd: Path | None = None,
    tty: bool = False,
    allow_degraded: bool = False,
    network_proxy: ProxyRoute | None = None,
    split_stderr: bool = False,
) -> Process:
    """Start `argv` confined by `policy` and return the running `Process`.

    `policy_cwd` is the workspace the policy is relative to (defaults to `cwd`). Raises
    `SandboxUnavailableError` when the policy asks for confinement this machine cannot give (unless
    `allow_degraded`, the config key `sandbox_allow_degraded`, accepts whatever can be enforced; the gaps are then in
    `Process.sandbox_warnings`), `SandboxSetupError` when the workspace defeats confinement, and
    `FileNotFoundError` when `cwd` does not exist. With `network_proxy` (a running `NetworkProxy`'s route), a policy
    without network reaches it through the proxy only; the caller adds `network_proxy.env()` to `env`.
    With `split_stderr` (not with `tty`), stderr is read apart from stdout (`on_stderr`, `take_stderr`).
    """
    begin = functools.partial(
        start,
        list(argv),
        cwd=cwd,
        env=dict(env),
        policy=policy,
        policy_cwd=policy_cwd or cwd,
        tty=tty,
        allow_degraded=allow_degraded,
        network_proxy=network_proxy,
        split_stderr=split_stderr,
    )
    # Set-up touches the filesystem (and, the first time, probes bubblewrap), so it runs in a worker thread.
    # Shielded: once the child exists it must reach a Process that owns it, or it would run on unobserved.
    started: tuple[subprocess.Popen[bytes], int, int | None, int | None, Confined, bytes] | None = None
    with anyio.CancelScope(shield=True):
        started = await anyio.to_thread.run_sync(begin)
    assert started is not None
    popen, out_fd, in_fd, err_fd, confined, early = started
    proc = Process(popen, out_fd, in_fd, tty=tty, confined=confined, err_fd=err_fd)
    if early:
        proc._append(early, stderr=err_fd is not None)  # pyright: ignore[reportPrivateUsage]
    task_group.start_soon(proc._read_loop)  # pyright: ignore[reportPrivateUsage]
    if err_fd is not None:
        task_group.start_soon(proc._err_read_loop)  # pyright: ignore[reportPrivateUsage]
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
