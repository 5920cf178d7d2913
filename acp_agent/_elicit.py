"""External MCP servers' questions (elicitation) go to the client: as ACP elicitation when the client offers it
(form or URL), else as a permission request (accept or decline; a form whose fields all have defaults is accepted
with those defaults), else declined."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from acp import text_block, tool_content
from acp.schema import (
    AcceptElicitationResponse,
    AllowedOutcome,
    CancelElicitationResponse,
    ClientCapabilities,
    DeclineElicitationResponse,
    ElicitationFormSessionMode,
    ElicitationSchema,
    ElicitationUrlSessionMode,
    ToolCallUpdate,
)

from ._permissions import OPTIONS

if TYPE_CHECKING:
    from acp import Client

logger = logging.getLogger(__name__)


def _defaults(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The answer made of every field's default; None when a required field has none."""
    properties: dict[str, Any] = schema.get("properties") or {}
    required: list[str] = schema.get("required") or []
    answer: dict[str, Any] = {}
    for name, spec in properties.items():
        if isinstance(spec, dict) and "default" in spec:
            answer[name] = cast("dict[str, Any]", spec)["default"]
    return answer if all(name in answer for name in required) else None


async def forward_elicitation(
    client: Client, capabilities: ClientCapabilities, session_id: str, server: str, request: Any, number: int
) -> dict[str, Any]:
    """Ask the client; returns an `ElicitResult` as a dict (`action`, optional `content`)."""
    message = f"[MCP server {server}] {request.message}"
    offered = capabilities.elicitation
    url = getattr(request, "mode", None) == "url"
    try:
        if offered is not None and (offered.url if url else offered.form) is not None:
            if url:
                mode: Any = ElicitationUrlSessionMode(
                    session_id=session_id, url=request.url, elicitation_id=request.elicitation_id
                )
            else:
                schema = request.requested_schema
                mode = ElicitationFormSessionMode(
                    session_id=session_id, requested_schema=ElicitationSchema.model_validate(schema)
                )
            answer = await client.create_elicitation(message=message, mode=mode)
            if isinstance(answer, AcceptElicitationResponse):
                return {"action": "accept", "content": answer.content} if answer.content else {"action": "accept"}
            if isinstance(answer, DeclineElicitationResponse | CancelElicitationResponse):
                return {"action": answer.action}
            return {"action": "decline"}
        content = None if url else _defaults(dict(request.requested_schema))
        if not url and content is None:
            return {"action": "decline"}  # fields to fill in, and no form to fill them in
        shown = f"{message}\n{request.url}" if url else message
        response = await client.request_permission(
            session_id=session_id,
            tool_call=ToolCallUpdate(
                tool_call_id=f"elicitation-{number}",
                title=message,
                kind="other",
                status="pending",
                content=[tool_content(text_block(shown))],
            ),
            options=[OPTIONS[0], OPTIONS[2]],
        )
    except Exception as exc:  # an error answer or a broken connection: treat as declined
        logger.debug("elicitation for %s failed: %s", server, exc)
        return {"action": "decline"}
    outcome = response.outcome
    if isinstance(outcome, AllowedOutcome) and outcome.option_id == "allow_once":
        return {"action": "accept", "content": content} if content else {"action": "accept"}
    return {"action": "decline" if isinstance(outcome, AllowedOutcome) else "cancel"}
