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


async def notify(ctx: ServerRequestContext[Any, Any], method: str, params: Mapping[str, Any]) -> None:
    """Send a notification (any method) on the stream of the request `ctx` belongs to."""
    await _channel(ctx).notify(method, params)


async def request(ctx: ServerRequestContext[Any, Any], method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Send a server-to-client request tied to `ctx`'s request and return the raw result object.

    Raises:
        mcp.shared.exceptions.MCPError: the client answered with an error.
        mcp.shared.exceptions.NoBackChannelError: the connection cannot carry server-to-client requests.
    """
    result: dict[str, Any] = await _channel(ctx).send_raw_request(method, params)
    return result
