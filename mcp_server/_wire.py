"""The one seam into the SDK's request-scoped channel.

The SDK's public helpers send only spec notifications and validate elicitation answers as `ElicitResult`; Codex's
`codex/event` notification and its `{"decision": …}` answers need the raw channel underneath. Everything that
touches it is here, so an SDK change breaks one module (tests/mcp_server covers both paths).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server import ServerRequestContext


def _channel(ctx: ServerRequestContext[Any, Any]) -> Any:
    return ctx.session._request_outbound  # pyright: ignore[reportPrivateUsage]


def connection_of(ctx: ServerRequestContext[Any, Any]) -> object:
    """The connection a request came on (to remember who subscribed to what)."""
    return ctx.session._connection  # pyright: ignore[reportPrivateUsage]


class Channel:
    """Where a sink's notifications and requests go: the call's own stream, or the connection's (task mode)."""

    def __init__(self, ctx: ServerRequestContext[Any, Any], *, standalone: bool = False) -> None:
        session: Any = ctx.session
        self._outbound: Any = session._connection.outbound if standalone else _channel(ctx)  # pyright: ignore[reportPrivateUsage]
        self.ctx = ctx
        self.standalone = standalone
        token: Any = ctx.meta.get("progress_token") if ctx.meta is not None else None
        self.progress_token: str | int | None = token if isinstance(token, str | int) else None

    async def notify(self, method: str, params: Mapping[str, Any]) -> None:
        await self._outbound.notify(method, params)

    async def request(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._outbound.send_raw_request(method, params)
        return result
