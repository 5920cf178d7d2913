"""Dispatching the model's tool calls to their tools, and shaping each result as a history item."""

from __future__ import annotations

import json
from typing import Any

from .._items import output_item
from ._base import ArgumentError, ToolContext
from ._exec_sessions import ExecToolError
from ._images import VIEW_IMAGE_TOOL
from ._patch_tool import APPLY_PATCH_TOOL
from ._plan import UPDATE_PLAN_TOOL
from ._shell import EXEC_COMMAND_TOOL, WRITE_STDIN_TOOL
from ._tool import Tool, ToolCall

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
            request = ToolCall(str(call.get("call_id", "")), name, {}, str(call.get("input", "")))
        else:
            request = ToolCall(str(call.get("call_id", "")), name, _parse_arguments(call))
        return output_item(call, await tool.handler(ctx, request))
    except (ArgumentError, ExecToolError) as exc:
        return output_item(call, str(exc))
