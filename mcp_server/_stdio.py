"""Serving the SDK server over the process's stdio pipes (after the fast front handed over).

Lines are framed here rather than by `mcp.server.stdio` so that (1) the front's already-answered handshake can be
replayed into the SDK with its answer dropped, and (2) a malformed line gets a JSON-RPC error answer instead of
being dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, BinaryIO, cast

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from ._handoff import REPLAY_ID
from ._options import ServerOptions
from ._server import PycodexServer


def _error_line(request_id: Any, code: int, message: str) -> bytes:
    body = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def parse_line(line: bytes) -> SessionMessage | bytes | None:
    """A message for the SDK, an error answer to write back, or None for a blank line."""
    if not line.strip():
        return None
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValidationError as exc:
        try:
            raw = json.loads(line)
        except ValueError:
            return _error_line(None, types.PARSE_ERROR, "Parse error: the line is not JSON")
        candidate: Any = cast(dict[str, Any], raw).get("id") if isinstance(raw, dict) else None
        request_id = candidate if isinstance(candidate, str | int) and not isinstance(candidate, bool) else None
        detail = exc.errors()[0].get("msg", "") if exc.errors() else ""
        return _error_line(request_id, types.INVALID_REQUEST, f"Invalid request: not a JSON-RPC 2.0 message ({detail})")


async def serve(options: ServerOptions, reader: BinaryIO, writer: BinaryIO, prelude: Sequence[bytes]) -> None:
    """Serve until the client closes stdin: replay `prelude`, then read `reader` line by line."""
    pyserver = PycodexServer(options)
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)
    out_send, out_recv = anyio.create_memory_object_stream[bytes](16)

    async def read_lines() -> None:
        async with read_send:
            source = anyio.wrap_file(reader)
            for line in prelude:
                await _route(line, read_send, out_send)
            while line := await source.readline():
                await _route(line, read_send, out_send)

    async def encode_answers(recv: MemoryObjectReceiveStream[SessionMessage]) -> None:
        async with recv:
            async for item in recv:
                message = item.message
                if isinstance(message, types.JSONRPCResponse | types.JSONRPCError) and message.id == REPLAY_ID:
                    continue
                await out_send.send(message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n")

    async def write_lines() -> None:
        sink = anyio.wrap_file(writer)
        async with out_recv:
            async for data in out_recv:
                await sink.write(data)
                await sink.flush()

    async with anyio.create_task_group() as tg:
        tg.start_soon(write_lines)
        async with out_send:
            async with anyio.create_task_group() as inner:
                inner.start_soon(read_lines)
                inner.start_soon(encode_answers, write_recv)
                await pyserver.server.run(read_recv, write_send, pyserver.server.create_initialization_options())
                inner.cancel_scope.cancel()


async def _route(
    line: bytes, read_send: MemoryObjectSendStream[SessionMessage | Exception], out_send: MemoryObjectSendStream[bytes]
) -> None:
    parsed = parse_line(line)
    if isinstance(parsed, SessionMessage):
        await read_send.send(parsed)
    elif parsed is not None:
        await out_send.send(parsed)
