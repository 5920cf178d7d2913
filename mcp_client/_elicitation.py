"""Elicitation requests from external servers, handed to whichever front end is running.

A front end implements `ElicitationHandler` (exec declines and reports, the TUI shows a dialog, the MCP server
forwards to its host). The manager calls it with the server's name and the request as the `mcp` SDK parsed it
(`mcp.types.ElicitRequestFormParams` or `ElicitRequestURLParams`) and, for an accepted form, fills in the schema's
defaults for fields the answer left out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

import mcp.types as types

logger = logging.getLogger(__name__)

ElicitationRequest = types.ElicitRequestFormParams | types.ElicitRequestURLParams


class ElicitationHandler(Protocol):
    """Answers an elicitation request from the MCP server `server`."""

    async def __call__(self, server: str, request: ElicitationRequest) -> types.ElicitResult: ...


async def decline_elicitation(server: str, request: ElicitationRequest) -> types.ElicitResult:
    """The default handler (headless runs): decline every request."""
    logger.info("declined an elicitation from MCP server %s: %s", server, request.message)
    return types.ElicitResult(action="decline")


def schema_defaults(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The `default` of every top-level property of a form's requested schema that has one."""
    properties: Any = schema.get("properties") or {}
    defaults: dict[str, Any] = {}
    if isinstance(properties, Mapping):
        for key, spec in properties.items():  # pyright: ignore[reportUnknownVariableType]
            if isinstance(spec, Mapping) and "default" in spec:
                defaults[str(key)] = spec["default"]  # pyright: ignore[reportUnknownArgumentType]
    return defaults


def apply_schema_defaults(schema: Mapping[str, Any], content: Mapping[str, Any] | None) -> dict[str, Any]:
    """`content` with the schema's defaults filled in for every field it does not set."""
    merged = schema_defaults(schema)
    merged.update(content or {})
    return merged


async def answer_elicitation(
    handler: ElicitationHandler, server: str, request: ElicitationRequest
) -> types.ElicitResult:
    """Ask `handler`, complete an accepted form with the schema's defaults; a failing handler means `cancel`."""
    try:
        result = await handler(server, request)
    except Exception:  # a broken front end must not take the server's request down with it
        logger.exception("the elicitation handler failed; answering cancel")
        return types.ElicitResult(action="cancel")
    if result.action == "accept" and isinstance(request, types.ElicitRequestFormParams):
        content = apply_schema_defaults(dict(request.requested_schema), result.content)
        return types.ElicitResult(action="accept", content=content, _meta=result.meta)
    return result
