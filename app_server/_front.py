"""`pycodex app-server`: check the options, then serve until the client (stdio) or a signal (sockets) ends it."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import anyio

from ._listen import check_exposure, parse_listen, ws_auth
from ._server import AppServer, AppServerOptions
from ._transports import serve_stdio, serve_websockets


def _codex_home() -> Path:
    raw = os.environ.get("CODEX_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".codex"


def run_app_server(
    options: AppServerOptions,
    *,
    listen: str = "stdio://",
    ws_auth_mode: str | None = None,
    ws_token_file: Path | None = None,
    ws_token_sha256: str | None = None,
) -> int:
    """Serve the app-server protocol; returns the exit code.

    Raises:
        ListenError, AuthConfigError: the options cannot be served as given (a usage error).
    """
    address = parse_listen(listen, codex_home=_codex_home())
    auth = ws_auth(ws_auth_mode, ws_token_file, ws_token_sha256)
    check_exposure(address, auth)
    server = AppServer(options)

    def banner(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    async def serve(server: AppServer) -> None:
        if address.scheme == "stdio":
            await serve_stdio(server)
            return
        async with anyio.create_task_group() as tg:

            async def stop_on_signals() -> None:
                with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                    async for _ in signals:
                        tg.cancel_scope.cancel()
                        return

            tg.start_soon(stop_on_signals)
            await serve_websockets(server, address, auth, ready=banner)

    try:
        anyio.run(server.run, serve)
    except KeyboardInterrupt:
        return 130
    return 0
