"""The one approval interface and the one place a question is asked.

Every kind of question (a command, a patch, an MCP tool call, a network destination) is an `ApprovalRequest`, and
every front door answers them all through `ApprovalHandler.request_approval`. Tools never call the handler
directly: `ask` emits the question as an event, remembers "for the session" answers under the keys the tool
names, and skips the question when every key was granted before.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from .._protocol import (
    ApplyPatchApprovalRequest,
    ApprovalRequest,
    ExecApprovalRequest,
    McpToolCallApprovalRequest,
    NetworkApprovalRequest,
    ReviewDecision,
)
from ._auto_review import review, reviewer_enabled

if TYPE_CHECKING:
    from ._base import ToolContext


class ApprovalHandler(Protocol):
    """Asks someone whether the agent may do something, and returns their decision."""

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision: ...


class RejectingApprovals:
    """Nobody to ask (headless): every request is denied, and the denial is reported to the model."""

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        return "denied"


async def ask(ctx: ToolContext, request: ApprovalRequest, keys: Iterable[str]) -> ReviewDecision:
    """Ask about `request` unless all of `keys` were approved for the session; remember such an approval.

    The keys say what an "approved for the session" answer covers (an exact command, each file of a patch, an MCP
    tool); they are namespaced by the request's kind so that a command and a file can never share one.
    """
    granted = ctx.approval_state.granted
    scoped = [f"{request.type}:{key}" for key in keys]
    if scoped and all(key in granted for key in scoped):
        return "approved_for_session"
    if request.call_id in ctx.preapproved_calls:
        return "approved"
    if ctx.hooks is not None and ctx.hooks.has("PermissionRequest"):
        decision = await _ask_hooks(ctx, request)
        if decision is not None:
            if decision == "approved_for_session":
                granted.update(scoped)
            return decision
    if reviewer_enabled(ctx):
        return await review(ctx, request)  # the automatic reviewer answers instead of the user
    await ctx.emit(request)
    decision = await ctx.approvals.request_approval(request, ctx.turn_id)
    if decision == "approved_for_session":
        granted.update(scoped)
    return decision


PERMISSION_HOOK_DENIED = "PermissionRequest hook denied approval"
"""What the model is told when a PermissionRequest hook denies without a `message` (Codex's default)."""


async def _ask_hooks(ctx: ToolContext, request: ApprovalRequest) -> ReviewDecision | None:
    """PermissionRequest hooks may answer for the user: allow (for the session, with `updatedPermissions`) or deny
    (the model is told the hook's `message`). `continue: false`, or a deny with `interrupt: true` as in Claude Code,
    also ends the turn after this round of calls."""
    assert ctx.hooks is not None
    tool_name, tool_input = hook_subject(request)
    verdict = await ctx.hooks.fire(
        "PermissionRequest",
        {"tool_name": tool_name, "tool_input": tool_input},
        turn_id=ctx.turn_id,
        subject=tool_name,
    )
    if verdict.stop_reason is not None:
        ctx.stop_reason = verdict.stop_reason
        ctx.reviews.reasons[request.call_id] = f"A PermissionRequest hook stopped the turn: {verdict.stop_reason}"
        return "denied"
    if verdict.permission == "allow":
        return "approved_for_session" if verdict.remember else "approved"
    if verdict.permission == "deny":
        ctx.reviews.reasons[request.call_id] = verdict.permission_message or PERMISSION_HOOK_DENIED
        return "denied"
    return None


def hook_subject(request: ApprovalRequest) -> tuple[str, dict[str, Any]]:
    """The tool name and input hooks see for a question (Codex's shapes: `Bash` with `command`, MCP arguments)."""
    match request:
        case ExecApprovalRequest():
            command = (
                shlex.join(request.command[2:]) if request.command[1:2] == ("-c",) else shlex.join(request.command)
            )
            if request.command[1:2] == ("-c",) and len(request.command) == 3:
                command = request.command[2]
            return "Bash", {"command": command, "description": request.reason}
        case ApplyPatchApprovalRequest():
            return "apply_patch", {"command": "", "files": sorted(request.changes)}
        case McpToolCallApprovalRequest(invocation=call):
            return f"mcp__{call.server}__{call.tool}", dict(call.arguments or {})
        case NetworkApprovalRequest():
            return "network", {"host": request.host, "port": request.port, "method": request.method}
