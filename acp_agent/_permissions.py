"""Approvals as `session/request_permission`: what the client is shown, and what its answer means to the engine.

Every kind of approval the engine asks for is described in `describe` (one `match`: a new kind is one more case);
the four ACP options map to pycodex decisions in `decision_for`:

    allow once     → approved
    allow always   → approved_for_session (the engine stops asking for that command or those files)
    reject once    → denied (the model is told and carries on)
    reject always  → denied, and the same request is denied without asking for the rest of the session
    cancelled      → abort (the turn stops; the client sends this after session/cancel)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, assert_never

from acp import text_block, tool_content
from acp.schema import (
    AllowedOutcome,
    DeniedOutcome,
    PermissionOption,
    RequestPermissionResponse,
    ToolCallLocation,
    ToolCallUpdate,
)

from agent import ReviewDecision
from agent import protocol as p

from ._diff import diff_blocks
from ._updates import command_title

ApprovalRequest = (
    p.ExecApprovalRequest | p.ApplyPatchApprovalRequest | p.McpToolCallApprovalRequest | p.NetworkApprovalRequest
)
OptionId = Literal["allow_once", "allow_always", "reject_once", "reject_always"]

OPTIONS: tuple[PermissionOption, ...] = (
    PermissionOption(option_id="allow_once", name="Allow once", kind="allow_once"),
    PermissionOption(option_id="allow_always", name="Allow for this session", kind="allow_always"),
    PermissionOption(option_id="reject_once", name="Reject", kind="reject_once"),
    PermissionOption(option_id="reject_always", name="Reject for this session", kind="reject_always"),
)

_DECISIONS: dict[str, ReviewDecision] = {
    "allow_once": "approved",
    "allow_always": "approved_for_session",
    "reject_once": "denied",
    "reject_always": "denied",
}


@dataclass(frozen=True)
class Ask:
    """One permission question: the tool call shown to the person, and the key a "reject always" remembers."""

    tool_call: ToolCallUpdate
    key: tuple[str, ...]


def describe(request: ApprovalRequest) -> Ask:
    """The tool call a permission request shows for an engine approval request."""
    match request:
        case p.ExecApprovalRequest():
            content: list[Any] = [tool_content(text_block(request.reason))] if request.reason else []
            return Ask(
                ToolCallUpdate(
                    tool_call_id=request.call_id,
                    title=command_title(request.command),
                    kind="execute",
                    status="pending",
                    content=content or None,
                    raw_input={"command": list(request.command), "cwd": request.cwd},
                ),
                key=("exec", *request.command),
            )
        case p.ApplyPatchApprovalRequest():
            paths = list(request.changes)
            reason = [tool_content(text_block(request.reason))] if request.reason else []
            return Ask(
                ToolCallUpdate(
                    tool_call_id=request.call_id,
                    title="Edit " + ", ".join(paths),
                    kind="edit",
                    status="pending",
                    content=[*reason, *diff_blocks(request.changes)],
                    locations=[ToolCallLocation(path=path) for path in paths],
                ),
                key=("patch", *sorted(paths)),
            )
        case p.McpToolCallApprovalRequest():
            invocation = request.invocation
            return Ask(
                ToolCallUpdate(
                    tool_call_id=request.call_id,
                    title=f"{invocation.server}: {invocation.tool}",
                    kind="other",
                    status="pending",
                    content=[tool_content(text_block(request.reason))] if request.reason else None,
                    raw_input=invocation.arguments,
                ),
                key=("mcp", invocation.server, invocation.tool),
            )
        case p.NetworkApprovalRequest():
            where = request.host + (f":{request.port}" if request.port else "")
            what = f"{request.method} " if request.method else ""
            text = (
                f"Allow network access to {request.protocol}://{where}? ({what}{request.reason or 'not in the policy'})"
            )
            return Ask(
                # The command that wants the network is the tool call the question belongs to.
                ToolCallUpdate(
                    tool_call_id=request.call_id,
                    title=f"Network access to {where}",
                    kind="fetch",
                    status="pending",
                    content=[tool_content(text_block(text))],
                ),
                key=("network", request.protocol, where),
            )
        case _:
            assert_never(request)


def decision_for(response: RequestPermissionResponse) -> tuple[ReviewDecision, bool]:
    """The engine's decision for the client's answer, and whether to deny the same request from now on."""
    outcome = response.outcome
    if isinstance(outcome, DeniedOutcome):
        return "abort", False
    assert isinstance(outcome, AllowedOutcome)
    decision = _DECISIONS.get(outcome.option_id)
    if decision is None:
        # An option we did not offer: nobody said yes.
        return "denied", False
    return decision, outcome.option_id == "reject_always"
