"""Serving the agent on the process's stdio: newline-delimited JSON-RPC, one message a line.

Lines are framed here (an `acp` Transport) rather than by the package's stdio helper so that a line that is not
JSON, or not a JSON-RPC message, is answered with a JSON-RPC error instead of being dropped with a log line. The
protocol owns file descriptor 1: everything else that writes there (a library's stray print) goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any, cast

import anyio
from acp.agent.connection import AgentSideConnection

from ._agent import PycodexAgent
from ._options import AcpOptions
from .errors import INVALID_REQUEST

logger = logging.getLogger(__name__)

PARSE_ERROR = -32700
# Images travel base64-encoded inside one line: allow big lines.
LINE_LIMIT = 64 * 1024 * 1024
# How long shutting down waits for sessions to stop their turns and MCP servers.
_SHUTDOWN_WAIT = 5.0


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def check_message(raw: bytes) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the message, None) for a JSON-RPC 2.0 message; (None, the error answer) otherwise; (None, None) if blank."""
    line = raw.strip()
    if not line:
        return None, None
    try:
        value: Any = json.loads(line)
    except ValueError:
        return None, _error(None, PARSE_ERROR, "Parse error: the line is not JSON")
    if not isinstance(value, dict):
        return None, _error(None, INVALID_REQUEST, "Invalid request: a JSON-RPC message is a JSON object")
    message = cast("dict[str, Any]", value)
    request_id = message.get("id")
    if not isinstance(request_id, str | int) or isinstance(request_id, bool):
        request_id = None
    if message.get("jsonrpc") != "2.0":
        return None, _error(request_id, INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"')
    if "method" in message and not isinstance(message["method"], str):
        return None, _error(request_id, INVALID_REQUEST, 'Invalid request: "method" must be a string')
    if "method" not in message and "id" not in message:
        return None, _error(None, INVALID_REQUEST, "Invalid request: neither a request, a notification nor an answer")
    return message, None


class StdioTransport:
    """JSON-RPC messages over an asyncio reader and writer (the `acp` Transport protocol)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._lock = anyio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        async with self._lock:
            self._writer.write(data)
            await self._writer.drain()

    async def receive(self) -> dict[str, Any] | None:
        while True:
            try:
                raw = await self._reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                raw = exc.partial
                if not raw:
                    return None
            except asyncio.LimitOverrunError:
                await self._skip_long_line()
                await self.send(
                    _error(None, INVALID_REQUEST, f"Invalid request: a line longer than {LINE_LIMIT} bytes")
                )
                continue
            message, error = check_message(raw)
            if error is not None:
                await self.send(error)
            if message is not None:
                return message

    async def _skip_long_line(self) -> None:
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as exc:
                await self._reader.readexactly(exc.consumed)
            except asyncio.IncompleteReadError:
                return

    async def close(self) -> None:
        self._writer.close()


async def _stdio_streams() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    # The protocol keeps its own copy of fd 1; fd 1 itself now points at stderr.
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, out)
    return reader, asyncio.StreamWriter(transport, protocol, None, loop)


async def serve(options: AcpOptions) -> None:
    """Serve ACP on stdio until the client closes stdin; then stop every session (killing their commands)."""
    reader, writer = await _stdio_streams()
    transport = StdioTransport(reader, writer)
    async with anyio.create_task_group() as tg:
        pyagent = PycodexAgent(options, tg)
        conn = AgentSideConnection(pyagent, transport, listening=False, use_unstable_protocol=True)
        try:
            await conn.listen()
        finally:
            # Teardown is shielded and bounded: sessions must kill their commands even when we are cancelled.
            with anyio.CancelScope(shield=True), anyio.move_on_after(_SHUTDOWN_WAIT):
                pyagent.close_all()
                await conn.close()
            tg.cancel_scope.cancel()


def run_stdio(options: AcpOptions) -> int:
    """Run `pycodex acp` on this process's stdio; returns the exit code (0 when the client hung up)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="pycodex acp: %(levelname)s %(message)s")
    anyio.run(serve, options, backend="asyncio")
    return 0
