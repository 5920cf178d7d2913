"""Approval questions as elicitation: the standard MCP form, Codex's `decision` form, and reading the answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast, get_args

from agent import ReviewDecision
from agent import protocol as p

from ._progress import command_text
from ._threads import Approval

ElicitationStyle = Literal["auto", "mcp", "codex"]
"""How approvals are asked: `mcp` is the standard form (an enum field `decision`), `codex` is Codex's shape (empty
schema, `codex_*` params, answered with `{"decision": …}`); `auto` is `mcp`. Answers are read in either shape."""

DECISIONS: tuple[ReviewDecision, ...] = get_args(ReviewDecision)

_LABELS: dict[str, str] = {
    "approved": "Allow once",
    "approved_for_session": "Allow for the rest of this session",
    "approved_execpolicy_amendment": "Allow, and remember this command prefix",
    "denied": "Deny (the agent continues without it)",
    "abort": "Deny and stop the turn",
}


def offered(approval: Approval) -> list[ReviewDecision]:
    """The decisions a person is offered for this question."""
    choices: list[ReviewDecision] = ["approved", "approved_for_session"]
    if isinstance(approval.request, p.ExecApprovalRequest) and approval.request.proposed_execpolicy_amendment:
        choices.append("approved_execpolicy_amendment")
    return [*choices, "denied", "abort"]


def message(approval: Approval) -> str:
    """The question, in a sentence."""
    request = approval.request
    reason = f"{request.reason}\n" if request.reason else ""
    match request:
        case p.ExecApprovalRequest():
            return f"{reason}pycodex wants to run `{command_text(request.command)}` in {request.cwd}. Allow it?"
        case p.ApplyPatchApprovalRequest():
            files = ", ".join(sorted(request.changes))
            return f"{reason}pycodex wants to change {files}. Allow the patch?"
        case p.McpToolCallApprovalRequest(invocation=call):
            return f"pycodex wants to call the tool `{call.tool}` of the MCP server `{call.server}`{_arguments(call)}."
        case p.NetworkApprovalRequest():
            return f"{reason}A command wants to reach {_destination(request)}, which the network policy does not list."


def _arguments(call: p.McpInvocation) -> str:
    if not call.arguments:
        return ""
    text = json.dumps(call.arguments, ensure_ascii=False)
    return f" with {text if len(text) <= 200 else text[:199] + '…'}"


def _destination(request: p.NetworkApprovalRequest) -> str:
    port = f":{request.port}" if request.port is not None else ""
    method = f" ({request.method})" if request.method else ""
    return f"{request.protocol}://{request.host}{port}{method}"


def form_schema(approval: Approval) -> dict[str, Any]:
    """A one-field form: a titled single-select `decision`."""
    return {
        "type": "object",
        "properties": {
            "decision": {
                "type": "string",
                "title": "Decision",
                "description": "What pycodex may do.",
                "oneOf": [{"const": d, "title": _LABELS[d]} for d in offered(approval)],
                "default": "approved",
            }
        },
        "required": ["decision"],
    }


def mcp_params(approval: Approval) -> dict[str, Any]:
    """`elicitation/create` params for the standard form."""
    return {"mode": "form", "message": message(approval), "requestedSchema": form_schema(approval)}


def codex_params(approval: Approval, *, request_id: str | int | None) -> dict[str, Any]:
    """`elicitation/create` params in Codex's shape (codex-wire §4)."""
    request = approval.request
    params: dict[str, Any] = {
        "message": message(approval),
        "requestedSchema": {"type": "object", "properties": {}},
        "threadId": approval.thread_id,
        "codex_mcp_tool_call_id": str(request_id) if request_id is not None else "",
        "codex_event_id": approval.turn_id,
        "codex_call_id": request.call_id,
    }
    if isinstance(request, p.ApplyPatchApprovalRequest):
        params |= {
            "codex_elicitation": "patch-approval",
            "codex_changes": {
                path: change.model_dump(mode="json", exclude_none=True) for path, change in request.changes.items()
            },
        }
        if request.grant_root:
            params["codex_grant_root"] = str(Path(request.grant_root))
    else:
        # Codex's hosts know two questions; anything that is not a patch is asked as a command they can show.
        command = _as_command(request)
        params |= {
            "codex_elicitation": "exec-approval",
            "codex_command": list(command),
            "codex_cwd": request.cwd if isinstance(request, p.ExecApprovalRequest) else "",
            "codex_parsed_cmd": [{"type": "unknown", "cmd": command_text(command)}],
        }
    if request.reason:
        params["codex_reason"] = request.reason
    return params


def _as_command(
    request: p.ExecApprovalRequest | p.McpToolCallApprovalRequest | p.NetworkApprovalRequest,
) -> tuple[str, ...]:
    match request:
        case p.ExecApprovalRequest():
            return request.command
        case p.McpToolCallApprovalRequest(invocation=call):
            return (f"{call.server}/{call.tool}", json.dumps(call.arguments, ensure_ascii=False))
        case p.NetworkApprovalRequest():
            return ("connect", _destination(request))


def decision_from_answer(answer: Mapping[str, Any]) -> ReviewDecision:
    """Read an elicitation answer in either shape.

    Codex's form: `{"decision": D}`. The standard form: `accept` with `content.decision` (a plain accept approves
    once), `decline` denies (the model is told and goes on), `cancel` (the person dismissed the question) stops the
    turn. Anything unreadable denies.
    """
    decision = answer.get("decision")
    if isinstance(decision, str) and decision in DECISIONS:
        return decision
    action = answer.get("action")
    if action == "accept":
        content = answer.get("content")
        chosen = cast(Mapping[str, Any], content).get("decision") if isinstance(content, Mapping) else None
        if isinstance(chosen, str) and chosen in DECISIONS:
            return chosen
        return "approved" if chosen is None else "denied"
    if action == "cancel":
        return "abort"
    return "denied"
