"""`view_image`: the model looks at an image file."""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

import anyio

from .._protocol import ViewImageToolCall
from ._base import ArgumentError, ToolContext, resolve_path
from ._tool import Output, Tool, ToolCall

JsonObject = dict[str, Any]

VIEW_IMAGE: JsonObject = {
    "type": "function",
    "name": "view_image",
    "description": "Look at an image file from the local filesystem (a screenshot, a diagram, a rendered plot).",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {"path": {"type": "string", "description": "Path of the image file."}},
        "required": ["path"],
        "additionalProperties": False,
    },
}


async def _view_image(ctx: ToolContext, call: ToolCall) -> Output:
    raw = call.arguments.get("path")
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
    await ctx.emit(ViewImageToolCall(call_id=call.call_id, path=str(path)))
    url = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return [{"type": "input_image", "image_url": url}]


VIEW_IMAGE_TOOL = Tool("view_image", VIEW_IMAGE, _view_image, parallel=True)
