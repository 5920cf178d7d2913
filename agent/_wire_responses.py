"""The OpenAI Responses API wire: the request body in Codex's classic shape, and the streamed events."""

from __future__ import annotations

import json
from typing import Any

from ._model_types import JsonObject, ModelResponse, Prompt, StreamSink
from ._protocol import TokenUsage


class StreamFailed(Exception):
    """The stream ended badly (a `response.failed` event or an end without completion); a retry may help."""


def request_body(prompt: Prompt) -> JsonObject:
    """The JSON body of `POST /responses`."""
    body: JsonObject = {
        "model": prompt.model,
        "stream": True,
        "input": prompt.input,
        "tools": prompt.tools,
        "tool_choice": "auto",
        "parallel_tool_calls": prompt.parallel_tool_calls,
    }
    if prompt.reasoning is not None:
        body["reasoning"] = prompt.reasoning
    body["store"] = False
    if prompt.reasoning is not None:
        body["include"] = ["reasoning.encrypted_content"]
    if prompt.prompt_cache_key:
        body["prompt_cache_key"] = prompt.prompt_cache_key
    text: JsonObject = {}
    if prompt.verbosity:
        text["verbosity"] = prompt.verbosity
    if prompt.output_schema is not None:
        text["format"] = {
            "type": "json_schema",
            "strict": True,
            "schema": prompt.output_schema,
            "name": "codex_output_schema",
        }
    if text:
        body["text"] = text
    return body


def usage_from(raw: Any) -> TokenUsage | None:
    """Token usage from a `response.completed` payload."""
    if not isinstance(raw, dict):
        return None
    get: Any = raw.get  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    details: Any = get("input_tokens_details") or {}
    out_details: Any = get("output_tokens_details") or {}
    return TokenUsage(
        input_tokens=int(get("input_tokens") or 0),
        cached_input_tokens=int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,
        output_tokens=int(get("output_tokens") or 0),
        reasoning_output_tokens=int(out_details.get("reasoning_tokens") or 0) if isinstance(out_details, dict) else 0,
        total_tokens=int(get("total_tokens") or 0),
    )


class ResponsesStream:
    """Folds Responses API events into a `ModelResponse`."""

    def __init__(self, sink: StreamSink) -> None:
        self._sink = sink
        self.items: list[JsonObject] = []
        self.completed: ModelResponse | None = None

    async def feed(self, event_type: str, data: str) -> None:
        """Handle one SSE event; raises `StreamFailed` on `response.failed`."""
        if not data or data == "[DONE]":
            return
        try:
            payload: Any = json.loads(data)
        except json.JSONDecodeError as exc:
            raise StreamFailed(f"the model server sent an event that is not JSON ({event_type})") from exc
        if not isinstance(payload, dict):
            return
        kind = str(payload.get("type") or event_type)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        if kind == "response.output_text.delta":
            await self._sink.on_text_delta(str(payload.get("item_id", "")), str(payload.get("delta", "")))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            await self._sink.on_reasoning_delta(str(payload.get("delta", "")))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        elif kind == "response.output_item.done":
            item: Any = payload.get("item")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(item, dict):
                self.items.append(dict(item))  # pyright: ignore[reportUnknownArgumentType]
        elif kind == "response.completed":
            response: Any = payload.get("response") or {}  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            response_id = response.get("id") if isinstance(response, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            usage = usage_from(response.get("usage")) if isinstance(response, dict) else None  # pyright: ignore[reportUnknownMemberType]
            self.completed = ModelResponse(self.items, usage, str(response_id) if response_id else None)
        elif kind in ("response.failed", "response.incomplete", "error"):
            response = payload.get("response") or payload  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            error: Any = response.get("error") if isinstance(response, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            message = "the model server reported a failure"
            if isinstance(error, dict) and error.get("message"):  # pyright: ignore[reportUnknownMemberType]
                message = str(error.get("message"))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            elif kind == "response.incomplete":
                message = "the response was incomplete"
            raise StreamFailed(f"stream disconnected before completion: {message}")

    def finish(self) -> ModelResponse:
        """The response, or `StreamFailed` when the stream ended before `response.completed`."""
        if self.completed is None:
            raise StreamFailed("stream closed before response.completed")
        return self.completed
