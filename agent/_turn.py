"""One turn: ask the model, run the tools it calls, feed the results back, until it answers without calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import anyio

from ._json import as_list, as_obj, as_str
from ._protocol import (
    AgentMessage,
    AgentMessageDelta,
    AgentReasoning,
    AgentReasoningDelta,
    EventMsg,
    StreamError,
    TokenUsage,
)
from .model import JsonObject, Model, ModelResponse, Prompt
from .tools import ToolContext, handle_call, is_tool_call, output_item

Emit = Callable[[EventMsg], Awaitable[None]]
Record = Callable[[list[JsonObject]], None]

# Tools that may run side by side when the model calls several at once; anything else runs one at a time, in order.


@dataclass
class TurnOutcome:
    """How a turn ended."""

    status: Literal["completed", "failed", "aborted"]
    last_agent_message: str | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)
    error: str | None = None


class _Sink:
    def __init__(self, emit: Emit) -> None:
        self._emit = emit

    async def on_text_delta(self, item_id: str, delta: str) -> None:
        await self._emit(AgentMessageDelta(item_id=item_id, delta=delta))

    async def on_reasoning_delta(self, delta: str) -> None:
        await self._emit(AgentReasoningDelta(delta=delta))

    async def on_retry(self, message: str) -> None:
        await self._emit(StreamError(message=message))


def message_text(item: JsonObject) -> str:
    """The text of a message item (its text parts joined)."""
    parts = [as_obj(p) for p in as_list(item.get("content"))]
    return "".join(as_str(p.get("text")) for p in parts if p.get("type") in ("output_text", "input_text", "text"))


def reasoning_text(item: JsonObject) -> str:
    texts = [as_str(as_obj(p).get("text")) for p in as_list(item.get("summary"))]
    return "\n\n".join(t for t in texts if t)


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


async def run_sampling_loop(
    *,
    client: Model,
    build_prompt: Callable[[], Prompt],
    history: list[JsonObject],
    record: Record,
    emit: Emit,
    tools: ToolContext,
    take_pending_input: Callable[[], list[JsonObject]],
    on_usage: Callable[[TokenUsage], Awaitable[None]],
    maybe_compact: Callable[[], Awaitable[None]] | None = None,
) -> str | None:
    """Sample and run tools until the model stops calling them; returns the last assistant message.

    Provider errors propagate (the caller fails the turn); cancellation propagates (the caller aborts it).
    """
    sink = _Sink(emit)
    last_message: str | None = None
    while True:
        response: ModelResponse = await client.stream(build_prompt(), sink)
        items = [normalise_output_item(i) for i in response.items]
        history.extend(items)
        record(items)
        for item in items:
            kind = item.get("type")
            if kind == "reasoning":
                text = reasoning_text(item)
                if text:
                    await emit(AgentReasoning(text=text))
            elif kind == "message" and item.get("role") == "assistant":
                last_message = message_text(item)
                await emit(AgentMessage(message=last_message, phase=item.get("phase")))
        if response.usage is not None:
            await on_usage(response.usage)
        calls = [i for i in items if is_tool_call(i)]
        if not calls:
            pending = take_pending_input()
            if not pending:
                return last_message
            history.extend(pending)
            record(pending)
            continue
        await _run_calls(tools, calls, history, record)
        pending = take_pending_input()
        if pending:
            history.extend(pending)
            record(pending)
        if maybe_compact is not None:
            # Between tool calls, before the follow-up request: the context may have outgrown the limit.
            await maybe_compact()


async def _run_calls(ctx: ToolContext, calls: list[JsonObject], history: list[JsonObject], record: Record) -> None:
    """Run the calls and append their outputs to history, in call order, however the calls end.

    If the turn is interrupted, calls that did not finish are answered with `aborted`: every call in history must
    have an answer, or the next request (after a resume) would be rejected by the API.
    """
    results: list[JsonObject | None] = [None] * len(calls)
    try:
        if len(calls) > 1 and ctx.tools.all_parallel([str(c.get("name")) for c in calls]):
            async with anyio.create_task_group() as tg:
                for index, call in enumerate(calls):
                    tg.start_soon(_run_one, ctx, call, results, index)
        else:
            for index, call in enumerate(calls):
                await _run_one(ctx, call, results, index)
    finally:
        outputs = [r if r is not None else output_item(c, "aborted") for r, c in zip(results, calls, strict=True)]
        history.extend(outputs)
        record(outputs)


async def _run_one(ctx: ToolContext, call: JsonObject, results: list[JsonObject | None], index: int) -> None:
    results[index] = await handle_call(ctx, call)
