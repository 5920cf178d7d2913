"""What leaves `pycodex mcp-server` for the host is redacted: `codex/event`, progress and log notifications and
the tool result; the model's own request still had the live output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support.model_server import ScriptedModelServer, exec_call, message
from tests.support.secret_stream import MESSAGE, OUTPUT_REDACTED, REDACTED_MESSAGE, SECRET, write_script

from .harness import raw_server, write_provider

pytestmark = pytest.mark.anyio


def _files_holding(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


async def test_a_secret_a_command_prints_reaches_the_model_but_no_notification(
    codex_home: Path, tmp_path: Path
) -> None:
    steps = [
        {"items": [exec_call(f"echo OPENAI_API_KEY={SECRET}", "c1")]},
        {"items": [message(f"The key is OPENAI_API_KEY={SECRET}")]},
    ]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                await server.send({"id": 2, "method": "logging/setLevel", "params": {"level": "debug"}})
                await server.answer_to(2)
                await server.send(
                    {
                        "id": 3,
                        "method": "tools/call",
                        "params": {
                            "name": "codex",
                            "arguments": {"prompt": "show it", "cwd": str(tmp_path), "sandbox": "danger-full-access"},
                            "_meta": {"progressToken": "tok"},
                        },
                    }
                )
                answer = await server.answer_to(3)
        requests = model.requests
    assert f"OPENAI_API_KEY={SECRET}" in json.dumps(requests[1].body)
    methods = {m.get("method") for m in server.seen}
    assert {"codex/event", "notifications/progress", "notifications/message"} <= methods
    everything = json.dumps(server.seen) + json.dumps(answer)
    assert SECRET not in everything
    outputs = [
        m["params"]["msg"]
        for m in server.seen
        if m.get("method") == "codex/event" and m["params"]["msg"]["type"] == "exec_command_end"
    ]
    assert "OPENAI_API_KEY=[REDACTED_SECRET]" in outputs[0]["aggregated_output"]
    assert answer["result"]["content"][0]["text"] == "The key is OPENAI_API_KEY=[REDACTED_SECRET]"
    assert _files_holding(codex_home, SECRET) == []


def _joined(seen: list[dict[str, Any]], kind: str, key: str, field: str) -> dict[str, list[str]]:
    """The pieces of each stream (by item or call id) of one delta kind among the `codex/event` notifications."""
    pieces: dict[str, list[str]] = {}
    for m in seen:
        msg: dict[str, Any] = m["params"]["msg"] if m.get("method") == "codex/event" else {}
        if msg.get("type") == kind:
            pieces.setdefault(msg[key], []).append(msg[field])
    return pieces


async def test_a_secret_split_across_deltas_is_redacted_in_the_joined_stream(codex_home: Path, tmp_path: Path) -> None:
    script = write_script(tmp_path)
    steps = [{"items": [exec_call(f"sh {script}", "c1")]}, {"items": [message(MESSAGE)]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                arguments = {"prompt": "show it", "cwd": str(tmp_path), "sandbox": "danger-full-access"}
                await server.send(
                    {"id": 2, "method": "tools/call", "params": {"name": "codex", "arguments": arguments}}
                )
                answer = await server.answer_to(2)
        requests = model.requests
    assert SECRET in json.dumps(requests[1].body)  # the model saw the live output
    output = _joined(server.seen, "exec_command_output_delta", "call_id", "chunk")["c1"]
    assert len(output) >= 2, output  # the output did arrive in pieces (the first line before the key)
    assert "".join(output) == OUTPUT_REDACTED
    messages = _joined(server.seen, "agent_message_delta", "item_id", "delta")
    assert len(messages) == 1
    (pieces,) = messages.values()
    assert len(pieces) >= 2, pieces
    assert "".join(pieces) == REDACTED_MESSAGE
    assert answer["result"]["content"][0]["text"] == REDACTED_MESSAGE
    assert SECRET not in json.dumps(server.seen)


async def test_a_progress_line_shortened_across_a_key_shows_none_of_it(codex_home: Path, tmp_path: Path) -> None:
    # Progress lines are cut to 100 characters: the cut falls inside the key, whose first 16 characters alone match
    # no pattern. The line is made from the redacted message, so not even that prefix leaves.
    text = "Result: " + "x" * 75 + " " + SECRET
    with ScriptedModelServer([{"items": [message(text)]}]) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                await server.send({"id": 2, "method": "logging/setLevel", "params": {"level": "debug"}})
                await server.answer_to(2)
                arguments = {"prompt": "go", "cwd": str(tmp_path), "sandbox": "read-only"}
                params = {"name": "codex", "arguments": arguments, "_meta": {"progressToken": "tok"}}
                await server.send({"id": 3, "method": "tools/call", "params": params})
                await server.answer_to(3)
    lines = [
        m["params"].get("message") or m["params"].get("data")
        for m in server.seen
        if m.get("method") in ("notifications/progress", "notifications/message")
    ]
    agent_lines = [line for line in lines if str(line).startswith("Agent: ")]
    assert agent_lines, lines
    assert all("sk-proj" not in str(line) for line in agent_lines), agent_lines
