"""The Chat Completions wire for OpenAI-compatible servers (Ollama, LM Studio, vLLM, llama.cpp).

History items in the Responses shape are converted to chat messages; streamed deltas are folded back into
Responses-shaped output items so the turn loop sees one shape whatever the wire.
"""

from __future__ import annotations

import json
from typing import Any

from ._model_types import JsonObject, ModelResponse, Prompt, StreamSink
from ._protocol import TokenUsage
from ._wire_responses import StreamFailed


def _text_parts(content: Any) -> tuple[str, list[JsonObject]]:
    texts: list[str] = []
    parts: list[JsonObject] = []
    has_image = False
    for part in content if isinstance(content, list) else []:  # pyright: ignore[reportUnknownVariableType]
        if not isinstance(part, dict):
            continue
        kind = part.get("type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if kind in ("input_text", "output_text", "text"):
            text = str(part.get("text", ""))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            texts.append(text)
            parts.append({"type": "text", "text": text})
        elif kind == "input_image":
            has_image = True
            parts.append({"type": "image_url", "image_url": {"url": str(part.get("image_url", ""))}})  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
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
            call = {"id": item.get("call_id"), "type": "function",
                    "function": {"name": item.get("name"), "arguments": arguments}}
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
                output, _ = _text_parts(output)
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": str(output)})
    return messages


def to_chat_tools(tools: list[JsonObject]) -> list[JsonObject]:
    """Responses tool definitions as chat `function` tools (freeform tools take one `input` string)."""
    out: list[JsonObject] = []
    for tool in tools:
        if tool.get("type") == "function":
            out.append({"type": "function", "function": {
                "name": tool["name"], "description": tool.get("description", ""),
                "parameters": tool.get("parameters", {"type": "object", "properties": {}})}})
        elif tool.get("type") == "custom":
            out.append({"type": "function", "function": {
                "name": tool["name"], "description": tool.get("description", ""),
                "parameters": {"type": "object", "properties": {"input": {"type": "string"}},
                               "required": ["input"], "additionalProperties": False}}})
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
        body["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "codex_output_schema", "schema": prompt.output_schema, "strict": True}}
    return body


class ChatStream:
    """Folds chat completion chunks into Responses-shaped output items."""

    def __init__(self, sink: StreamSink, freeform_tools: set[str]) -> None:
        self._sink = sink
        self._freeform = freeform_tools
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, JsonObject] = {}
        self._finished = False
        self._usage: TokenUsage | None = None
        self._id: str | None = None

    async def feed(self, event_type: str, data: str) -> None:
        del event_type
        if not data:
            return
        if data.strip() == "[DONE]":
            self._finished = self._finished or bool(self._text or self._calls)
            return
        try:
            payload: Any = json.loads(data)
        except json.JSONDecodeError as exc:
            raise StreamFailed("the model server sent a chunk that is not JSON") from exc
        if not isinstance(payload, dict):
            return
        if payload.get("error"):  # pyright: ignore[reportUnknownMemberType]
            error: Any = payload["error"]
            message = error.get("message") if isinstance(error, dict) else error  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            raise StreamFailed(f"stream disconnected before completion: {message}")
        self._id = self._id or payload.get("id")  # pyright: ignore[reportUnknownMemberType]
        usage: Any = payload.get("usage")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(usage, dict):
            details: Any = usage.get("prompt_tokens_details") or {}  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            self._usage = TokenUsage(
                input_tokens=int(usage.get("prompt_tokens") or 0),  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
                cached_input_tokens=int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
                output_tokens=int(usage.get("completion_tokens") or 0),  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
                total_tokens=int(usage.get("total_tokens") or 0),  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            )
        for choice in payload.get("choices") or []:  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if not isinstance(choice, dict):
                continue
            delta: Any = choice.get("delta") or {}  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(delta, dict):
                await self._feed_delta(delta)  # pyright: ignore[reportUnknownArgumentType]
            if choice.get("finish_reason"):  # pyright: ignore[reportUnknownMemberType]
                self._finished = True

    async def _feed_delta(self, delta: dict[str, Any]) -> None:
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text.append(content)
            await self._sink.on_text_delta("msg_chat", content)
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            self._reasoning.append(reasoning)
            await self._sink.on_reasoning_delta(reasoning)
        for call in delta.get("tool_calls") or []:
            if not isinstance(call, dict):
                continue
            index = int(call.get("index", 0))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            slot = self._calls.setdefault(index, {"call_id": "", "name": "", "arguments": ""})
            if call.get("id"):  # pyright: ignore[reportUnknownMemberType]
                slot["call_id"] = str(call["id"])
            function: Any = call.get("function") or {}  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(function, dict):
                if function.get("name"):  # pyright: ignore[reportUnknownMemberType]
                    slot["name"] += str(function["name"])
                if function.get("arguments"):  # pyright: ignore[reportUnknownMemberType]
                    slot["arguments"] += str(function["arguments"])

    def finish(self) -> ModelResponse:
        if not self._finished:
            raise StreamFailed("stream closed before the response finished")
        items: list[JsonObject] = []
        if self._reasoning:
            items.append({"type": "reasoning", "id": "rs_chat",
                          "summary": [{"type": "summary_text", "text": "".join(self._reasoning)}]})
        if self._text:
            items.append({"type": "message", "id": "msg_chat", "role": "assistant",
                          "content": [{"type": "output_text", "text": "".join(self._text)}]})
        for index in sorted(self._calls):
            slot = self._calls[index]
            call_id = slot["call_id"] or f"call_{index}"
            items.append({"type": "function_call", "id": f"fc_{call_id}", "name": slot["name"],
                          "arguments": slot["arguments"] or "{}", "call_id": call_id})
        return ModelResponse(items, self._usage, self._id)
