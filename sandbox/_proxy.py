"""The session's network proxy: HTTP (plain and CONNECT) and optionally SOCKS5, filtered by the network policy.

One proxy per session, on ephemeral loopback ports and on Unix sockets in a private 0700 directory (the way into a
sandbox's own network namespace, see `_route`). Every request is checked against the `NetworkPolicy`; a host no rule
covers may be put to the session's approver (allow once, for the session, always, or deny). Every decision is logged
on the `sandbox.network` logger and kept (the last 1000) so that the session can tell the model why a request failed;
request and response bodies are never looked at, let alone logged. TLS is never intercepted: an HTTPS request is
filtered by the host named in its CONNECT.

Why a small anyio server and not a proxy library: `proxy.py` (the maintained Python proxy with a plugin API) runs
its own acceptor threads or processes and synchronous plugin hooks, so an asynchronous per-request approval, one
instance per session and a clean stop inside the session's task group would all fight it. Parsing is not
hand-written: requests are read with `h11`, the HTTP/1.1 state machine httpx and uvicorn use, and after the request
head the proxy only relays bytes.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.abc

from ._netpolicy import Allowed, Ask, Blocked, NetworkPolicy, Protocol, normalize_host
from ._relay import Conn
from ._route import ProxyRoute

log = logging.getLogger("sandbox.network")

ApprovalAnswer = Literal["allow_once", "allow_session", "allow_always", "deny"]
MAX_DECISIONS = 1000


@dataclass(frozen=True)
class NetworkRequest:
    """What a sandboxed command asked to reach, for the approver: host, port, method (`CONNECT` for a tunnel)."""

    host: str
    port: int
    method: str
    protocol: Protocol


Handler = Callable[["NetworkProxy", Conn], Awaitable[None]]
Approver = Callable[[NetworkRequest], Awaitable[ApprovalAnswer | None]]
"""Asked about a host no rule covers; None means nobody could be asked (the host is then simply not allowed)."""


@dataclass(frozen=True)
class NetworkDecision:
    """One request and what the proxy did with it (`code` is Codex's `x-proxy-error` value when blocked)."""

    seq: int
    at: float
    protocol: Protocol
    method: str
    host: str
    port: int
    allowed: bool
    rule: str
    code: str | None = None
    message: str = ""


class NetworkProxy:
    """Start with `async with NetworkProxy(policy) as proxy:` or `await tg.start(proxy.serve)`; `route` says where.

    `hosts` maps host names to addresses before DNS (tests use it: there is no DNS here); `approver` is asked about
    hosts no rule covers (without one they are refused); `on_decision` is told every decision (an audit log).
    """

    def __init__(
        self,
        policy: NetworkPolicy,
        *,
        approver: Approver | None = None,
        hosts: Mapping[str, str] | None = None,
        on_decision: Callable[[NetworkDecision], None] | None = None,
    ) -> None:
        self.policy = policy
        self.approver = approver
        self._on_decision = on_decision
        self._hosts = {normalize_host(k): v for k, v in (hosts or {}).items()}
        self._approved: set[str] = set()
        self._asking: dict[str, anyio.Lock] = {}
        self._decisions: list[NetworkDecision] = []
        self._seq = 0
        self._scope: anyio.CancelScope | None = None
        self._dir: str | None = None
        self._route: ProxyRoute | None = None
        self._tg: anyio.abc.TaskGroup | None = None

    @property
    def route(self) -> ProxyRoute:
        """Where the proxy listens (only once it has started)."""
        if self._route is None:
            raise RuntimeError("the network proxy has not started")
        return self._route

    @property
    def approved_hosts(self) -> frozenset[str]:
        """Hosts approved for the rest of this session."""
        return frozenset(self._approved)

    @property
    def seq(self) -> int:
        """The number of decisions so far (pass it to `blocked_since` later)."""
        return self._seq

    def blocked_since(self, seq: int) -> list[NetworkDecision]:
        """The refusals after decision number `seq`, oldest first."""
        return [d for d in self._decisions if d.seq > seq and not d.allowed]

    def decisions(self) -> list[NetworkDecision]:
        """The most recent decisions, oldest first."""
        return list(self._decisions)

    async def __aenter__(self) -> NetworkProxy:
        tg = anyio.create_task_group()
        await tg.__aenter__()
        self._tg = tg
        try:
            await tg.start(self.serve)
        except BaseException:
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()
        if self._tg is not None:
            tg, self._tg = self._tg, None
            await tg.__aexit__(None, None, None)

    def stop(self) -> None:
        """Stop listening and drop every connection (idempotent)."""
        if self._scope is not None:
            self._scope.cancel()

    async def serve(self, *, task_status: anyio.abc.TaskStatus[ProxyRoute] = anyio.TASK_STATUS_IGNORED) -> None:
        """Listen until cancelled or stopped; `task_status.started` gets the route."""
        from ._proxy_http import handle_http
        from ._proxy_socks import handle_socks

        self._dir = tempfile.mkdtemp(prefix="pycodex-net-")  # 0700: only this user may reach the sockets
        sockets: list[socket.socket] = []
        channels: list[anyio.abc.Listener[Any]] = []
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                async with anyio.create_task_group() as tg:
                    http_port = self._listen(tg, handle_http, sockets)
                    http_path = await self._channel(tg, "http.sock", handle_http, channels)
                    socks_port = socks_path = None
                    if self.policy.socks5:
                        socks_port = self._listen(tg, handle_socks, sockets)
                        socks_path = await self._channel(tg, "socks.sock", handle_socks, channels)
                    self._route = ProxyRoute(
                        http_port=http_port,
                        http_socket=http_path,
                        socks_port=socks_port,
                        socks_socket=socks_path,
                        allow_local_binding=self.policy.allow_local_binding,
                    )
                    log.info("network proxy on %s (policy: %s)", self._route.http_url, self.policy.to_json())
                    task_status.started(self._route)
        finally:
            with anyio.CancelScope(shield=True):
                for channel in channels:
                    await channel.aclose()
            for sock in sockets:
                sock.close()
            shutil.rmtree(self._dir, ignore_errors=True)

    def _listen(self, tg: anyio.abc.TaskGroup, handler: Handler, sockets: list[socket.socket]) -> int:
        sock = socket.create_server(("127.0.0.1", 0), backlog=256)
        sock.setblocking(False)
        sockets.append(sock)
        tg.start_soon(self._accept_loop, sock, handler)
        return sock.getsockname()[1]

    async def _accept_loop(self, listener: socket.socket, handler: Handler) -> None:
        guarded = self._guarded(handler)
        async with anyio.create_task_group() as tg:
            while True:
                await anyio.wait_readable(listener)
                try:
                    sock, _ = listener.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                except OSError as exc:  # out of descriptors: say so, and give connections time to end
                    log.warning("network proxy cannot accept a connection: %s", exc)
                    await anyio.sleep(0.1)
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                tg.start_soon(guarded, Conn(sock))

    async def _channel(
        self, tg: anyio.abc.TaskGroup, name: str, handler: Handler, channels: list[anyio.abc.Listener[Any]]
    ) -> str:
        assert self._dir is not None
        path = str(Path(self._dir) / name)
        listener = await anyio.create_unix_listener(path)
        channels.append(listener)
        tg.start_soon(listener.serve, self._receiving(handler))
        return path

    def _guarded(self, handler: Handler) -> Callable[[Conn], Coroutine[Any, Any, None]]:
        async def run(client: Conn) -> None:
            try:
                await handler(self, client)
            except Exception as exc:  # one broken connection must never take the proxy down
                log.debug("connection ended: %r", exc)
            finally:
                client.close()

        return run

    def _receiving(self, handler: Handler) -> Callable[[Any], Awaitable[None]]:
        """A Unix socket connection from a sandbox's forwarder: it passes the command's accepted TCP sockets."""
        guarded = self._guarded(handler)

        async def run(channel: anyio.abc.UNIXSocketStream) -> None:
            # Read with `wait_readable` and `socket.recv_fds` rather than the stream's `receive_fds`, whose wait
            # (anyio 4) fails the event loop with InvalidStateError when it is cancelled in the same moment a
            # message arrives (as when a session stops its proxy while a command connects).
            sock: socket.socket = channel.extra(anyio.abc.SocketAttribute.raw_socket)
            async with channel, anyio.create_task_group() as tg:
                while True:
                    try:
                        await anyio.wait_readable(sock)
                        message, fds, _, _ = socket.recv_fds(sock, 1, 1)
                    except BlockingIOError:
                        continue
                    except (anyio.ClosedResourceError, OSError):
                        return
                    if not message:
                        for fd in fds:
                            os.close(fd)
                        return
                    for fd in fds:
                        client = _conn_from_fd(fd)
                        if client is not None:
                            tg.start_soon(guarded, client)

        return run

    # ---- decisions ----------------------------------------------------------------------------------------------

    def _record(
        self, protocol: Protocol, method: str, host: str, port: int, outcome: Allowed | Blocked
    ) -> NetworkDecision:
        self._seq += 1
        if isinstance(outcome, Allowed):
            decision = NetworkDecision(self._seq, time.time(), protocol, method, host, port, True, outcome.rule)
            log.info("allow %s %s %s:%d (rule %s)", protocol, method, host, port, outcome.rule)
        else:
            decision = NetworkDecision(
                self._seq, time.time(), protocol, method, host, port, False, "", outcome.code, outcome.message
            )
            log.info("block %s %s %s:%d [%s] %s", protocol, method, host, port, outcome.code, outcome.message)
        self._decisions.append(decision)
        del self._decisions[:-MAX_DECISIONS]
        if self._on_decision is not None:
            self._on_decision(decision)
        return decision

    async def admit(self, protocol: Protocol, method: str, host: str, port: int) -> tuple[str, Blocked | None]:
        """Decide about one request; returns (the address to connect to, None) or ("", the refusal)."""
        host = normalize_host(host)
        verdict = self.policy.check_host(host, approved=frozenset(self._approved))
        if isinstance(verdict, Allowed | Ask):
            verdict = self.policy.check_method(method) or verdict
        if isinstance(verdict, Ask):
            verdict = await self._ask(NetworkRequest(host, port, method, protocol))
        if isinstance(verdict, Blocked):
            self._record(protocol, method, host, port, verdict)
            return "", verdict
        try:
            address = await self._resolve(host, port)
        except OSError as exc:
            blocked = Blocked("blocked-by-policy", f"cannot resolve {host}: {exc.strerror or exc}")
            self._record(protocol, method, host, port, blocked)
            return "", blocked
        refusal = self.policy.check_address(host, address)
        if refusal is not None:
            self._record(protocol, method, host, port, refusal)
            return "", refusal
        self._record(protocol, method, host, port, verdict)
        return address, None

    async def _ask(self, request: NetworkRequest) -> Allowed | Blocked:
        if self.approver is None:
            return self.policy.not_in_allowlist(request.host)
        # One question per host at a time: parallel connections to a new host wait for the first answer.
        lock = self._asking.setdefault(request.host, anyio.Lock())
        async with lock:
            if request.host in self._approved:
                return Allowed("session")
            try:
                answer: ApprovalAnswer | None = await self.approver(request)
            except Exception as exc:
                log.warning("network approval for %s failed: %r", request.host, exc)
                answer = "deny"
        if answer is None:
            return self.policy.not_in_allowlist(request.host)
        if answer in ("allow_session", "allow_always"):
            self._approved.add(request.host)
        if answer == "deny":
            return self.policy.blocked(
                "blocked-by-policy", f"{request.host} is not in the allowlist and access to it was declined"
            )
        return Allowed(f"approved ({answer.removeprefix('allow_')})")

    async def _resolve(self, host: str, port: int) -> str:
        if host in self._hosts:
            return self._hosts[host]
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(host))
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        if not infos:
            raise OSError(f"no address for {host}")
        return str(infos[0][4][0])


def _conn_from_fd(fd: int) -> Conn | None:
    """A passed descriptor as a connection, if it is a TCP socket (anything else a sandbox might send is closed)."""
    sock = socket.socket(fileno=fd)
    if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
        log.warning("ignored a descriptor that is not a TCP socket (family %s, type %s)", sock.family, sock.type)
        sock.close()
        return None
    return Conn(sock)
