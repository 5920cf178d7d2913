"""`pycodex mcp-server --listen http://HOST:PORT`: Streamable HTTP at `/mcp`, loopback unless told otherwise.

DNS-rebinding protection (Host and Origin checks) is always on. With `--auth-token-env VAR`, every request must
carry `Authorization: Bearer <the value of VAR>`; the token is compared in constant time and never logged.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import sys
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._options import ServerOptions
from .errors import AuthTokenError, ListenAddressError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

_LOOPBACK_NAMES = ("localhost",)


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_listen_url(url: str, *, allow_remote: bool = False) -> tuple[str, int]:
    """The host and port of `http://HOST:PORT` (port 0 picks a free one).

    Raises:
        ListenAddressError: not an http URL with a host and port, a path other than `/` or `/mcp`, or a host that
            is not loopback while `allow_remote` is off.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or port is None:
        raise ListenAddressError(
            f"--listen takes http://HOST:PORT (for example http://127.0.0.1:8765); got {url!r}", address=url
        )
    if parts.path not in ("", "/", "/mcp") or parts.query or parts.fragment:
        raise ListenAddressError(f"--listen takes no path (the endpoint is always /mcp); got {url!r}", address=url)
    host = parts.hostname
    if not allow_remote and not _is_loopback(host):
        raise ListenAddressError(
            f"refusing to listen on {host}: it is not a loopback address, so anyone who can reach it could drive "
            "the agent. Pass --allow-remote (and use --auth-token-env) if that is really what you want.",
            address=url,
        )
    return host, port


def read_token(variable: str | None) -> str | None:
    """The bearer token from the environment, or None when no variable was named.

    Raises:
        AuthTokenError: the variable is unset or empty.
    """
    if variable is None:
        return None
    token = os.environ.get(variable, "")
    if not token.strip():
        raise AuthTokenError(f"--auth-token-env names {variable}, but {variable} is unset or empty", variable=variable)
    return token.strip()


class BearerAuth:
    """ASGI middleware: HTTP requests without the right bearer token get 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        import hmac

        if scope["type"] == "http":
            headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
            given = next((value for name, value in headers if name == b"authorization"), b"")
            if not hmac.compare_digest(given, self._expected):
                body = b'{"error":"unauthorized","error_description":"a valid bearer token is required"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b'Bearer realm="pycodex"'),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self._app(scope, receive, send)


def run_http(
    options: ServerOptions,
    listen: str,
    *,
    auth_token_env: str | None = None,
    allow_remote: bool = False,
    announce: Callable[[str], None] | None = None,
) -> int:
    """Serve over Streamable HTTP until a signal: the running turns are interrupted and recorded, their commands
    killed, then the server exits. Returns the exit code (0 after SIGTERM, 130 after SIGINT).

    Raises:
        ListenAddressError: see `parse_listen_url`.
        AuthTokenError: see `read_token`.
    """
    host, port = parse_listen_url(listen, allow_remote=allow_remote)
    token = read_token(auth_token_env)
    import anyio

    return anyio.run(_serve, options, host, port, token, announce or _announce)


def _quiet_signals_server() -> type[Any]:
    import uvicorn

    class QuietSignalsServer(uvicorn.Server):
        """uvicorn without its own signal handling: it would re-raise SIGTERM after shutting down (exit -15), and it
        does not know that the turns must stop first. `_serve` handles the signals."""

        @contextmanager
        def capture_signals(self) -> Generator[None]:
            yield

    return QuietSignalsServer


_ACCEPT_FAILED = "socket.accept() out of system resource"
_ACCEPT_REPORT_EVERY = 60.0


def _condense_accept_errors() -> None:
    """Out of descriptors, asyncio's accept loop pauses a second between rounds (its back-off) but logs a traceback
    for each of up to 100 failed accepts in a round: megabytes a minute. One line a minute says the same."""
    import asyncio
    import time

    loop = asyncio.get_running_loop()
    state = {"last": -_ACCEPT_REPORT_EVERY, "failed": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != _ACCEPT_FAILED:
            loop.default_exception_handler(context)
            return
        state["failed"] += 1
        now = time.monotonic()
        if now - state["last"] >= _ACCEPT_REPORT_EVERY:
            error = context.get("exception")
            sys.stderr.write(
                f"pycodex mcp-server: cannot accept connections ({error}); {state['failed']:.0f} attempts failed, "
                "retrying every second (raise the open-files limit, or close idle connections)\n"
            )
            sys.stderr.flush()
            state["last"], state["failed"] = now, 0

    loop.set_exception_handler(handler)


def _announce(url: str) -> None:
    sys.stderr.write(f"pycodex mcp-server listening on {url}\n")
    sys.stderr.flush()


async def _serve(
    options: ServerOptions, host: str, port: int, token: str | None, announce: Callable[[str], None]
) -> int:
    import socket

    import anyio
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    from ._server import PycodexServer

    pyserver = PycodexServer(options)
    security = None
    if host not in ("127.0.0.1", "localhost", "::1"):
        # The SDK turns the protection on by itself only for the usual loopback names; keep it on for the rest.
        shown = f"[{host}]" if ":" in host else host
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[f"{shown}:*"],
            allowed_origins=[f"http://{shown}:*"],
        )
    app: Any = pyserver.server.streamable_http_app(host=host, transport_security=security)
    if token is not None:
        app = BearerAuth(app, token)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    # Calls still open when the server stops get this long to end (their turns are interrupted first).
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
    server = _quiet_signals_server()(config)
    announce(f"http://{shown}:{bound_port}/mcp")
    received: list[int] = []

    async def stop_on_signals() -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for signum in signals:
                received.append(signum)
                await pyserver.shutdown()
                server.should_exit = True
                return

    _condense_accept_errors()
    async with anyio.create_task_group() as tg:
        tg.start_soon(stop_on_signals)
        await server.serve(sockets=[sock])
        tg.cancel_scope.cancel()
    return 130 if signal.SIGINT in received else 0
