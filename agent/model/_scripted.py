"""A model driven by a script, for testing the engine in-process (no HTTP, no subprocess).

`ScriptedModel` answers each prompt with the next reply of a list, or with what a function returns for the prompt
(like pydantic-ai's `FunctionModel`); every prompt it was sent is kept in `prompts` for assertions. Replies are
built with `reply(...)` from output items made by `text`, `reasoning`, `function_call` and `custom_call`, in the
Responses API's shape. The loopback SSE server in tests/ stays the proof for the wires; this is for the bulk of the
turn loop, tool dispatch and approval tests.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .._items import uuid7
from .._protocol import TokenUsage
from ..errors import ProviderError
from ._types import ModelResponse, Prompt, StreamSink

JsonObject = dict[str, Any]
Reply = ModelResponse | BaseException
"""A response, or an error the model "raises" (a `ProviderError` fails the turn as a real one would)."""
ScriptFunction = Callable[[Prompt], Reply | Awaitable[Reply]]


class ScriptedModel:
    """A `Model` whose answers come from a list of replies or from a function of the prompt."""

    def __init__(self, script: Sequence[Reply] | ScriptFunction) -> None:
        self._replies = None if callable(script) else list(script)
        self._function = script if callable(script) else None
        self.prompts: list[Prompt] = []

    async def stream(self, prompt: Prompt, sink: StreamSink) -> ModelResponse:
        # The session passes its live history: keep what this request carried, not what the list becomes.
        prompt = dataclasses.replace(prompt, input=list(prompt.input))
        self.prompts.append(prompt)
        reply = await self._next(prompt)
        if isinstance(reply, BaseException):
            raise reply
        for item in reply.items:
            if item.get("type") == "message":
                for part in item.get("content", []):
                    if part.get("type") == "output_text" and part.get("text"):
                        await sink.on_text_delta(str(item.get("id", "")), part["text"])
            elif item.get("type") == "reasoning":
                for part in item.get("summary", []):
                    await sink.on_reasoning_delta(part.get("text", ""))
        return reply

    async def _next(self, prompt: Prompt) -> Reply:
        if self._function is not None:
            result = self._function(prompt)
            return await result if inspect.isawaitable(result) else result
        assert self._replies is not None
        if not self._replies:
            return ProviderError(f"the scripted model has no reply left for request {len(self.prompts)}")
        return self._replies.pop(0)


def reply(*items: JsonObject, usage: TokenUsage | None = None) -> ModelResponse:
    """A completed response made of `items` (default usage: 10 tokens in, 5 out)."""
    used = usage if usage is not None else TokenUsage(input_tokens=10, output_tokens=5, total_tokens=15)
    return ModelResponse(items=list(items), usage=used, response_id=f"resp_{uuid7()}")


def text(message: str, *, phase: str | None = None) -> JsonObject:
    """An assistant message."""
    item: JsonObject = {
        "type": "message",
        "id": f"msg_{uuid7()}",
        "role": "assistant",
        "content": [{"type": "output_text", "text": message}],
    }
    if phase is not None:
        item["phase"] = phase
    return item


def reasoning(summary: str) -> JsonObject:
    """A reasoning item with one summary part."""
    return {"type": "reasoning", "id": f"rs_{uuid7()}", "summary": [{"type": "summary_text", "text": summary}]}


def function_call(name: str, arguments: JsonObject | str, *, call_id: str | None = None) -> JsonObject:
    """A call to a function tool (`arguments` as an object, or raw text to test malformed arguments)."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "type": "function_call",
        "id": f"fc_{uuid7()}",
        "call_id": call_id or f"call_{uuid7()}",
        "name": name,
        "arguments": raw,
    }


def custom_call(name: str, input: str, *, call_id: str | None = None) -> JsonObject:
    """A call to a freeform tool (`apply_patch` on the Responses wire)."""
    return {
        "type": "custom_tool_call",
        "id": f"ctc_{uuid7()}",
        "call_id": call_id or f"call_{uuid7()}",
        "name": name,
        "input": input,
    }
