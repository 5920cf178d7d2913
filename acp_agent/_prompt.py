"""A `session/prompt`'s content blocks as the engine's user input.

Text is text; an image becomes a data URL; a resource link becomes a mention the model can open itself
(`[@name](uri)`); an embedded text resource is given inline, wrapped in a `<context>` tag naming its URI; an
embedded image blob is an image. Audio is not offered (promptCapabilities.audio is false) and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acp.schema import (
    AudioContentBlock,
    BlobResourceContents,
    EmbeddedResourceContentBlock,
    ImageContentBlock,
    ResourceContentBlock,
    TextContentBlock,
    TextResourceContents,
)

import agent

from .errors import invalid_params

Block = TextContentBlock | ImageContentBlock | AudioContentBlock | ResourceContentBlock | EmbeddedResourceContentBlock


def _image(data: str, mime_type: str | None, where: str) -> agent.ImageUrlInput:
    if not mime_type or not mime_type.startswith("image/"):
        raise invalid_params(f"{where}: an image needs an image/* mimeType, got {mime_type!r}")
    if not data:
        raise invalid_params(f"{where}: the image has no data")
    return agent.ImageUrlInput(image_url=f"data:{mime_type};base64,{data}")


def _embedded(resource: TextResourceContents | BlobResourceContents, where: str) -> agent.UserInput:
    if isinstance(resource, TextResourceContents):
        return agent.TextInput(text=f'<context ref="{resource.uri}">\n{resource.text}\n</context>')
    if resource.mime_type and resource.mime_type.startswith("image/"):
        return _image(resource.blob, resource.mime_type, where)
    return agent.TextInput(text=f"[binary resource {resource.uri} ({resource.mime_type or 'unknown type'}) omitted]")


def user_input(blocks: Sequence[Block | Any]) -> list[agent.UserInput]:
    """The engine's input for these blocks.

    Raises:
        acp.RequestError: an empty prompt, audio, or an image without an image type or data (invalid params).
    """
    items: list[agent.UserInput] = []
    for index, block in enumerate(blocks):
        where = f"prompt[{index}]"
        match block:
            case TextContentBlock():
                items.append(agent.TextInput(text=block.text))
            case ImageContentBlock():
                items.append(_image(block.data, block.mime_type, where))
            case ResourceContentBlock():
                items.append(agent.TextInput(text=f"[@{block.name}]({block.uri})"))
            case EmbeddedResourceContentBlock():
                items.append(_embedded(block.resource, where))
            case AudioContentBlock():
                raise invalid_params(f"{where}: audio is not supported by pycodex (promptCapabilities.audio is false)")
            case _:
                raise invalid_params(f"{where}: unsupported content block {type(block).__name__}")
    if not items:
        raise invalid_params("prompt: give at least one content block")
    return items
