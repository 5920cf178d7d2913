"""Relaying bytes between two sockets once the proxy has decided: splice(2) on the event loop, no copy through Python.

Each direction moves data socket → pipe → socket with non-blocking `os.splice`, so the bytes stay in the kernel, and
waits on the event loop when a socket is not ready (a thread hand-off would cost more than a small request on
loopback); past `BULK_BYTES` the rest of a large transfer moves in a worker thread with blocking waits, where the
loop no longer wakes up for every chunk (a flag checked every 200 ms stops it on cancel). A direction ends at end of
file (the other side's write half is then shut down, as a direct connection would) or on a connection error.

The proxy's connections are plain non-blocking sockets (`Conn`), not asyncio transports: a transport reads ahead
into its own buffer whenever it is not paused, and bytes it took (a TLS ClientHello right after the tunnel opened)
would never reach the relay. Anything the proxy must still write first (the `200 Connection established`, a SOCKS5
reply, bytes a client sent early) is a prefix written by the same direction, so nothing can overtake it. Without
`os.splice` (not Linux) the loop copies with `read` and `write`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import socket
import threading

import anyio
import anyio.lowlevel
import anyio.to_thread
from anyio.lowlevel import RunVar

_PIPE_SIZE = 1024 * 1024
_F_SETPIPE_SZ = 1031
_FLAGS = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)
_GONE = (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ETIMEDOUT)
_POLL_MS = 200
_CONNECT_TIMEOUT_S = 30.0
BULK_BYTES = 4 * 1024 * 1024
"""After this many bytes in one direction the rest moves in a worker thread."""
_LIMITER: RunVar[anyio.CapacityLimiter] = RunVar("sandbox_relay_limiter")


class _Stopped(Exception):
    pass


def _limiter() -> anyio.CapacityLimiter:
    # anyio's default limiter (40 threads) would make the 41st large download wait for another to finish.
    try:
        return _LIMITER.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(1024)
        _LIMITER.set(limiter)
        return limiter


async def _send_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            await anyio.wait_writable(fd)


async def _splice(src: int, dst: int) -> None:
    read_end, write_end = os.pipe()
    try:
        with contextlib.suppress(OSError):
            fcntl.fcntl(write_end, _F_SETPIPE_SZ, _PIPE_SIZE)
        total = 0
        while total < BULK_BYTES:
            try:
                moved = os.splice(src, write_end, _PIPE_SIZE, flags=_FLAGS)
            except BlockingIOError:
                await anyio.wait_readable(src)
                continue
            if moved == 0:
                return
            total += moved
            while moved:
                try:
                    moved -= os.splice(read_end, dst, moved, flags=_FLAGS)
                except BlockingIOError:
                    await anyio.wait_writable(dst)
            # A busy connection must not keep the other connections of the loop waiting.
            await anyio.lowlevel.checkpoint()
        await _bulk(src, dst, read_end, write_end)
    finally:
        os.close(read_end)
        os.close(write_end)


async def _bulk(src: int, dst: int, read_end: int, write_end: int) -> None:
    """The rest of a large transfer in a worker thread, where the loop does not have to wake up for every chunk."""
    stop = threading.Event()
    async with anyio.create_task_group() as tg:

        async def run() -> None:
            try:
                # Not abandoned on cancel: the thread must be gone before the descriptors are closed.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(
                        _splice_blocking, src, dst, read_end, write_end, stop, limiter=_limiter()
                    )
            finally:
                tg.cancel_scope.cancel()

        async def watch() -> None:
            try:
                await anyio.sleep_forever()
            finally:
                stop.set()

        tg.start_soon(watch)
        tg.start_soon(run)


def _ready(fd: int, event: int, stop: threading.Event) -> None:
    poller = select.poll()
    poller.register(fd, event | select.POLLHUP | select.POLLERR)
    while not poller.poll(_POLL_MS):
        if stop.is_set():
            raise _Stopped


def _splice_blocking(src: int, dst: int, read_end: int, write_end: int, stop: threading.Event) -> None:
    try:
        while True:
            try:
                moved = os.splice(src, write_end, _PIPE_SIZE, flags=_FLAGS)
            except BlockingIOError:
                _ready(src, select.POLLIN, stop)
                continue
            if moved == 0:
                return
            while moved:
                try:
                    moved -= os.splice(read_end, dst, moved, flags=_FLAGS)
                except BlockingIOError:
                    _ready(dst, select.POLLOUT, stop)
    except _Stopped:
        return


async def _copy(src: int, dst: int) -> None:  # pragma: no cover - Linux has splice
    while True:
        try:
            data = os.read(src, _PIPE_SIZE)
        except BlockingIOError:
            await anyio.wait_readable(src)
            continue
        if not data:
            return
        await _send_all(dst, data)


class Conn:
    """A non-blocking socket the proxy owns outright (no asyncio transport reads from it behind the proxy's back)."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.fd = sock.fileno()

    async def recv(self, size: int) -> bytes:
        """Up to `size` bytes; b"" at end of file."""
        while True:
            try:
                return self.sock.recv(size)
            except BlockingIOError:
                await anyio.wait_readable(self.sock)

    async def send_all(self, data: bytes) -> None:
        """Write all of `data`."""
        await _send_all(self.fd, data)

    def close(self) -> None:
        """Close the socket (idempotent)."""
        self.sock.close()


async def connect(address: str, port: int) -> Conn:
    """A TCP connection to `address` (an IP literal) and `port`; OSError when it cannot be made."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = sock.connect_ex((address, port))
        if code == errno.EINPROGRESS:
            with anyio.fail_after(_CONNECT_TIMEOUT_S):
                await anyio.wait_writable(sock)
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, os.strerror(code))
    except BaseException:
        sock.close()
        raise
    return Conn(sock)


async def _direction(src: Conn, dst: Conn, prefix: bytes) -> None:
    try:
        if prefix:
            await _send_all(dst.fd, prefix)
        await (_splice(src.fd, dst.fd) if hasattr(os, "splice") else _copy(src.fd, dst.fd))
    except OSError as exc:
        if exc.errno not in _GONE:
            raise
    finally:
        with contextlib.suppress(OSError):
            dst.sock.shutdown(socket.SHUT_WR)


async def relay(streams: list[tuple[Conn, Conn, bytes]]) -> None:
    """Run each (source, destination, prefix) direction until all have ended."""
    async with anyio.create_task_group() as tg:
        for src, dst, prefix in streams:
            tg.start_soon(_direction, src, dst, prefix)
