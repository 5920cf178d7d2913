"""The OpenAI Responses API wire: the request body in Codex's classic shape, and the streamed events."""

from __future__ import annotations

import json

from .._json import as_int, as_list, as_obj, as_str
from .._protocol import StopReason, TokenUsage
from ._types import JsonObject, ModelResponse, Prompt, StreamSink


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
    if prompt.service_tier:
        body["service_tier"] = prompt.service_tier
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


def usage_from(raw: object) -> TokenUsage | None:
    """Token usage from a `response.completed` payload."""
    usage = as_obj(raw)
    if not usage:
        return None
    return TokenUsage(
        input_tokens=as_int(usage.get("input_tokens")),
        cached_input_tokens=as_int(as_obj(usage.get("input_tokens_details")).get("cached_tokens")),
        output_tokens=as_int(usage.get("output_tokens")),
        reasoning_output_tokens=as_int(as_obj(usage.get("output_tokens_details")).get("reasoning_tokens")),
        total_tokens=as_int(usage.get("total_tokens")),
    )


# `incomplete_details.reason` values that a retry would not change.
_FINAL_STOPS: dict[str, StopReason] = {"max_output_tokens": "max_tokens", "content_filter": "refusal"}


def _incomplete_stop(payload: JsonObject) -> StopReason | None:
    """The stop reason of a `response.incomplete` event whose reason is final (output limit, content filter)."""
    reason = as_str(as_obj(as_obj(payload.get("response")).get("incomplete_details")).get("reason"))
    return _FINAL_STOPS.get(reason)


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
            payload = as_obj(json.loads(data))
        except json.JSONDecodeError as exc:
            raise StreamFailed(f"the model server sent an event that is not JSON ({event_type})") from exc
        kind = as_str(payload.get("type")) or event_type
        if not kind.startswith("response.") and kind != "error":
            # Not a Responses API event at all (a Chat Completions chunk, a proxy's own format): the stream is
            # broken, not an empty answer.
            described = kind or as_str(payload.get("object")) or "an event without a type"
            raise StreamFailed(f"the model server sent an event that is not a Responses API event ({described})")
        if kind == "response.output_text.delta":
            await self._sink.on_text_delta(as_str(payload.get("item_id")), as_str(payload.get("delta")))
        elif kind == "response.reasoning_summary_text.delta":
            await self._sink.on_reasoning_delta(as_str(payload.get("delta")))
        elif kind == "response.reasoning_text.delta":
            await self._sink.on_raw_reasoning_delta(as_str(payload.get("delta")))
        elif kind == "response.output_item.done":
            item = as_obj(payload.get("item"))
            if item:
                self.items.append(dict(item))
        elif kind == "response.completed":
            response = as_obj(payload.get("response"))
            response_id = as_str(response.get("id")) or None
            if not self.items:
                # Some servers only list the output in the completed response.
                self.items.extend(dict(as_obj(item)) for item in as_list(response.get("output")) if as_obj(item))
            self.completed = ModelResponse(self.items, usage_from(response.get("usage")), response_id)
        elif kind == "response.incomplete" and (stop := _incomplete_stop(payload)) is not None:
            # The model stopped short for good (a retry would stop the same way): the turn ends with the reason.
            response = as_obj(payload.get("response"))
            self.completed = ModelResponse(
                self.items, usage_from(response.get("usage")), as_str(response.get("id")) or None, stop
            )
        elif kind in ("response.failed", "response.incomplete", "error"):
            response = as_obj(payload.get("response")) or payload
            error = as_obj(response.get("error"))
            message = as_str(error.get("message")) or (
                "the response was incomplete"
                if kind == "response.incomplete"
                else "the model server reported a failure"
            )
            raise StreamFailed(f"stream disconnected before completion: {message}")

    def finish(self) -> ModelResponse:
        """The response, or `StreamFailed` when the stream ended before `response.completed`."""
        if self.completed is None:
            raise StreamFailed("stream closed before response.completed")
        return self.completed
