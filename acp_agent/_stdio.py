"""Serving the agent on the process's stdio: newline-delimited JSON-RPC, one message a line.

Lines are framed here (an `acp` Transport) rather than by the package's stdio helper so that a line that is not
JSON, or not a JSON-RPC message, is answered with a JSON-RPC error instead of being dropped with a log line. The
protocol owns file descriptor 1: everything else that writes there (a library's stray print) goes to stderr.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, BinaryIO, cast

import anyio
from acp.agent.connection import AgentSideConnection

import agent

from ._agent import PycodexAgent
from ._front import REPLAY_ID
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
    """JSON-RPC messages over two binary files, one line each (the `acp` Transport protocol).

    Reads and writes run in worker threads, so stdin and stdout may be pipes, files or terminals alike.
    """

    def __init__(self, reader: BinaryIO, writer: BinaryIO, prelude: Sequence[bytes] = ()) -> None:
        self._reader = reader
        self._writer = writer
        self._prelude = list(prelude)
        self._lock = anyio.Lock()
        self._unanswered: set[Any] = set()
        self._answered = anyio.Event()

    async def wait_answered(self) -> None:
        """Wait until every request read so far has been answered."""
        while self._unanswered:
            self._answered = anyio.Event()
            await self._answered.wait()

    def _write(self, data: bytes) -> None:
        self._writer.write(data)
        self._writer.flush()

    async def send(self, message: dict[str, Any]) -> None:
        if "method" not in message and message.get("id") == REPLAY_ID:
            # The front has answered this initialize already; it counts as answered (shutdown waits for the rest).
            self._unanswered.discard(REPLAY_ID)
            self._answered.set()
            return
        # The engine's text policy: a lone surrogate (from a model or a tool) is written as U+FFFD, never a crash.
        data = agent.encode_text(json.dumps(message, separators=(",", ":"), ensure_ascii=False)) + b"\n"
        async with self._lock:
            await anyio.to_thread.run_sync(self._write, data)
        if "method" not in message and message.get("id") in self._unanswered:
            # Counted as answered once it is written (shutdown waits for this).
            self._unanswered.discard(message.get("id"))
            self._answered.set()

    async def receive(self) -> dict[str, Any] | None:
        while True:
            if self._prelude:
                raw = self._prelude.pop(0)
            else:
                raw = await anyio.to_thread.run_sync(self._reader.readline, LINE_LIMIT + 1, abandon_on_cancel=True)
            if not raw:
                return None
            if len(raw) > LINE_LIMIT:
                while raw and not raw.endswith(b"\n"):
                    raw = await anyio.to_thread.run_sync(self._reader.readline, LINE_LIMIT, abandon_on_cancel=True)
                await self.send(
                    _error(None, INVALID_REQUEST, f"Invalid request: a line longer than {LINE_LIMIT} bytes")
                )
                continue
            message, error = check_message(raw)
            if error is not None:
                await self.send(error)
            if message is not None:
                if "method" in message and "id" in message:
                    self._unanswered.add(message["id"])
                return message

    async def close(self) -> None:
        return None


async def serve(options: AcpOptions, reader: BinaryIO, writer: BinaryIO, prelude: Sequence[bytes] = ()) -> None:
    """Serve ACP on `reader`/`writer` (after the lines of `prelude`) until the client closes its end; then stop every
    session (killing their commands)."""
    transport = StdioTransport(reader, writer, prelude)
    async with anyio.create_task_group() as tg:
        pyagent = PycodexAgent(options, tg)
        conn = AgentSideConnection(pyagent, transport, listening=False, use_unstable_protocol=True)
        try:
            await conn.listen()
        finally:
            # Teardown is shielded and bounded: sessions must kill their commands even when we are cancelled.
            with anyio.CancelScope(shield=True), anyio.move_on_after(_SHUTDOWN_WAIT):
                pyagent.close_all()
                # Requests read before the end of input still get their answers (a prompt ends as cancelled).
                await transport.wait_answered()
            with anyio.CancelScope(shield=True):
                await conn.close()
            tg.cancel_scope.cancel()
