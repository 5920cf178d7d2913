"""History items: the Responses API shapes the session keeps and sends, and the one set of helpers that build and
read them (every module that needs a message's text or a call's answer uses these)."""

from __future__ import annotations

import base64
import mimetypes
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._json import as_list, as_obj, as_str
from ._protocol import ImageUrlInput, LocalImageInput, TextInput, UserInput

JsonObject = dict[str, Any]


def uuid7() -> str:
    """A new UUIDv7 string: 48-bit millisecond timestamp, version 7, 12 random bits, variant 10, 62 random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


TEXT_PART_TYPES = ("input_text", "output_text", "text")


def message_texts(item: JsonObject) -> list[str]:
    """The text parts of a message item, in order (images left out)."""
    parts = (as_obj(p) for p in as_list(item.get("content")))
    return [as_str(p.get("text")) for p in parts if p.get("type") in TEXT_PART_TYPES]


def message_text(item: JsonObject, separator: str = "") -> str:
    """The text of a message item: its non-empty text parts joined by `separator`.

    Fragments of one answer (an assistant message streamed in parts) join with "" (the default); separate
    paragraphs of a user message, as compaction keeps them, join with "\n".
    """
    return separator.join(t for t in message_texts(item) if t)


def refusal_text(item: JsonObject) -> str:
    """The refusal of an assistant message (its `refusal` content parts, joined); "" when it holds none."""
    if item.get("type") != "message" or item.get("role") != "assistant":
        return ""
    parts = (as_obj(p) for p in as_list(item.get("content")))
    return "".join(as_str(p.get("refusal")) for p in parts if p.get("type") == "refusal")


def reasoning_text(item: JsonObject, *, raw: bool = False) -> str:
    """The summary of a reasoning item, its parts separated by blank lines; with `raw`, its raw reasoning text when
    it has no summary (`show_raw_agent_reasoning`)."""
    texts = [as_str(as_obj(p).get("text")) for p in as_list(item.get("summary"))]
    if raw and not any(texts):
        texts = [as_str(as_obj(p).get("text")) for p in as_list(item.get("content"))]
    return "\n\n".join(t for t in texts if t)


def user_message_item(text: str) -> JsonObject:
    """A user message item with one text part."""
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


USER_INTERRUPTED = "The user interrupted the previous turn before it finished."


def turn_aborted_item(reason: str = USER_INTERRUPTED) -> JsonObject:
    """The note left in history when a turn is cut short (`agents.interrupt_message`), so that the next turn's model
    knows; `reason` says who or what stopped it."""
    text = (
        f"<turn_aborted>\n{reason} Tools and commands it started may have been stopped part-way: check the current "
        "state (files, processes) before relying on that work or repeating it.\n</turn_aborted>"
    )
    return user_message_item(text)


def output_item(call: JsonObject, output: str | list[JsonObject]) -> JsonObject:
    """The history item answering `call`."""
    if call.get("type") == "custom_tool_call":
        return {
            "type": "custom_tool_call_output",
            "id": f"ctco_{uuid7()}",
            "call_id": call.get("call_id"),
            "output": output,
        }
    return {"type": "function_call_output", "id": f"fco_{uuid7()}", "call_id": call.get("call_id"), "output": output}


def is_tool_call(item: JsonObject) -> bool:
    """Whether a model output item asks for a tool to run."""
    return item.get("type") in ("function_call", "custom_tool_call")


def normalise_output_item(item: JsonObject) -> JsonObject:
    """The form in which a model output item goes back into history (as Codex echoes it)."""
    item = dict(item)
    kind = item.get("type")
    if kind in ("function_call", "custom_tool_call"):
        item["status"] = "completed"
    elif kind == "reasoning":
        item.setdefault("summary", [])
        item["content"] = None
    return item


def unanswered_calls(history: list[JsonObject]) -> list[JsonObject]:
    """`aborted` outputs for the tool calls in `history` that have no output (the thread was cut off)."""
    answered = {item.get("call_id") for item in history if str(item.get("type", "")).endswith("_call_output")}
    return [
        output_item(item, "aborted") for item in history if is_tool_call(item) and item.get("call_id") not in answered
    ]


def user_input_item(items: Sequence[UserInput], cwd: Path) -> tuple[JsonObject, str, list[str]]:
    """The history message for user input, its plain text, and the image paths (errors name the bad file)."""
    content: list[JsonObject] = []
    texts: list[str] = []
    images: list[str] = []
    image_number = 0
    for entry in items:
        if isinstance(entry, TextInput):
            content.append({"type": "input_text", "text": entry.text})
            texts.append(entry.text)
        elif isinstance(entry, LocalImageInput):
            image_number += 1
            path = entry.path if entry.path.is_absolute() else cwd / entry.path
            data = path.read_bytes()
            mime = mimetypes.guess_type(path.name)[0] or "image/png"
            content.append({"type": "input_text", "text": f'<image name=[Image #{image_number}] path="{entry.path}">'})
            content.append(
                {
                    "type": "input_image",
                    "image_url": f"data:{mime};base64,{base64.b64encode(data).decode()}",
                    "detail": "original",
                }
            )
            content.append({"type": "input_text", "text": "</image>"})
            images.append(str(entry.path))
        elif isinstance(entry, ImageUrlInput):  # pyright: ignore[reportUnnecessaryIsInstance]
            content.append({"type": "input_image", "image_url": entry.image_url})
            images.append(entry.image_url)
    return {"type": "message", "role": "user", "content": content}, "\n".join(texts), images
