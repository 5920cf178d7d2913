"""Dispatching the model's tool calls to their tools, and shaping each result as a history item."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from .._items import output_item
from .._protocol import ApprovalRequest, ExecApprovalRequest, McpInvocation, McpToolCallApprovalRequest
from ..hooks import blocked_call_text
from ._approvals import ask
from ._auto_review import denial_text
from ._base import ArgumentError, ToolContext, TurnAbort
from ._exec_sessions import ExecToolError
from ._images import VIEW_IMAGE_TOOL
from ._patch_tool import APPLY_PATCH_TOOL
from ._plan import UPDATE_PLAN_TOOL
from ._shell import EXEC_COMMAND_TOOL, WRITE_STDIN_TOOL
from ._tool import Output, Tool, ToolCall

JsonObject = dict[str, Any]


def builtin_tools() -> list[Tool]:
    """The built-in tools in the order Codex's models see them."""
    return [EXEC_COMMAND_TOOL, WRITE_STDIN_TOOL, UPDATE_PLAN_TOOL, APPLY_PATCH_TOOL, VIEW_IMAGE_TOOL]


def _parse_arguments(call: JsonObject) -> JsonObject:
    raw = call.get("arguments")
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ArgumentError(
            f"failed to parse function arguments: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(value, dict):
        raise ArgumentError("failed to parse function arguments: expected a JSON object")
    return value  # pyright: ignore[reportUnknownVariableType]


async def handle_call(ctx: ToolContext, call: JsonObject) -> JsonObject:
    """Run one tool call and return its output item. Raises `TurnAbort` or `TurnFatal` to end the turn."""
    name = str(call.get("name", ""))
    namespace = str(call["namespace"]) if call.get("namespace") else None
    tool = ctx.tools.find(name, namespace)
    freeform = call.get("type") == "custom_tool_call"
    if tool is None or (freeform and not tool.freeform):
        return output_item(call, f"unsupported call: {namespace or ''}{name}")
    try:
        if freeform:
            request = ToolCall(str(call.get("call_id", "")), name, {}, str(call.get("input", "")), namespace)
        else:
            request = ToolCall(str(call.get("call_id", "")), name, _parse_arguments(call), namespace=namespace)
        if ctx.hooks is None:
            return output_item(call, await tool.handler(ctx, request))
        return output_item(call, await _with_hooks(ctx, tool, request))
    except (ArgumentError, ExecToolError) as exc:
        return output_item(call, str(exc))


def _hook_view(call: ToolCall) -> tuple[str, JsonObject]:
    """The tool name and input hooks see: shell commands as `Bash` with `command`, patches with their text, MCP
    tools as `mcp__<server>__<tool>` whether the model called them flat or in their namespace (as Codex names them
    for hooks)."""
    if call.namespace is not None and call.namespace.startswith("mcp__"):
        return f"{call.namespace}__{call.name}", dict(call.arguments)
    if call.name == "exec_command":
        return "Bash", {"command": call.arguments.get("cmd", "")}
    if call.name == "apply_patch":
        return "apply_patch", {"command": call.input if call.input is not None else call.arguments.get("input", "")}
    return call.name, dict(call.arguments)


def _with_input(call: ToolCall, updated: JsonObject) -> ToolCall:
    """`call` with the input a PreToolUse hook rewrote (Claude Code's `updatedInput`)."""
    if call.name == "exec_command" and isinstance(updated.get("command"), str):
        arguments = {k: v for k, v in updated.items() if k != "command"}
        return replace(call, arguments={**call.arguments, **arguments, "cmd": updated["command"]})
    if call.name == "apply_patch" and isinstance(updated.get("command"), str):
        if call.input is not None:
            return replace(call, input=updated["command"])
        return replace(call, arguments={**call.arguments, "input": updated["command"]})
    return replace(call, arguments=dict(updated))


async def _with_hooks(ctx: ToolContext, tool: Tool, call: ToolCall) -> Output:
    """Run `call` between its PreToolUse and PostToolUse hooks."""
    assert ctx.hooks is not None
    tool_name, tool_input = _hook_view(call)
    if ctx.hooks.has("PreToolUse"):
        fields = {"tool_name": tool_name, "tool_input": tool_input, "tool_use_id": call.call_id}
        verdict = await ctx.hooks.fire("PreToolUse", fields, turn_id=ctx.turn_id, subject=tool_name)
        ctx.hook_contexts.extend(verdict.contexts)  # Claude Code's PreToolUse `additionalContext`
        if verdict.stop_reason is not None:
            # `continue: false`: the call does not run, and the turn ends after this round of calls.
            ctx.stop_reason = verdict.stop_reason
            return blocked_call_text(tool_name, verdict.stop_reason, tool_input)
        if verdict.block_reason is not None:
            return blocked_call_text(tool_name, verdict.block_reason or "no reason given", tool_input)
        if verdict.updated_input is not None:
            call = _with_input(call, verdict.updated_input)
            tool_name, tool_input = _hook_view(call)
        if verdict.permission == "allow":
            ctx.preapproved_calls.add(call.call_id)
        elif verdict.permission == "ask":
            decision = await _confirm(ctx, tool, tool_name, tool_input, call)
            if decision == "abort":
                raise TurnAbort
            if decision == "denied":
                return denial_text(ctx, call.call_id, "tool call rejected by user")
            ctx.preapproved_calls.add(call.call_id)  # asked once: the tool's own question is answered
    output = await tool.handler(ctx, call)
    if not ctx.hooks.has("PostToolUse"):
        return output
    response = output if isinstance(output, str) else json.dumps(output)
    fields = {"tool_name": tool_name, "tool_input": tool_input, "tool_response": response, "tool_use_id": call.call_id}
    verdict = await ctx.hooks.fire("PostToolUse", fields, turn_id=ctx.turn_id, subject=tool_name)
    ctx.hook_contexts.extend(verdict.contexts)
    if verdict.stop_reason is not None:
        ctx.stop_reason = verdict.stop_reason
        return verdict.block_reason or verdict.stop_reason or "PostToolUse hook stopped execution"
    if verdict.block_reason is not None:
        return verdict.block_reason
    return output


async def _confirm(ctx: ToolContext, tool: Tool, tool_name: str, tool_input: JsonObject, call: ToolCall) -> str:
    """A PreToolUse hook said "ask" (Claude Code): the call goes through the normal approval flow (PermissionRequest
    hooks, the reviewer, the user), asked as the question the tool itself would ask, whatever the policy would
    have skipped. Under approval "never" nobody can be asked: the call is refused."""
    if ctx.config.approval_policy == "never":
        ctx.reviews.reasons.setdefault(
            call.call_id, "A PreToolUse hook asked for the user's confirmation, and approval_policy is never."
        )
        return "denied"
    request: ApprovalRequest
    if tool_name == "Bash":
        command = str(tool_input.get("command", ""))
        request = ExecApprovalRequest(
            call_id=call.call_id,
            command=(ctx.shell, "-c", command),
            cwd=str(ctx.config.cwd),
            reason="A PreToolUse hook asks you to confirm this command.",
        )
    elif tool.approval == "mcp_tool_call" and tool_name.startswith("mcp__"):
        server, _, name = tool_name.removeprefix("mcp__").partition("__")
        request = McpToolCallApprovalRequest(
            call_id=call.call_id,
            invocation=McpInvocation(server=server, tool=name, arguments=dict(call.arguments)),
            reason="A PreToolUse hook asks you to confirm this tool call.",
        )
    else:
        request = ExecApprovalRequest(
            call_id=call.call_id,
            command=(tool_name, json.dumps(tool_input, ensure_ascii=False)),
            cwd=str(ctx.config.cwd),
            reason="A PreToolUse hook asks you to confirm this call.",
        )
    return await ask(ctx, request, [])
