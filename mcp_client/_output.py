"""What the model and the exec JSONL see of MCP results (codex-wire.md §2.1 and §2.2).

* A tool result with `structuredContent` becomes one string: `Wall time: <s> seconds\\nOutput:\\n<compact JSON>`.
* Any other result becomes a list of Responses input items: first `Wall time: <s> seconds\\nOutput:` as text,
  then one item per content block (text as text, images as `data:` URLs, anything else as its compact JSON).
  An `isError` result has the same shape; the caller marks the call as failed.
* Resource listings and reads are compact JSON strings shaped as Codex's `list_mcp_resources`,
  `list_mcp_resource_templates` and `read_mcp_resource` return them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

import mcp.types as types
from pydantic import BaseModel


class InputText(TypedDict):
    """A Responses `input_text` content item."""

    type: Literal["input_text"]
    text: str


class InputImage(TypedDict):
    """A Responses `input_image` content item."""

    type: Literal["input_image"]
    image_url: str


ModelContentItem = InputText | InputImage
McpModelOutput = str | list[ModelContentItem]
"""The `output` of the `function_call_output` the model gets for an MCP tool call."""


def compact_json(value: Any) -> str:
    """JSON the way Codex writes it to the model: no spaces, non-ASCII kept as is, key order kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def format_wall_time(seconds: float) -> str:
    """`Wall time: 0.0084 seconds` (four decimals, as Codex prints it)."""
    return f"Wall time: {seconds:.4f} seconds"


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _content_item(block: types.ContentBlock) -> ModelContentItem:
    if isinstance(block, types.TextContent):
        return {"type": "input_text", "text": block.text}
    if isinstance(block, types.ImageContent):
        return {"type": "input_image", "image_url": f"data:{block.mime_type};base64,{block.data}"}
    return {"type": "input_text", "text": compact_json(_dump(block))}


def tool_result_to_model_output(result: types.CallToolResult, wall_time_sec: float) -> McpModelOutput:
    """The `function_call_output.output` for an MCP tool result that took `wall_time_sec` seconds."""
    header = format_wall_time(wall_time_sec)
    if result.structured_content is not None:
        return f"{header}\nOutput:\n{compact_json(result.structured_content)}"
    items: list[ModelContentItem] = [{"type": "input_text", "text": f"{header}\nOutput:"}]
    items.extend(_content_item(block) for block in result.content)
    return items


def tool_result_to_item_result(result: types.CallToolResult) -> dict[str, Any]:
    """The `result` of an exec-JSONL `mcp_tool_call` item: `{"content": [...], "structured_content": ...}`."""
    return {
        "content": [_dump(block) for block in result.content],
        "structured_content": result.structured_content,
    }


_RESOURCE_KEYS = ("uri", "uriTemplate", "name", "title", "description", "mimeType", "size")


def _ordered(server: str, model: BaseModel) -> dict[str, Any]:
    raw = _dump(model)
    ordered: dict[str, Any] = {"server": server}
    for key in _RESOURCE_KEYS:
        if key in raw:
            ordered[key] = raw.pop(key)
    ordered.update(raw)
    return ordered


def resources_payload(
    by_server: Mapping[str, Sequence[types.Resource]], *, server: str | None = None, next_cursor: str | None = None
) -> dict[str, Any]:
    """`{"server"?, "resources": [{"server", "uri", "name", ...}], "nextCursor"?}`, servers in name order."""
    payload: dict[str, Any] = {} if server is None else {"server": server}
    payload["resources"] = [_ordered(name, item) for name in sorted(by_server) for item in by_server[name]]
    if next_cursor is not None:
        payload["nextCursor"] = next_cursor
    return payload


def resource_templates_payload(
    by_server: Mapping[str, Sequence[types.ResourceTemplate]],
    *,
    server: str | None = None,
    next_cursor: str | None = None,
) -> dict[str, Any]:
    """`{"server"?, "resourceTemplates": [{"server", "uriTemplate", "name", ...}], "nextCursor"?}`."""
    payload: dict[str, Any] = {} if server is None else {"server": server}
    payload["resourceTemplates"] = [_ordered(name, item) for name in sorted(by_server) for item in by_server[name]]
    if next_cursor is not None:
        payload["nextCursor"] = next_cursor
    return payload


def read_resource_payload(server: str, uri: str, result: types.ReadResourceResult) -> dict[str, Any]:
    """`{"server", "uri", "contents": [...]}`."""
    return {"server": server, "uri": uri, "contents": [_dump(c) for c in result.contents]}
