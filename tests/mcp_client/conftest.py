"""Fixtures for mcp_client's tests: the real npm MCP servers, our toolbox server over stdio, and a helper that
serves an ASGI app on 127.0.0.1 with uvicorn inside the test's event loop."""

from __future__ import annotations

import socket
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / ".ci" / "npm" / "node_modules"
EVERYTHING_JS = NODE_MODULES / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
FILESYSTEM_JS = NODE_MODULES / "@modelcontextprotocol" / "server-filesystem" / "dist" / "index.js"
TOOLBOX = Path(__file__).parent / "servers" / "toolbox.py"


def everything_table() -> dict[str, Any]:
    """`[mcp_servers.everything]` for the npm server-everything over stdio (skips the test if absent)."""
    if not EVERYTHING_JS.is_file():
        pytest.skip(f"@modelcontextprotocol/server-everything is not installed at {EVERYTHING_JS} (run .ci/setup)")
    return {"command": "node", "args": [str(EVERYTHING_JS), "stdio"]}


def filesystem_table(root: Path) -> dict[str, Any]:
    """`[mcp_servers.fs]` for the npm server-filesystem over stdio, confined to `root`."""
    if not FILESYSTEM_JS.is_file():
        pytest.skip(f"@modelcontextprotocol/server-filesystem is not installed at {FILESYSTEM_JS} (run .ci/setup)")
    return {"command": "node", "args": [str(FILESYSTEM_JS), str(root)]}


def toolbox_table(**extra: Any) -> dict[str, Any]:
    """`[mcp_servers.toolbox]` for our own test server over stdio."""
    return {"command": sys.executable, "args": [str(TOOLBOX)], **extra}


def bound_socket() -> socket.socket:
    """A listening socket on 127.0.0.1 with a free port (connections queue until uvicorn accepts them)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@asynccontextmanager
async def serve_asgi(app: Any, sock: socket.socket | None = None) -> AsyncGenerator[str, None]:
    """Serve `app` on 127.0.0.1 for the duration of the block; yields `http://127.0.0.1:<port>`."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                # uvicorn polls this flag and then closes its connections within the graceful-shutdown bound.
                server.should_exit = True
    finally:
        sock.close()
