"""A call's view of its thread: events become `codex/event`, progress and log notifications; approvals become
elicitation on the 2025-11-25 wire, or are parked for the host's retry on the 2026-07-28 wire."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from agent import Event, EventRedactor, ReviewDecision, redact_secrets

from . import _approval_forms as forms
from . import _wire
from ._options import ServerOptions
from ._progress import LogLevel, step
from ._threads import Approval

logger = logging.getLogger(__name__)

LEVELS: tuple[str, ...] = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


def is_modern(ctx: ServerRequestContext[Any, Any]) -> bool:
    """Whether the call came over the 2026-07-28 stateless wire (no server-to-client requests)."""
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS


class McpSink:
    """Sends one call's share of a thread's events to the host, and asks approvals through it."""

    def __init__(
        self,
        ctx: ServerRequestContext[Any, Any],
        thread_id: str,
        options: ServerOptions,
        min_level: str,
        *,
        task_meta: dict[str, Any] | None = None,
        on_question: Callable[[str | None], None] | None = None,
    ) -> None:
        self._ctx = ctx
        # A task's call has already been answered: its notifications and questions use the connection's stream.
        self._channel = _wire.Channel(ctx, standalone=task_meta is not None)
        self._task_meta = task_meta or {}
        # A task shows `input_required` while its question is out (`on_question(message)`, then `on_question(None)`).
        self._on_question = on_question
        self._thread_id = thread_id
        self._options = options
        self._min_level = LEVELS.index(min_level) if min_level in LEVELS else 1
        self._steps = 0
        # The model saw the live text; what leaves for the host is redacted, deltas as streams (a secret split
        # across pieces is still found).
        self._redactor = EventRedactor()

    async def on_event(self, event: Event) -> None:
        meta = {"requestId": self._ctx.request_id, "threadId": self._thread_id, **self._task_meta}
        try:
            for msg in self._redactor.feed(event.msg):
                await self._channel.notify(
                    "codex/event", {"_meta": meta, "id": event.id, "msg": msg.model_dump(mode="json")}
                )
                # From the redacted event: a line shortened first could cut a key to a prefix no pattern knows.
                line = step(msg)
                if line is not None:
                    await self.report(*line)
        except Exception:  # the host went away: the turn goes on and keeps its transcript
            logger.debug("could not send an event for thread %s", self._thread_id, exc_info=True)

    async def report(self, text: str, level: LogLevel) -> None:
        """One step: a progress notification on the call's token and a log message."""
        self._steps += 1
        text = redact_secrets(text)
        token = self._channel.progress_token
        if token is not None:
            progress = {"progressToken": token, "progress": self._steps, "message": text, **self._meta()}
            await self._channel.notify("notifications/progress", progress)
        if LEVELS.index(level) >= self._min_level:
            # Logging is deprecated by SEP-2577 but is what hosts show today; the issue asks for it.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await self._ctx.session.send_log_message(  # pyright: ignore[reportDeprecated]
                    level,
                    text,
                    logger="pycodex",
                    related_request_id=None if self._channel.standalone else self._ctx.request_id,
                )

    async def ask(self, approval: Approval) -> ReviewDecision | None:
        if is_modern(self._ctx):
            if self._can_elicit():
                return None  # parked: the call returns it as an input-required result
            return await self._refuse(approval)
        style = self._options.elicitation
        if style != "codex" and not self._can_elicit():
            return await self._refuse(approval)
        params = (
            forms.codex_params(approval, request_id=self._ctx.request_id)
            if style == "codex"
            else forms.mcp_params(approval)
        )
        params |= self._meta()
        if self._on_question is not None:
            self._on_question(forms.message(approval))
        try:
            answer = await self._channel.request("elicitation/create", params)
        except Exception as exc:  # an error answer or a broken connection: nobody said yes
            logger.debug("elicitation failed: %s", exc)
            return "denied"
        finally:
            if self._on_question is not None:
                self._on_question(None)
        return forms.decision_from_answer(answer)

    async def elicit(self, server: str, request: Any) -> dict[str, Any] | None:
        """An external MCP server's elicitation (form or URL), passed on to the host as its own request.

        Only on the handshake era (a server-to-client request mid-call); None when the host cannot be asked.
        """
        if is_modern(self._ctx) or not self._can_elicit(url=getattr(request, "mode", None) == "url"):
            return None
        params: dict[str, Any] = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        params["message"] = f"[MCP server {server}] {params.get('message', '')}"
        params |= self._meta()
        if self._on_question is not None:
            self._on_question(params["message"])
        try:
            return await self._channel.request("elicitation/create", params)
        except Exception as exc:  # an error answer or a broken connection: treat as declined
            logger.debug("forwarded elicitation failed: %s", exc)
            return None
        finally:
            if self._on_question is not None:
                self._on_question(None)

    def _meta(self) -> dict[str, Any]:
        return {"_meta": self._task_meta} if self._task_meta else {}

    def _can_elicit(self, *, url: bool = False) -> bool:
        capabilities = self._ctx.session.client_capabilities
        elicitation = None if capabilities is None else capabilities.elicitation
        # A link (URL mode) only goes to a host that said it can open one.
        return elicitation is not None and (not url or elicitation.url is not None)

    async def _refuse(self, approval: Approval) -> ReviewDecision:
        try:
            await self.report(
                "Approval needed, but this host cannot answer questions (no elicitation support): denied. "
                + forms.message(approval),
                "warning",
            )
        except Exception:
            logger.debug("could not report a refused approval", exc_info=True)
        return "denied"
