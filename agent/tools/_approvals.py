"""The one approval interface and the one place a question is asked.

Every kind of question (a command, a patch, an MCP tool call, a network destination) is an `ApprovalRequest`, and
every front door answers them all through `ApprovalHandler.request_approval`. Tools never call the handler
directly: `ask` emits the question as an event, remembers "for the session" answers under the keys the tool
names, and skips the question when every key was granted before.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, cast

from .._protocol import (
    ApplyPatchApprovalRequest,
    ApprovalRequest,
    ExecApprovalRequest,
    McpToolCallApprovalRequest,
    NetworkApprovalRequest,
    ReviewDecision,
    Warning,
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
    ruled = _by_hook_rules(ctx, request)
    if ruled is not None:
        return ruled
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
    for note in verdict.notes:
        await ctx.emit(Warning(message=note))
    if verdict.stop_reason is not None:
        ctx.stop_reason = verdict.stop_reason
        ctx.reviews.reasons[request.call_id] = f"A PermissionRequest hook stopped the turn: {verdict.stop_reason}"
        return "denied"
    if verdict.permission == "allow":
        await _add_hook_rules(ctx, verdict.permission_updates)
        return "approved_for_session" if _by_hook_rules(ctx, request) == "approved_for_session" else "approved"
    if verdict.permission == "deny":
        ctx.reviews.reasons[request.call_id] = verdict.permission_message or PERMISSION_HOOK_DENIED
        return "denied"
    return None


async def _add_hook_rules(ctx: ToolContext, updates: list[dict[str, Any]]) -> None:
    """Claude Code's `updatedPermissions`: `addRules` entries with behavior allow or deny hold for the rest of the
    session (pycodex has no Claude Code settings files to write them to). What else they may say is reported."""
    problems: list[str] = []
    for update in updates:
        kind, behavior, rules = update.get("type"), update.get("behavior"), update.get("rules")
        if kind != "addRules" or behavior not in ("allow", "deny") or not isinstance(rules, list):
            problems.append(f"`{kind}` with behavior `{behavior}`")
            continue
        for raw in cast(list[Any], rules):
            rule = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
            tool, content = rule.get("toolName"), rule.get("ruleContent")
            if not isinstance(tool, str) or not (content is None or (isinstance(content, str) and tool == "Bash")):
                problems.append(f"the rule {json.dumps(raw)} (rules name a tool, and a command only for Bash)")
                continue
            ctx.approval_state.hook_rules.append((tool, content, str(behavior)))
        if update.get("destination", "session") != "session":
            problems.append(f"destination `{update.get('destination')}` (the rules hold for this session only)")
    for problem in problems:
        text = f"A PermissionRequest hook's updatedPermissions: {problem} is not supported by pycodex"
        await ctx.emit(Warning(message=text))


def _by_hook_rules(ctx: ToolContext, request: ApprovalRequest) -> ReviewDecision | None:
    """The answer the session's hook-added rules give `request` (deny rules first, as in Claude Code), or None."""
    from ..hooks import tool_alias

    rules = ctx.approval_state.hook_rules
    if not rules:
        return None
    tool_name, tool_input = hook_subject(request)
    names = tool_alias(tool_name)
    command = str(tool_input.get("command", ""))

    def matches(tool: str, content: str | None) -> bool:
        if tool not in names:
            return False
        if content is None:
            return True
        return command.startswith(content[:-2]) if content.endswith(":*") else command == content

    if any(behavior == "deny" and matches(tool, content) for tool, content, behavior in rules):
        ctx.reviews.reasons[request.call_id] = "Denied by a rule a PermissionRequest hook added for this session."
        return "denied"
    if any(behavior == "allow" and matches(tool, content) for tool, content, behavior in rules):
        return "approved_for_session"
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
