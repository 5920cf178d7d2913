"""A scripted model server: a real HTTP server on 127.0.0.1 that streams OpenAI Responses or Chat Completions SSE.

Each POST consumes the next step of the script. A step is a dict:

    {"items": [...], "usage": {...}}        stream these output items, then response.completed
    {"items": [...], "cut": true}           stream the items, then drop the connection (no completion event)
    {"status": 500, "body": "...", "headers": {"Retry-After": "1"}}   answer with an HTTP error
    {"sse_error": "message"}                stream a response.failed event
    {"items": [...], "incomplete": "max_output_tokens"}   stream the items, then response.incomplete with this
                                            reason (Chat Completions: finish_reason "length", or "content_filter"
                                            for that reason)
    {"delay": 0.5, ...}                     wait before answering (to test timeouts and interrupts)
    {"hang": true}                          send headers, then nothing until the client goes away
    {"no_headers": true}                    read the request, then send nothing at all (not even headers)
    {"raw": ["data: ...\n\n", ...]}        send these SSE frames as they are (a stream of the wrong shape)

In a step's items, the text `{{session_id}}` is replaced by the newest `session ID N` that a tool output in the
request reported, so a script can poll a command that is still running (`write_stdin`), and `{{agent_id}}` by the
newest sub-agent id a `spawn_agent` output reported (to wait for it, or close it).

and `"repeat": true` on the last step makes it answer every later request. `lanes` give the requests a test matches
(e.g. a sub-agent's, by header) their own script beside the main one.

Requests that race (a parent and the sub-agent it spawned ask at the same time) are told apart with conditions on a
step: `"when": "text"` (the request's JSON body contains it) and `"unless": "text"` (it does not). Each request
takes the first step not yet used whose conditions fit it (a step without conditions fits any request), so a
script without conditions answers in order, as always.

With `route=` (a function of the request's JSON body returning a step) the steps list is not used: each request is
answered with the step the function chooses, so concurrent callers (a parent and its sub-agents) can be told apart
by what they send rather than by the order they happen to arrive in. It runs in the server's request thread.

Strict mode (the default; `strict=False` turns it off) behaves like the real API (`strict_rules.py`): a request it
would reject gets its 400 answer and does not consume a step (the rejections are kept in `rejections`); on the
Responses wire every response to a request with a `reasoning` object starts with a reasoning item (empty summary,
as a reasoning model sends), and reasoning items carry `encrypted_content` only when the request's `include` asks
for `reasoning.encrypted_content`. Items use the Responses output shapes
(`message`, `reasoning`, `function_call`, `custom_tool_call`); on the Chat Completions wire they are converted into
content and tool-call deltas. Every request is recorded (`requests`) with its path, headers and JSON body, when it
arrived and when its answer was written.

Run standalone (for examples and benchmarks): `python tests/support/model_server.py SCRIPT.json` prints
`http://127.0.0.1:PORT/v1` on its first line and serves until killed.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

try:
    from .strict_rules import check_chat, check_responses, encrypted_content_for
except ImportError:  # run as a script
    from strict_rules import check_chat, check_responses, encrypted_content_for  # pyright: ignore[reportMissingImports]

Step = dict[str, Any]


def message(text: str, *, phase: str | None = None, id: str = "msg_1") -> dict[str, Any]:
    """An assistant message output item."""
    item: dict[str, Any] = {
        "type": "message",
        "id": id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    if phase is not None:
        item["phase"] = phase
    return item


def refusal(text: str, *, id: str = "msg_1") -> dict[str, Any]:
    """An assistant message whose only content is a refusal part (as the Responses API sends a refusal)."""
    return {
        "type": "message",
        "id": id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "refusal", "refusal": text}],
    }


def reasoning(summary: str, *, id: str = "rs_1") -> dict[str, Any]:
    """A reasoning output item with one summary part."""
    return {"type": "reasoning", "id": id, "summary": [{"type": "summary_text", "text": summary}]}


def function_call(name: str, arguments: dict[str, Any] | str, call_id: str, *, id: str | None = None) -> dict[str, Any]:
    """A function_call output item (arguments given as a dict are JSON-encoded)."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"type": "function_call", "id": id or f"fc_{call_id}", "name": name, "arguments": args, "call_id": call_id}


