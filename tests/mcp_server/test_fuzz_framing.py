"""Fuzzing the stdio framing (issue 14): whatever a host writes, the server answers or ignores it and stays up.

One server process takes every example (module fixture); after each batch of random lines, a `ping` must be
answered, and every line the server wrote must be a JSON-RPC 2.0 message. Bounded: 60 examples of up to 4 lines.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import PYCODEX, REPO, server_env, write_provider

_probes = count()

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_methods = st.sampled_from(
    [
        "initialize",
        "ping",
        "tools/list",
        "tools/call",
        "resources/list",
        "resources/read",
        "resources/templates/list",
        "completion/complete",
        "logging/setLevel",
        "tasks/get",
        "tasks/list",
        "notifications/cancelled",
        "notifications/initialized",
        "server/discover",
        "no/such/method",
    ]
) | st.text(max_size=12)
_messages = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "1.0", 2]) | _json_scalars,
        "id": st.integers() | st.text(max_size=8) | st.none() | st.floats(allow_nan=False) | st.booleans(),
        "method": _methods,
        "params": _json_values,
        "result": _json_values,
        "error": _json_values,
    },
)


def _nested(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "array" else '{"a":' * depth + "1" + "}" * depth


_deep = st.builds(_nested, st.integers(min_value=200, max_value=50_000), st.sampled_from(["array", "object"]))


_lines = st.one_of(
    _messages.map(json.dumps),
    _json_values.map(json.dumps),
    st.text(max_size=60).map(lambda text: text.replace("\n", " ")),
    st.binary(max_size=60).map(lambda data: data.replace(b"\n", b" ").decode("latin-1")),
    _deep,
)


class LineServer:
    """`pycodex mcp-server` on pipes, read with a deadline (no thread, no event loop: hypothesis drives it)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._buffer = b""

    def send(self, line: str | bytes) -> None:
        assert self.process.stdin is not None
        data = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
        self.process.stdin.write(data + b"\n")
        self.process.stdin.flush()

    def receive(self, timeout: float) -> bytes:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, "the server stopped answering"
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                assert chunk, f"the server exited (code {self.process.poll()})"
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LineServer]:
    home = tmp_path_factory.mktemp("fuzz_home")
    # A model server that is not there: a fuzzed `codex` call fails at once instead of reaching anything.
    write_provider(home, "http://127.0.0.1:9/v1")
    process = subprocess.Popen(
        [*PYCODEX, "mcp-server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **server_env(home)},
        cwd=str(REPO),
    )
    line_server = LineServer(process)
    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}
    line_server.send(json.dumps({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": init}))
    assert json.loads(line_server.receive(60))["id"] == "init"
    line_server.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    yield line_server
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    assert process.wait(timeout=30) == 0
    process.stdout.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(_lines, min_size=1, max_size=4))
def test_any_line_is_answered_or_ignored_and_the_server_stays_up(server: LineServer, lines: list[str]) -> None:
    for line in lines:
        server.send(line)
    probe = f"probe-{next(_probes)}"
    server.send(json.dumps({"jsonrpc": "2.0", "id": probe, "method": "ping"}))
    while True:
        raw = server.receive(60)
        message: Any = json.loads(raw)  # every line the server writes is JSON
        assert isinstance(message, dict) and message.get("jsonrpc") == "2.0", raw[:200]
        if message.get("id") == probe:
            assert message == {"jsonrpc": "2.0", "id": probe, "result": {}}
            return


def test_the_fuzzed_server_still_serves_tools(server: LineServer) -> None:
    server.send(json.dumps({"jsonrpc": "2.0", "id": "last", "method": "tools/list"}))
    while True:
        message = json.loads(server.receive(60))
        if message.get("id") == "last":
            assert [tool["name"] for tool in message["result"]["tools"]] == ["codex", "codex-reply"]
            return
