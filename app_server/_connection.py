"""One client connection: the handshake, request dispatch, server requests (approvals) and notifications.

The transport (stdio, a WebSocket, a unix socket) only moves text: it calls `receive` with each incoming message and
gives the connection a function that sends one. Requests are handled in order, except the slow ones (a command, a
compaction), which run beside the reader so that answers to approvals keep flowing.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

import agent

from . import _wire as wire
from .errors import INTERNAL_ERROR, INVALID_REQUEST, RequestError

if TYPE_CHECKING:
    from ._server import AppServer


@dataclass
class Reply:
    """A handler's result, and what to do once the response is sent (a turn starts after turn/start's answer)."""

    result: Any
    after: Callable[[], Awaitable[None]] | None = None


@dataclass
class _Pending:
    done: anyio.Event = field(default_factory=anyio.Event)
    result: Any = None


class Connection:
    """A client of the app-server."""

    def __init__(self, server: AppServer, send_text: Callable[[str], Awaitable[None]], *, label: str) -> None:
        self.server = server
        self.label = label
        self._send_text = send_text
        self._send_lock = anyio.Lock()
        self.initialized = False
        self.client_name = ""
        self._opted_out: frozenset[str] = frozenset()
        self._next_id = 0
        self._pending: dict[wire.RequestId, _Pending] = {}
        self._closed = False
        self.sent: list[dict[str, Any]] | None = None
        """Every message sent, when the server keeps a record (tests validate them against Codex's schema)."""

    @property
    def closed(self) -> bool:
        return self._closed

    # ---- sending ------------------------------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        if self.sent is not None:
            self.sent.append(message)
        text = wire.encode(message)
        try:
            async with self._send_lock:
                await self._send_text(text)
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            # The client went away; the reader notices too and closes the connection.
            self._closed = True

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        if method in self._opted_out or not self.initialized:
            return
        # Notifications go to clients and their logs, not to the model: secrets in them are masked (a command's
        # output that prints a key, say). Requests such as approvals keep the text the person must judge.
        await self.send(wire.notification(method, agent.redact_value(params)))

    async def server_request(self, method: str, params: dict[str, Any]) -> wire.Answer:
        """Ask the client; the answer's result is None when it answered with an error or went away."""
        request_id = self._next_id
        self._next_id += 1
        pending = _Pending()
        self._pending[request_id] = pending
        try:
            await self.send(wire.request(request_id, method, params))
            if self._closed:
                return wire.Answer(request_id, None)
            await pending.done.wait()
            return wire.Answer(request_id, pending.result)
        finally:
            self._pending.pop(request_id, None)

    # ---- receiving ----------------------------------------------------------------------------------------------

    async def receive(self, text: str) -> None:
        """Handle one incoming message."""
        if not text.strip():
            return
        try:
            message = wire.decode(text)
        except ValueError as exc:
            # Codex drops such lines without a word; we say so, on stderr and to the client.
            note = f"pycodex app-server: ignored a message that is {exc}"
            self.server.log(f"{self.label}: {note}")
            if self.initialized:
                await self.send(wire.notification("warning", {"threadId": None, "message": note}))
            return
        method = message.get("method")
        request_id = message.get("id")
        if method is None:
            if request_id is not None and ("result" in message or "error" in message):
                self._answer(request_id, message.get("result") if "result" in message else None)
            else:
                self.server.log(f"{self.label}: ignored a message with neither a method nor an answer: {text[:200]}")
            return
        if request_id is None:
            self._client_notification(method)
            return
        if isinstance(request_id, bool) or not isinstance(request_id, int | str):
            self.server.log(f"{self.label}: ignored a request whose id is neither a number nor a string")
            return
        if not isinstance(method, str):
            await self.send(wire.error(request_id, INVALID_REQUEST, "Invalid request: `method` must be a string"))
            return
        handler = self.server.dispatcher.lookup(method)
        if handler is not None and handler.slow:
            self.server.spawn(self._handle, request_id, method, message)
        else:
            await self._handle(request_id, method, message)

    def _answer(self, request_id: object, result: Any) -> None:
        pending = self._pending.get(request_id) if isinstance(request_id, int | str) else None
        if pending is None:
            self.server.log(f"{self.label}: ignored an answer to unknown request {request_id!r}")
            return
        pending.result = result
        pending.done.set()

    def _client_notification(self, method: object) -> None:
        if method == "initialized":
            return
        self.server.log(f"{self.label}: ignored client notification {method!r} (the only one is `initialized`)")

    async def _handle(self, request_id: wire.RequestId, method: str, message: dict[str, Any]) -> None:
        try:
            reply = await self.server.dispatcher.call(self, method, message)
        except RequestError as exc:
            await self.send(wire.error(request_id, exc.code, exc.message))
            return
        except agent.AgentError as exc:
            await self.send(wire.error(request_id, INVALID_REQUEST, str(exc)))
            return
        except Exception as exc:  # a bug of ours: the request fails, the server goes on
            self.server.log(f"{self.label}: {method} failed:\n{traceback.format_exc()}")
            await self.send(wire.error(request_id, INTERNAL_ERROR, f"Internal error in {method}: {exc}"))
            return
        await self.send(wire.response(request_id, reply.result))
        if reply.after is not None:
            await reply.after()

    def handshake(self, client_name: str, opted_out: list[str]) -> None:
        self.initialized = True
        self.client_name = client_name
        self._opted_out = frozenset(opted_out)

    async def close(self) -> None:
        """The client went away: unanswered questions are cancelled, threads only it followed are unloaded."""
        self._closed = True
        for pending in list(self._pending.values()):
            pending.done.set()
        await self.server.forget(self)


def log_to_stderr(line: str) -> None:
    try:
        sys.stderr.write(line.rstrip("\n") + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
