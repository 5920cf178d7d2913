"""Serving the SDK server over the process's stdio pipes (after the fast front handed over).

Lines are framed here rather than by `mcp.server.stdio` so that (1) the front's already-answered handshake can be
replayed into the SDK with its answer dropped, and (2) a malformed line gets a JSON-RPC error answer instead of
being dropped silently.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Sequence
from typing import Any, BinaryIO, cast

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

import agent

from ._handoff import REPLAY_ID
from ._options import ServerOptions
from ._server import PycodexServer

# How long a shutdown waits for the calls of the stopped turns to be answered.
_ANSWER_WAIT = 5.0


def _error_line(request_id: Any, code: int, message: str) -> bytes:
    body = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def encode_message(message: types.JSONRPCMessage) -> bytes:
    """One line of the wire. Text that is not valid Unicode (a lone surrogate from an external MCP server or a hook)
    is written by the engine's policy (`agent.clean_values`) instead of failing the answer."""
    try:
        return message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
    except PydanticSerializationError:
        body = agent.clean_values(message.model_dump(mode="json", by_alias=True, exclude_unset=True))
        return agent.encode_text(json.dumps(body, ensure_ascii=False, separators=(",", ":"))) + b"\n"


def parse_line(line: bytes) -> SessionMessage | bytes | None:
    """A message for the SDK, an error answer to write back, or None for a blank line."""
    if not line.strip():
        return None
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValidationError as first:
        error = first
        try:
            raw = json.loads(line)
            cleaned = agent.clean_values(raw)
            changed = cleaned != raw
        except ValueError:
            return _error_line(None, types.PARSE_ERROR, "Parse error: the line is not JSON")
        except RecursionError:  # in the decoder, or walking what it returned (the SDK's parser stops at 200 levels)
            return _error_line(None, types.PARSE_ERROR, "Parse error: the JSON nests too deeply to be a message")
        if changed:
            # Lone surrogates ("\\ud800" is legal JSON, refused by the SDK's parser): read with U+FFFD instead.
            try:
                return SessionMessage(types.jsonrpc_message_adapter.validate_python(cleaned, by_name=False))
            except ValidationError as again:
                error = again
        candidate: Any = cast(dict[str, Any], raw).get("id") if isinstance(raw, dict) else None
        request_id = candidate if isinstance(candidate, str | int) and not isinstance(candidate, bool) else None
        detail = error.errors()[0].get("msg", "") if error.errors() else ""
        return _error_line(request_id, types.INVALID_REQUEST, f"Invalid request: not a JSON-RPC 2.0 message ({detail})")


class _Unanswered:
    """The ids of requests read and not answered yet, so that a shutdown can let their answers out first."""

    def __init__(self) -> None:
        self.ids: set[Any] = set()
        self._changed = anyio.Event()

    def read(self, item: SessionMessage) -> None:
        if isinstance(item.message, types.JSONRPCRequest):
            self.ids.add(item.message.id)

    def answered(self, request_id: Any) -> None:
        self.ids.discard(request_id)
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_all(self) -> None:
        while self.ids:
            await self._changed.wait()


async def serve(
    options: ServerOptions, reader: BinaryIO, writer: BinaryIO, prelude: Sequence[bytes]
) -> signal.Signals | None:
    """Serve until the client closes stdin (returns None) or a signal ends the server (returns it): replay
    `prelude`, then read `reader` line by line.

    On SIGTERM or SIGINT the running turns are interrupted (their end recorded, their commands killed), the calls
    they belonged to are answered, and the server stops reading.
    """
    pyserver = PycodexServer(options)
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)
    out_send, out_recv = anyio.create_memory_object_stream[bytes](16)
    unanswered = _Unanswered()
    reading = anyio.CancelScope()

    async def read_lines() -> None:
        async with read_send:
            with reading:
                for line in prelude:
                    await _route(line, read_send, out_send, unanswered)
                # Abandoned on cancel: a thread blocked reading stdin must not hold up a shutdown.
                while line := await anyio.to_thread.run_sync(reader.readline, abandon_on_cancel=True):
                    await _route(line, read_send, out_send, unanswered)

    async def encode_answers(recv: MemoryObjectReceiveStream[SessionMessage]) -> None:
        async with recv:
            async for item in recv:
                message = item.message
                is_answer = isinstance(message, types.JSONRPCResponse | types.JSONRPCError)
                if not is_answer or message.id != REPLAY_ID:
                    await out_send.send(encode_message(message))
                if is_answer:
                    unanswered.answered(message.id)

    async def write_lines() -> None:
        sink = anyio.wrap_file(writer)
        async with out_recv:
            async for data in out_recv:
                await sink.write(data)
                await sink.flush()

    received: list[signal.Signals] = []
    listening = anyio.CancelScope()

    async def stop_on_signals() -> None:
        with listening, anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for signum in signals:
                received.append(signum)
                await pyserver.shutdown()
                with anyio.move_on_after(_ANSWER_WAIT):
                    await unanswered.wait_all()
                # End of input, as when the host closes stdin: the SDK winds down and the threads close.
                reading.cancel()
                return

    async with anyio.create_task_group() as tg:
        tg.start_soon(stop_on_signals)
        tg.start_soon(write_lines)
        async with out_send:
            async with anyio.create_task_group() as inner:
                inner.start_soon(read_lines)
                inner.start_soon(encode_answers, write_recv)
                await pyserver.server.run(read_recv, write_send, pyserver.server.create_initialization_options())
                inner.cancel_scope.cancel()
        # `write_lines` ends by itself once it has written everything (out_send is closed): answers are not lost.
        listening.cancel()
    return received[0] if received else None


async def _route(
    line: bytes,
    read_send: MemoryObjectSendStream[SessionMessage | Exception],
    out_send: MemoryObjectSendStream[bytes],
    unanswered: _Unanswered,
) -> None:
    parsed = parse_line(line)
    if isinstance(parsed, SessionMessage):
        unanswered.read(parsed)
        await read_send.send(parsed)
    elif parsed is not None:
        await out_send.send(parsed)
