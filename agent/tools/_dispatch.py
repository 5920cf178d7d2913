"""Dispatching the model's tool calls to their handlers, and shaping each result as a history item."""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from .._protocol import PlanItem, PlanUpdate
from ._base import RESOURCE_TOOLS, ArgumentError, ToolContext, output_item, resolve_path
from ._exec_sessions import ExecToolError

JsonObject = dict[str, Any]


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
    namespace = call.get("namespace")
    if ctx.mcp is not None and (namespace or name.startswith("mcp__") or name in RESOURCE_TOOLS):
        return await _mcp_call(ctx, call, name, str(namespace) if namespace else None)
    if namespace:
        return output_item(call, f"unsupported call: {namespace}{name}")
    try:
        if call.get("type") == "custom_tool_call":
            if name == "apply_patch":
                from ._patch import run_apply_patch

                return output_item(
                    call, await run_apply_patch(ctx, str(call.get("call_id", "")), str(call.get("input", "")))
                )
            return output_item(call, f"unsupported call: {name}")
        args = _parse_arguments(call)
        handler = _HANDLERS.get(name)
        if handler is None:
            return output_item(call, f"unsupported call: {name}")
        return output_item(call, await handler(ctx, call, args))
    except ArgumentError as exc:
        return output_item(call, str(exc))
    except ExecToolError as exc:
        return output_item(call, str(exc))


async def _mcp_call(ctx: ToolContext, call: JsonObject, name: str, namespace: str | None) -> JsonObject:
    try:
        args = _parse_arguments(call)
    except ArgumentError as exc:
        return output_item(call, str(exc))
    call_id = str(call.get("call_id", ""))
    if namespace is None and name in RESOURCE_TOOLS:
        return output_item(call, await ctx.mcp.resource_call(ctx, call_id, name, args))
    info = ctx.mcp.resolve(name, namespace)
    if info is None:
        return output_item(call, f"unsupported call: {namespace or ''}{name}")
    return output_item(call, await ctx.mcp.call(ctx, call_id, info, args))


async def _exec_command(ctx: ToolContext, call: JsonObject, args: JsonObject) -> str:
    # Loaded on the first command, not before the first model request (it brings execpolicy and apply_patch).
    from ._exec_command import run_exec_command

    return await run_exec_command(ctx, str(call.get("call_id", "")), args)


async def _write_stdin(ctx: ToolContext, call: JsonObject, args: JsonObject) -> str:
    text, _code = await ctx.exec_sessions.write_stdin(args)
    return text


async def _update_plan(ctx: ToolContext, call: JsonObject, args: JsonObject) -> str:
    raw = args.get("plan")
    if not isinstance(raw, list):
        raise ArgumentError("failed to parse function arguments: missing field `plan`")
    try:
        plan = [PlanItem.model_validate(step) for step in raw]  # pyright: ignore[reportUnknownVariableType]
    except ValueError as exc:
        raise ArgumentError(f"failed to parse function arguments: {exc}") from None
    explanation = args.get("explanation")
    ctx.plan[:] = plan
    await ctx.emit(PlanUpdate(explanation=explanation if isinstance(explanation, str) else None, plan=tuple(plan)))
    return "Plan updated"


async def _view_image(ctx: ToolContext, call: JsonObject, args: JsonObject) -> str | list[JsonObject]:
    raw = args.get("path")
    if not isinstance(raw, str):
        raise ArgumentError("failed to parse function arguments: missing field `path`")
    path = resolve_path(ctx.config.cwd, raw)
    try:
        data = await anyio.Path(path).read_bytes()
    except OSError as exc:
        return f"unable to locate image at `{path}`: {exc.strerror} (os error {exc.errno})"
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        return f"`{path}` is not an image ({mime})"
    url = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return [{"type": "input_image", "image_url": url}]


async def _apply_patch_function(ctx: ToolContext, call: JsonObject, args: JsonObject) -> str:
    from ._patch import run_apply_patch

    patch_text = args.get("input")
    if not isinstance(patch_text, str):
        raise ArgumentError("failed to parse function arguments: missing field `input`")
    return await run_apply_patch(ctx, str(call.get("call_id", "")), patch_text)


_Handler = Callable[[ToolContext, JsonObject, JsonObject], Awaitable[str | list[JsonObject]]]
_HANDLERS: dict[str, _Handler] = {
    "exec_command": _exec_command,
    "write_stdin": _write_stdin,
    "update_plan": _update_plan,
    "view_image": _view_image,
    "apply_patch": _apply_patch_function,
}