def custom_tool_call(name: str, input: str, call_id: str) -> dict[str, Any]:
    """A custom (freeform) tool call output item."""
    return {"type": "custom_tool_call", "id": f"ctc_{call_id}", "name": name, "input": input, "call_id": call_id}


def exec_call(cmd: str, call_id: str, **extra: Any) -> dict[str, Any]:
    """An exec_command call."""
    return function_call("exec_command", {"cmd": cmd, **extra}, call_id)


DEFAULT_USAGE: dict[str, Any] = {
    "input_tokens": 100,
    "input_tokens_details": {"cached_tokens": 10},
    "output_tokens": 20,
    "output_tokens_details": {"reasoning_tokens": 5},
    "total_tokens": 120,
}


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = field(default_factory=time.time)
    answered_at: float | None = None
    """When the server finished writing its answer (for a stream: after the last event)."""


@dataclass
class ScriptState:
    steps: list[Step]
    strict: bool = True
    requests: list[RecordedRequest] = field(default_factory=lambda: [])
    rejections: list[tuple[RecordedRequest, dict[str, Any]]] = field(default_factory=lambda: [])
    lock: threading.Lock = field(default_factory=threading.Lock)
    index: int = 0
    responses: int = 0
    used: set[int] = field(default_factory=lambda: set[int]())
    lanes: list[tuple[Callable[[RecordedRequest], bool], list[Step]]] = field(default_factory=lambda: [])
    route: Callable[[dict[str, Any]], Step] | None = None

    def next_step(self, request: RecordedRequest | None = None, body: str = "") -> Step:
        with self.lock:
            for matches, steps in self.lanes:
                if request is not None and matches(request):
                    if not steps:
                        return {"status": 500, "body": "scripted model server: the lane has no more steps"}
                    return steps[0] if len(steps) == 1 and steps[0].get("repeat") else steps.pop(0)
            for at in range(self.index, len(self.steps)):
                step = self.steps[at]
                if at in self.used or not _fits(step, body):
                    continue
                self.used.add(at)
                while self.index in self.used:
                    self.index += 1
                return step
            if self.steps and self.steps[-1].get("repeat"):
                return self.steps[-1]
            return {"status": 500, "body": "scripted model server: the script has no more steps"}


def _fits(step: Step, body: str) -> bool:
    when, unless = step.get("when"), step.get("unless")
    return (when is None or when in body) and (unless is None or unless not in body)


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _text_of(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item.get("content", []))


def responses_events(
    items: list[dict[str, Any]], usage: dict[str, Any] | None, *, complete: bool, incomplete: str | None = None
) -> Iterator[bytes]:
    """The SSE frames of one Responses API stream."""
    resp_id = "resp_scripted"
    yield _sse("response.created", {"type": "response.created", "response": {"id": resp_id, "status": "in_progress"}})
    for index, item in enumerate(items):
        kind = item["type"]
        yield _sse(
            "response.output_item.added",
            {"type": "response.output_item.added", "output_index": index, "item": {**item, "status": "in_progress"}},
        )
        if kind == "message":
            for part in item.get("content", []):
                if part.get("type") == "refusal":
                    yield _sse(
                        "response.refusal.delta",
                        {
                            "type": "response.refusal.delta",
                            "item_id": item["id"],
                            "output_index": index,
                            "content_index": 0,
                            "delta": part["refusal"],
                        },
                    )
            text = _text_of(item)
            for start in range(0, len(text), 7):
                yield _sse(
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": 0,
                        "delta": text[start : start + 7],
                    },
                )
        elif kind == "reasoning":
            for part in item.get("summary", []):
                yield _sse(
                    "response.reasoning_summary_text.delta",
                    {
                        "type": "response.reasoning_summary_text.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "summary_index": 0,
                        "delta": part["text"],
                    },
                )
        elif kind == "custom_tool_call":
            yield _sse(
                "response.custom_tool_call_input.delta",
                {
                    "type": "response.custom_tool_call_input.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "delta": item["input"],
                },
            )
        elif kind == "function_call":
            yield _sse(
                "response.function_call_arguments.delta",
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "delta": item["arguments"],
                },
            )
        yield _sse(
            "response.output_item.done", {"type": "response.output_item.done", "output_index": index, "item": item}
        )
    if incomplete is not None:
        yield _sse(
            "response.incomplete",
            {
                "type": "response.incomplete",
                "response": {
                    "id": resp_id,
                    "status": "incomplete",
                    "incomplete_details": {"reason": incomplete},
                    "usage": usage or DEFAULT_USAGE,
                },
            },
        )
    elif complete:
        yield _sse(
            "response.completed",
            {
                "type": "response.completed",
                "response": {"id": resp_id, "status": "completed", "usage": usage or DEFAULT_USAGE},
            },
        )


