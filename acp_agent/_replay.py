"""A recorded thread's history as the `session/update` notifications `session/load` replays.

User and assistant messages become message chunks (images as image blocks), reasoning summaries thought chunks,
commands and patches and other tool calls a finished `tool_call` with the output the model received, and the
latest plan a `plan` update. Messages the harness wrote (environment, AGENTS.md) are not shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, cast

from acp import (
    image_block,
    plan_entry,
    start_tool_call,
    text_block,
    tool_content,
    update_agent_message_text,
    update_agent_thought_text,
    update_plan,
    update_user_message,
    update_user_message_text,
)
from acp.schema import ToolKind

from ._updates import Update, command_title

UserUpdate = Any
_HARNESS_PREFIXES = (
    "# AGENTS.md instructions for",
    "<user_instructions>",
    "<environment_context>",
    "<permissions instructions>",
    "<skill>",
    "<turn_aborted>",
    "<image name=",
    "</image>",
)
_KINDS: dict[str, ToolKind] = {
    "exec_command": "execute",
    "write_stdin": "execute",
    "apply_patch": "edit",
    "view_image": "read",
}


def _parts(item: dict[str, Any]) -> list[dict[str, Any]]:
    content = item.get("content")
    if not isinstance(content, list):
        return []
    return [cast("dict[str, Any]", part) for part in cast("list[Any]", content) if isinstance(part, dict)]


def _user(item: dict[str, Any]) -> Iterator[UserUpdate]:
    for part in _parts(item):
        text = part.get("text")
        if part.get("type") == "input_text" and isinstance(text, str):
            if not text.startswith(_HARNESS_PREFIXES):
                yield update_user_message_text(text)
        elif part.get("type") == "input_image":
            url = str(part.get("image_url", ""))
            head, _, data = url.partition(",")
            if head.startswith("data:") and head.endswith(";base64"):
                yield update_user_message(image_block(data, head[5:-7]))


def _tool_title(name: str, arguments: str) -> tuple[str, ToolKind]:
    kind = _KINDS.get(name, "other")
    try:
        args: Any = json.loads(arguments)
    except ValueError:
        args = None
    if name == "exec_command" and isinstance(args, dict) and isinstance(cast("dict[str, Any]", args).get("cmd"), str):
        return command_title(["bash", "-lc", cast("dict[str, str]", args)["cmd"]]), kind
    if name == "apply_patch":
        return "Edit files", kind
    return name, kind


def history_updates(items: Iterable[dict[str, Any]], plan: list[dict[str, Any]] | None) -> list[Update | UserUpdate]:
    """The updates that show `items` (a thread's history in the Responses shape) and its latest plan."""
    outputs: dict[str, str] = {}
    for item in items:
        if item.get("type") in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            outputs[str(item.get("call_id"))] = output if isinstance(output, str) else json.dumps(output)
    updates: list[Update | UserUpdate] = []
    for item in items:
        kind = item.get("type")
        if kind == "message" and item.get("role") == "user":
            updates.extend(_user(item))
        elif kind == "message" and item.get("role") == "assistant":
            text = "".join(str(part.get("text", "")) for part in _parts(item))
            if text:
                updates.append(update_agent_message_text(text))
        elif kind == "reasoning":
            summary: list[Any] = item.get("summary") or []
            texts = [cast("dict[str, Any]", part).get("text") for part in summary if isinstance(part, dict)]
            updates.extend(update_agent_thought_text(str(text)) for text in texts if text)
        elif kind in ("function_call", "custom_tool_call") and item.get("name") != "update_plan":
            call_id = str(item.get("call_id"))
            name = str(item.get("name"))
            raw = item.get("arguments") if kind == "function_call" else json.dumps({"input": item.get("input")})
            arguments = str(raw)
            title, tool_kind = _tool_title(name, arguments)
            output = outputs.get(call_id)
            updates.append(
                start_tool_call(
                    call_id,
                    title,
                    kind=tool_kind,
                    status="completed",
                    content=[tool_content(text_block(output))] if output else None,
                    raw_input=item.get("arguments") if kind == "function_call" else item.get("input"),
                )
            )
    if plan:
        updates.append(
            update_plan(plan_entry(str(step.get("step", "")), status=step.get("status", "pending")) for step in plan)
        )
    return updates
