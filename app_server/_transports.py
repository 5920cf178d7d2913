"""The three ways in: stdio (one client, JSON lines), and WebSockets on TCP or a unix socket (many clients, one JSON
message per text frame), with health checks and bearer-token authentication on the upgrade."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable
from http import HTTPStatus
from typing import Any

import anyio

from ._listen import ListenAddress, WsAuth
from ._server import AppServer

MAX_MESSAGE = 16 * 1024 * 1024
"""The largest message a client may send over a WebSocket (Codex's limit; images travel as data URLs)."""


async def _stdin_lines() -> AsyncIterator[str]:
    stdin = anyio.wrap_file(sys.stdin.buffer)
    while True:
        line = await stdin.readline()
        if not line:
            return
        yield line.decode("utf-8", errors="replace")


async def serve_stdio(server: AppServer) -> None:
    """One client on stdin/stdout until stdin closes."""
    fd = sys.stdout.fileno()
    blocking = os.get_blocking(fd)
    # Non-blocking, so that a client slow to read holds up only its own messages, not the event loop (and the
    # turns and commands running in it).
    os.set_blocking(fd, False)

    async def send(text: str) -> None:
        data = memoryview((text + "\n").encode())
        while data:
            try:
                written = os.write(fd, data)
            except BlockingIOError:
                await anyio.wait_writable(fd)
                continue
            data = data[written:]

    try:
        await server.connection(_stdin_lines(), send, label="stdio")
    finally:
        os.set_blocking(fd, blocking)


def _process_request(auth: WsAuth | None) -> Callable[[Any, Any], Any]:
    def process_request(connection: Any, request: Any) -> Any:
        path = request.path.split("?", 1)[0]
        if path in ("/readyz", "/healthz"):
            return connection.respond(HTTPStatus.OK, "ok\n")
        if request.headers.get("Origin") is not None:
            # Browsers send Origin and native clients do not: without this, any web page could drive the agent
            # through a loopback socket (cross-site WebSocket hijacking).
            return connection.respond(HTTPStatus.FORBIDDEN, "WebSocket connections from browsers are refused\n")
        if auth is not None and not auth.allows(request.headers.get("Authorization")):
            response = connection.respond(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token\n")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return None

    return process_request


async def serve_websockets(
    server: AppServer,
    address: ListenAddress,
    auth: WsAuth | None,
    *,
    ready: Callable[[str], None],
) -> None:
    """Many clients over WebSockets until cancelled; `ready` gets the banner once the socket listens."""
    from websockets.asyncio.server import ServerConnection, serve, unix_serve

    counter = 0

    async def handler(websocket: ServerConnection) -> None:
        nonlocal counter
        counter += 1

        async def incoming() -> AsyncIterator[str]:
            from websockets.exceptions import ConnectionClosed

            try:
                async for message in websocket:
                    yield message if isinstance(message, str) else message.decode("utf-8", errors="replace")
            except ConnectionClosed:
                return

        async def send(text: str) -> None:
            from websockets.exceptions import ConnectionClosed

            try:
                await websocket.send(text)
            except ConnectionClosed as exc:
                raise anyio.BrokenResourceError from exc

        await server.connection(incoming(), send, label=f"websocket #{counter}")

    process_request = _process_request(auth)
    if address.scheme == "unix":
        assert address.path is not None
        address.path.parent.mkdir(parents=True, exist_ok=True)
        address.path.unlink(missing_ok=True)
        async with unix_serve(
            handler, str(address.path), process_request=process_request, max_size=MAX_MESSAGE
        ) as ws_server:
            address.path.chmod(0o600)
            ready(f"pycodex app-server (WebSockets)\n  listening on: unix://{address.path}\n")
            await ws_server.serve_forever()
        return
    async with serve(
        handler, address.host, address.port, process_request=process_request, max_size=MAX_MESSAGE
    ) as ws_server:
        host, port = next(iter(ws_server.sockets)).getsockname()[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        ready(
            "pycodex app-server (WebSockets)\n"
            f"  listening on: ws://{shown}:{port}\n"
            f"  readyz: http://{shown}:{port}/readyz\n"
            f"  healthz: http://{shown}:{port}/healthz\n"
        )
        await ws_server.serve_forever()