def chat_events(
    items: list[dict[str, Any]], usage: dict[str, Any] | None, *, complete: bool, incomplete: str | None = None
) -> Iterator[bytes]:
    """The SSE frames of one Chat Completions stream carrying the same items."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "scripted",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n".encode()

    yield chunk({"role": "assistant", "content": ""})
    tool_index = 0
    has_tools = False
    for item in items:
        if item["type"] == "message":
            text = _text_of(item)
            for start in range(0, len(text), 7):
                yield chunk({"content": text[start : start + 7]})
        elif item["type"] == "reasoning":
            for part in item.get("summary", []):
                yield chunk({"reasoning_content": part["text"]})
        elif item["type"] in ("function_call", "custom_tool_call"):
            has_tools = True
            if item["type"] == "function_call":
                args = item["arguments"]
            else:
                args = json.dumps({"input": item["input"]})
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": tool_index,
                            "id": item["call_id"],
                            "type": "function",
                            "function": {"name": item["name"], "arguments": ""},
                        }
                    ]
                }
            )
            for start in range(0, len(args), 16):
                yield chunk(
                    {"tool_calls": [{"index": tool_index, "function": {"arguments": args[start : start + 16]}}]}
                )
            tool_index += 1
    if not complete:
        return
    finish = "tool_calls" if has_tools else "stop"
    if incomplete is not None:
        finish = "content_filter" if incomplete == "content_filter" else "length"
    yield chunk({}, finish)
    u = usage or DEFAULT_USAGE
    usage_body: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [],
        "usage": {
            "prompt_tokens": u["input_tokens"],
            "completion_tokens": u["output_tokens"],
            "total_tokens": u["total_tokens"],
            "prompt_tokens_details": {"cached_tokens": u.get("input_tokens_details", {}).get("cached_tokens", 0)},
        },
    }
    yield f"data: {json.dumps(usage_body)}\n\n".encode()
    yield b"data: [DONE]\n\n"


_SESSION_ID = re.compile(r"session ID (\d+)")
_AGENT_ID = re.compile(r'agent_id[\\"]*:[\\"]*([0-9a-f-]{36})')


def _fill_session_id(step: Step, body: dict[str, Any]) -> Step:
    text = original = json.dumps(step)
    for marker, pattern in (("{{session_id}}", _SESSION_ID), ("{{agent_id}}", _AGENT_ID)):
        if marker in text:
            found = pattern.findall(json.dumps(body))
            if found:
                text = text.replace(marker, found[-1])
    return step if text == original else json.loads(text)


def _as_reasoning_model(state: ScriptState, body: dict[str, Any], items: list[dict[str, Any]]) -> list[Any]:
    """The items as a reasoning model sends them: a reasoning item first (when the request asks for reasoning),
    encrypted content on reasoning items only when the request includes it."""
    with state.lock:
        state.responses += 1
        number = state.responses
    if body.get("reasoning") is not None and not any(i.get("type") == "reasoning" for i in items):
        items.insert(0, {"type": "reasoning", "id": f"rs_scripted_{number}", "summary": []})
    wants_encrypted = "reasoning.encrypted_content" in (body.get("include") or [])
    out: list[dict[str, Any]] = []
    for item in items:
        if item.get("type") == "reasoning":
            item = {k: v for k, v in item.items() if k != "encrypted_content"}
            if wants_encrypted:
                item["encrypted_content"] = encrypted_content_for(str(item.get("id")))
        out.append(item)
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def _server(self) -> _Server:
        assert isinstance(self.server, _Server)
        return self.server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "scripted-model", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        state = self._server.state
        chat = self.path.rstrip("/").endswith("/chat/completions")
        recorded = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with state.lock:
            state.requests.append(recorded)
        if state.strict:
            rejection = check_chat(body) if chat else check_responses(body)
            if rejection is not None:
                with state.lock:
                    state.rejections.append((recorded, rejection[1]))
                self._send_json(*rejection)
                return
        step = (
            state.route(body) if state.route is not None else state.next_step(recorded, raw.decode("utf-8", "replace"))
        )
        step = _fill_session_id(step, body)
        if delay := step.get("delay"):
            time.sleep(float(delay))
        if step.get("no_headers"):
            self._server.stopping.wait()
            self.close_connection = True
            return
        if "status" in step:
            data = step.get("body", "")
            payload = data.encode() if isinstance(data, str) else json.dumps(data).encode()
            self.send_response(int(step["status"]))
            for key, value in step.get("headers", {}).items():
                self.send_header(key, str(value))
            self.send_header("content-type", "application/json" if not isinstance(data, str) else "text/plain")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        if step.get("hang"):
            self._hang()
            return
        if "raw" in step:
            frames: Iterator[bytes] = iter(frame.encode() for frame in step["raw"])
        elif "sse_error" in step:
            frames = iter(
                [
                    _sse(
                        "response.failed",
                        {
                            "type": "response.failed",
                            "response": {
                                "id": "resp_scripted",
                                "status": "failed",
                                "error": {"code": "server_error", "message": step["sse_error"]},
                            },
                        },
                    )
                ]
            )
        elif chat:
            frames = chat_events(
                step.get("items", []),
                step.get("usage"),
                complete=not step.get("cut"),
                incomplete=step.get("incomplete"),
            )
        else:
            items = (
                _as_reasoning_model(state, body, list(step.get("items", []))) if state.strict else step.get("items", [])
            )
            frames = responses_events(
                items, step.get("usage"), complete=not step.get("cut"), incomplete=step.get("incomplete")
            )
        try:
            for frame in frames:
                self.wfile.write(frame)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        recorded.answered_at = time.time()
        self.close_connection = True

    def _hang(self) -> None:
        try:
            while not self._server.stopping.wait(0.05):
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
                time.sleep(0.5)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ScriptState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.stopping = threading.Event()


class ScriptedModelServer:
    """The server, running in a background thread while used as a context manager."""

    def __init__(
        self,
        steps: list[Step],
        *,
        strict: bool = True,
        lanes: Sequence[tuple[Callable[[RecordedRequest], bool], list[Step]]] = (),
        route: Callable[[dict[str, Any]], Step] | None = None,
    ) -> None:
        """`lanes`: requests a lane's test matches take that lane's steps instead of the main script's (the first
        lane that matches wins; e.g. a sub-agent's requests, told apart by a header, get their own script).
        `route`: every request is answered with the step this function of its JSON body returns."""
        self.state = ScriptState(list(steps), strict, lanes=[(m, list(ls)) for m, ls in lanes], route=route)
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def rejections(self) -> list[tuple[RecordedRequest, dict[str, Any]]]:
        """The requests strict mode refused, with the error JSON it answered."""
        with self.state.lock:
            return list(self.state.rejections)

    def __enter__(self) -> ScriptedModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as f:
        steps = json.load(f)
    with ScriptedModelServer(steps) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main(sys.argv)
