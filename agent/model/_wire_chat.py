"""The Chat Completions wire for OpenAI-compatible servers (Ollama, LM Studio, vLLM, llama.cpp).

History items in the Responses shape are converted to chat messages; streamed deltas are folded back into
Responses-shaped output items so the turn loop sees one shape whatever the wire.
"""

from __future__ import annotations

import json

from .._json import as_int, as_list, as_obj, as_str
from .._protocol import StopReason, TokenUsage
from ._types import JsonObject, ModelResponse, Prompt, StreamSink
from ._wire_responses import StreamFailed


def _text_parts(content: object) -> tuple[str, list[JsonObject]]:
    texts: list[str] = []
    parts: list[JsonObject] = []
    has_image = False
    for raw in as_list(content):
        part = as_obj(raw)
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            text = as_str(part.get("text"))
            texts.append(text)
            parts.append({"type": "text", "text": text})
        elif kind == "input_image":
            has_image = True
            parts.append({"type": "image_url", "image_url": {"url": as_str(part.get("image_url"))}})
    return "\n".join(texts), (parts if has_image else [])


def to_messages(items: list[JsonObject]) -> list[JsonObject]:
    """Convert Responses-shaped history into chat messages."""
    messages: list[JsonObject] = []
    for item in items:
        kind = item.get("type")
        if kind == "message":
            role = str(item.get("role", "user"))
            text, parts = _text_parts(item.get("content"))
            if role == "developer":
                role = "system"
            if role == "assistant":
                messages.append({"role": "assistant", "content": text})
            else:
                messages.append({"role": role, "content": parts or text})
        elif kind in ("function_call", "custom_tool_call"):
            if kind == "function_call":
                arguments = str(item.get("arguments", ""))
            else:
                arguments = json.dumps({"input": item.get("input", "")})
            call = {
                "id": item.get("call_id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": arguments},
            }
            last = messages[-1] if messages else None
            if last is not None and last.get("role") == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            elif last is not None and last.get("role") == "assistant" and not last.get("content"):
                last["tool_calls"] = [call]
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output", "")
            if isinstance(output, list):
                output, _ = _text_parts(output)  # pyright: ignore[reportUnknownArgumentType]
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": str(output)})
    return messages


def to_chat_tools(tools: list[JsonObject]) -> list[JsonObject]:
    """Responses tool definitions as chat `function` tools (freeform tools take one `input` string)."""
    out: list[JsonObject] = []
    for tool in tools:
        if tool.get("type") == "function":
            out.append(
                {
                    "type": "function",
                    "function": {
                        "name": tool["name"],
                        "description": tool.get("description", ""),
                        "parameters": tool.get("parameters", {"type": "object", "properties": {}}),
                    },
                }
            )
        elif tool.get("type") == "custom":
            out.append(
                {
                    "type": "function",
                    "function": {
                        "name": tool["name"],
                        "description": tool.get("description", ""),
                        "parameters": {
                            "type": "object",
                            "properties": {"input": {"type": "string"}},
                            "required": ["input"],
                            "additionalProperties": False,
                        },
                    },
                }
            )
    return out


def request_body(prompt: Prompt) -> JsonObject:
    """The JSON body of `POST /chat/completions`."""
    body: JsonObject = {
        "model": prompt.model,
        "messages": to_messages(prompt.input),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    tools = to_chat_tools(prompt.tools)
    if tools:
        body["tools"] = tools
        body["tool_choice"] = "auto"
        body["parallel_tool_calls"] = prompt.parallel_tool_calls
    if prompt.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "codex_output_schema", "schema": prompt.output_schema, "strict": True},
        }
    return body


# Finish reasons that end the turn short (the answer is cut at the output limit, or filtered).
_FINAL_STOPS: dict[str, StopReason] = {"length": "max_tokens", "content_filter": "refusal"}


class ChatStream:
    """Folds chat completion chunks into Responses-shaped output items."""

    def __init__(self, sink: StreamSink) -> None:
        self._sink = sink
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, JsonObject] = {}
        self._finished = False
        self._usage: TokenUsage | None = None
        self._id: str | None = None
        self._stop: StopReason | None = None

    async def feed(self, event_type: str, data: str) -> None:
        del event_type
        if not data:
            return
        if data.strip() == "[DONE]":
            self._finished = self._finished or bool(self._text or self._calls)
            return
        try:
            payload = as_obj(json.loads(data))
        except json.JSONDecodeError as exc:
            raise StreamFailed("the model server sent a chunk that is not JSON") from exc
        if payload.get("error"):
            error = payload["error"]
            message = as_str(as_obj(error).get("message")) or as_str(error)
            raise StreamFailed(f"stream disconnected before completion: {message}")
        if "choices" not in payload and "usage" not in payload:
            described = as_str(payload.get("type")) or as_str(payload.get("object")) or "a chunk without choices"
            raise StreamFailed(f"the model server sent a chunk that is not a Chat Completions chunk ({described})")
        self._id = self._id or as_str(payload.get("id")) or None
        usage = as_obj(payload.get("usage"))
        if usage:
            self._usage = TokenUsage(
                input_tokens=as_int(usage.get("prompt_tokens")),
                cached_input_tokens=as_int(as_obj(usage.get("prompt_tokens_details")).get("cached_tokens")),
                output_tokens=as_int(usage.get("completion_tokens")),
                total_tokens=as_int(usage.get("total_tokens")),
            )
        for raw_choice in as_list(payload.get("choices")):
            choice = as_obj(raw_choice)
            await self._feed_delta(as_obj(choice.get("delta")))
            if finish := choice.get("finish_reason"):
                self._finished = True
                self._stop = _FINAL_STOPS.get(as_str(finish)) or self._stop

    async def _feed_delta(self, delta: JsonObject) -> None:
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text.append(content)
            await self._sink.on_text_delta("msg_chat", content)
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            self._reasoning.append(reasoning)
            await self._sink.on_reasoning_delta(reasoning)
        for raw_call in as_list(delta.get("tool_calls")):
            call = as_obj(raw_call)
            index = as_int(call.get("index"))
            slot = self._calls.setdefault(index, {"call_id": "", "name": "", "arguments": ""})
            if call.get("id"):
                slot["call_id"] = as_str(call.get("id"))
            function = as_obj(call.get("function"))
            slot["name"] += as_str(function.get("name"))
            slot["arguments"] += as_str(function.get("arguments"))

    def finish(self) -> ModelResponse:
        if not self._finished:
            raise StreamFailed("stream closed before the response finished")
        items: list[JsonObject] = []
        if self._reasoning:
            items.append(
                {
                    "type": "reasoning",
                    "id": "rs_chat",
                    "summary": [{"type": "summary_text", "text": "".join(self._reasoning)}],
                }
            )
        if self._text:
            items.append(
                {
                    "type": "message",
                    "id": "msg_chat",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "".join(self._text)}],
                }
            )
        for index in sorted(self._calls):
            slot = self._calls[index]
            call_id = slot["call_id"] or f"call_{index}"
            items.append(
                {
                    "type": "function_call",
                    "id": f"fc_{call_id}",
                    "name": slot["name"],
                    "arguments": slot["arguments"] or "{}",
                    "call_id": call_id,
                }
            )
        return ModelResponse(items, self._usage, self._id, self._stop)
