"""What the turn loop asks of a model and what it gets back, independent of the wire."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._protocol import StopReason, TokenUsage

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Prompt:
    """One model request: the history, the tools, and the per-request knobs."""

    model: str
    input: list[JsonObject]
    tools: list[JsonObject]
    parallel_tool_calls: bool = True
    reasoning: JsonObject | None = None
    verbosity: str | None = None
    output_schema: JsonObject | None = None
    prompt_cache_key: str | None = None
    service_tier: str | None = None
    extra_headers: dict[str, str] = field(default_factory=lambda: {})


@dataclass
class ModelResponse:
    """The completed response: output items in order, and token usage."""

    items: list[JsonObject]
    usage: TokenUsage | None
    response_id: str | None = None
    stop_reason: StopReason | None = None
    """The model stopped short: its output token limit (`max_tokens`) or its content filter (`refusal`)."""


class StreamSink(Protocol):
    """Receives what a response streams as it arrives."""

    async def on_text_delta(self, item_id: str, delta: str) -> None: ...

    async def on_reasoning_delta(self, delta: str) -> None: ...

    async def on_raw_reasoning_delta(self, delta: str) -> None:
        """The model's raw reasoning text (not its summary), which front doors show only when asked to."""
        ...

    async def on_retry(self, message: str) -> None: ...


class Model(Protocol):
    """Anything that answers a prompt: a provider's HTTP client, or a scripted model in tests."""

    async def stream(self, prompt: Prompt, sink: StreamSink) -> ModelResponse:
        """Send `prompt`, report what streams in to `sink`, and return the completed response.

        Raises `ProviderError` (or a subclass) when the model cannot answer.
        """
        ...


RetryNotice = Callable[[str], Awaitable[None]]


class NullSink:
    """A sink that ignores everything."""

    async def on_text_delta(self, item_id: str, delta: str) -> None:
        return None

    async def on_reasoning_delta(self, delta: str) -> None:
        return None

    async def on_raw_reasoning_delta(self, delta: str) -> None:
        return None

    async def on_retry(self, message: str) -> None:
        return None
