"""Running the proxy: bind (loopback unless told otherwise), announce the address, serve until stopped."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from pathlib import Path

from ._app import ProxyOptions, build_app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(options: ProxyOptions, host: str = "127.0.0.1", port: int = 0, server_info: Path | None = None) -> None:
    """Serve until cancelled (or `GET /shutdown` with `http_shutdown`). Prints `http://HOST:PORT` on stdout once
    listening, and writes `{"port": …, "pid": …}` to `server_info` when given (Codex's `--server-info`)."""
    import uvicorn

    if not _is_loopback(host):
        sys.stderr.write(
            f"warning: listening on {host}, not loopback: anyone who can reach it uses the API key through it\n"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    bound = sock.getsockname()[1]
    app = build_app(options)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))

    def stop() -> None:
        server.should_exit = True

    app.state.shutdown = stop
    if server_info is not None:
        import anyio

        info = json.dumps({"port": bound, "pid": os.getpid()}) + "\n"
        await anyio.Path(server_info).write_text(info, encoding="utf-8")
    shown = f"[{host}]" if ":" in host else host
    sys.stdout.write(f"http://{shown}:{bound}\n")
    sys.stdout.flush()
    await server.serve(sockets=[sock])
