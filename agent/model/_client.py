"""Streaming model requests with retries: the one place where HTTP and its exceptions are handled.

Two nested loops, as in Codex. Request retries (`request_max_retries`) are silent and cover connection failures and
5xx answers. Stream retries (`stream_max_retries`) cover a stream that dropped, a `response.failed` event, an idle
stream, rate limiting and exhausted request retries; each is announced to the sink as `Reconnecting... k/n (why)`.
Backoff is exponential with jitter; `Retry-After` is honoured exactly. 400-class answers fail at once with a
message that says what to fix.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import anyio
import httpx2

from ..config import ProviderInfo
from ..errors import ProviderAuthError, ProviderRequestError, ProviderUnavailableError
from ._auth_command import CommandToken
from ._types import ModelResponse, Prompt, StreamSink
from ._wire_chat import ChatStream
from ._wire_chat import request_body as chat_body
from ._wire_responses import ResponsesStream, StreamFailed
from ._wire_responses import request_body as responses_body

BASE_BACKOFF_S = 0.2
MAX_BACKOFF_S = 30.0
USER_AGENT = "pycodex/0.1.0"


def backoff(attempt: int) -> float:
    """Delay before retry number `attempt` (1-based): 0.2 s doubling, with ±10% jitter."""
    delay = min(BASE_BACKOFF_S * (2 ** (attempt - 1)), MAX_BACKOFF_S)
    return delay * random.uniform(0.9, 1.1)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _status_text(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


@dataclass
class _Retryable(Exception):
    reason: str
    retry_after: float | None = None
    final_message: str | None = None


class ModelClient:
    """Sends prompts to one provider and streams the responses back."""

    def __init__(
        self,
        provider: ProviderInfo,
        http: httpx2.AsyncClient,
        *,
        env: Mapping[str, str] | None = None,
        session_id: str | None = None,
        originator: str = "pycodex_exec",
    ) -> None:
        self.provider = provider
        self._http = http
        self._env = env
        self._session_id = session_id
        self._originator = originator
        # A provider's auth command is run before the first request (and again after a 401); a key is resolved
        # now, so that a missing key fails before any request.
        self._command_token = (
            None if provider.auth_command is None else CommandToken(provider.auth_command, provider.id)
        )
        self._api_key = None if self._command_token is not None else provider.api_key(env)

    def _headers(self, prompt: Prompt) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "originator": self._originator,
            "user-agent": USER_AGENT,
            **self.provider.headers(self._env),
            **prompt.extra_headers,
        }
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        if self._session_id:
            headers["session-id"] = self._session_id
            headers["x-client-request-id"] = self._session_id
        return headers

    async def stream(self, prompt: Prompt, sink: StreamSink) -> ModelResponse:
        """Send `prompt` and return the completed response, retrying as configured.

        Raises:
            ProviderAuthError: 401/403 (what to check is in the message).
            ProviderRequestError: another 4xx; the server's message is included.
            ProviderUnavailableError: every retry was used.
        """
        max_stream = self.provider.stream_max_retries
        attempt = 0
        while True:
            try:
                return await self._attempt(prompt, sink)
            except _Retryable as exc:
                if attempt >= max_stream:
                    raise ProviderUnavailableError(exc.final_message or exc.reason) from None
                attempt += 1
                await sink.on_retry(f"Reconnecting... {attempt}/{max_stream} ({exc.reason})")
                await anyio.sleep(exc.retry_after if exc.retry_after is not None else backoff(attempt))

    async def _attempt(self, prompt: Prompt, sink: StreamSink) -> ModelResponse:
        wire = self.provider.wire_api
        url = self.provider.url("chat/completions" if wire == "chat" else "responses")
        body = chat_body(prompt) if wire == "chat" else responses_body(prompt)
        content = json.dumps(body, ensure_ascii=False).encode()
        headers = self._headers(prompt)
        if self._command_token is not None:
            headers["authorization"] = f"Bearer {await self._command_token.get()}"
        max_requests = self.provider.request_max_retries
        request_attempt = 0
        token_refreshed = False
        while True:
            try:
                return await self._one_request(url, content, headers, sink)
            except ProviderAuthError as exc:
                if exc.status != 401 or self._command_token is None or token_refreshed:
                    raise
                # The token expired early or was revoked: run the auth command once more.
                token_refreshed = True
                self._command_token.invalidate()
                headers["authorization"] = f"Bearer {await self._command_token.get()}"
            except _RequestRetry as exc:
                if request_attempt >= max_requests:
                    raise _Retryable(exc.reason, final_message=exc.final_message) from None
                request_attempt += 1
                await anyio.sleep(backoff(request_attempt))

    async def _one_request(self, url: str, content: bytes, headers: dict[str, str], sink: StreamSink) -> ModelResponse:
        idle = self.provider.stream_idle_timeout_ms / 1000
        folder: ResponsesStream | ChatStream
        if self.provider.wire_api == "chat":
            folder = ChatStream(sink)
        else:
            folder = ResponsesStream(sink)
        try:
            async with self._http.stream("POST", url, content=content, headers=headers) as response:
                if response.status_code >= 400:
                    raw = await response.aread()
                    self._raise_for_status(url, response.status_code, raw, response.headers)
                try:
                    async for event_type, data in _sse_events(response, idle):
                        await folder.feed(event_type, data)
                except StreamFailed as exc:
                    raise _Retryable(str(exc)) from None
                except TimeoutError:
                    raise _Retryable(f"idle timeout: no data for {idle:g} s") from None
                except httpx2.HTTPError as exc:
                    raise _Retryable(f"stream disconnected before completion: {_describe(exc)}") from None
            try:
                return folder.finish()
            except StreamFailed as exc:
                raise _Retryable(str(exc)) from None
        except httpx2.HTTPError as exc:
            message = f"cannot reach the model server at {url}: {_describe(exc)}"
            raise _RequestRetry(message, final_message=message) from None

    def _raise_for_status(self, url: str, status: int, raw: bytes, headers: Mapping[str, str]) -> None:
        text = raw.decode("utf-8", "replace").strip()
        error_message, error_code = _error_fields(text)
        detail = error_message or text[:500]
        status_text = _status_text(status)
        if status in (401, 403):
            key = self.provider.env_key
            fix = f"check the API key in the environment variable {key}" if key else "check the provider's credentials"
            raise ProviderAuthError(
                f"the model server refused the request ({status_text}): {fix} "
                f"(provider `{self.provider.id}`, {url}){': ' + detail if detail else ''}",
                status=status,
            )
        if status == 429:
            if error_code == "insufficient_quota":
                raise ProviderRequestError(
                    f"the model provider `{self.provider.id}` says the account is out of quota ({status_text}): "
                    f"{detail}",
                    status=status,
                )
            reason = f"rate limited, last status: {status_text}"
            raise _Retryable(reason, retry_after=_retry_after(headers), final_message=f"{reason}{_colon(detail)}")
        if status in (408, 409) or status >= 500:
            message = f"unexpected status {status_text} from {url}{_colon(detail)}"
            raise _RequestRetry(f"last status: {status_text}", final_message=message)
        if status == 404:
            raise ProviderRequestError(
                f"the model server has no such endpoint or model ({status_text} at {url}): {detail or 'no details'}. "
                f"Check `base_url` and `wire_api` of provider `{self.provider.id}` and the model name.",
                status=status,
            )
        raise ProviderRequestError(f"the model server rejected the request ({status_text}): {detail}", status=status)


class _RequestRetry(Exception):
    def __init__(self, reason: str, *, final_message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final_message = final_message


def _colon(detail: str) -> str:
    return f": {detail}" if detail else ""


def _error_fields(text: str) -> tuple[str | None, str | None]:
    try:
        payload: Any = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None, None
    error: Any = payload.get("error") if isinstance(payload, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(error, dict):
        message: Any = error.get("message")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        code: Any = error.get("code") or error.get("type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return (str(message) if message else None), (str(code) if code else None)  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(error, str):
        return error, None
    return None, None


def _describe(exc: httpx2.HTTPError) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


async def _sse_events(response: httpx2.Response, idle_timeout: float) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of an SSE response; `TimeoutError` when nothing arrives for `idle_timeout` seconds."""
    source = httpx2.EventSource(response)
    iterator = source.__aiter__()
    while True:
        with anyio.fail_after(idle_timeout):
            try:
                event = await iterator.__anext__()
            except StopAsyncIteration:
                return
        yield event.event, event.data
