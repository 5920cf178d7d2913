"""Computes the front's answers (`_fast_answers.json`) by asking the SDK server itself.

Regenerate after changing the tools or upgrading `mcp`: `python -m mcp_server._answers`; a test fails while the
file and the SDK's answers differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION, MODERN_PROTOCOL_VERSIONS

from ._options import ServerOptions
from ._server import PycodexServer

PATH = Path(__file__).with_name("_fast_answers.json")


async def _answers_for(version: str) -> tuple[Any, Any]:
    messages: list[dict[str, Any]] = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "probe", "version": "0"}},
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    results = await _exchange(messages)
    return results[1], results[2]


async def _exchange(messages: list[dict[str, Any]]) -> dict[Any, Any]:
    """Feed `messages` to a fresh SDK server and collect the results by request id."""
    pyserver = PycodexServer(ServerOptions())
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](4)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](4)
    results: dict[Any, Any] = {}
    async with anyio.create_task_group() as tg:
        tg.start_soon(pyserver.server.run, read_recv, write_send, pyserver.server.create_initialization_options())
        async with read_send, write_recv:
            for message in messages:
                await read_send.send(SessionMessage(types.jsonrpc_message_adapter.validate_python(message)))
                if "id" in message:
                    answer = await write_recv.receive()
                    results[message["id"]] = json.loads(
                        answer.message.model_dump_json(by_alias=True, exclude_unset=True)
                    )["result"]
    return results


def envelope(version: str) -> dict[str, Any]:
    """The 2026-07-28 request `_meta` the front recognises (and the probe sends)."""
    return {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": {"name": "probe", "version": "0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }


async def _modern_answers_for(version: str) -> tuple[Any, Any]:
    messages: list[dict[str, Any]] = [
        {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": envelope(version)}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"_meta": envelope(version)}},
    ]
    results = await _exchange(messages)
    return results[1], results[2]


async def compute() -> dict[str, Any]:
    """The answers the front gives: `initialize` and `tools/list` for each handshake-era protocol version, and
    `server/discover` and `tools/list` for each 2026-era version."""
    initialize: dict[str, Any] = {}
    tools: dict[str, Any] = {}
    discover: dict[str, Any] = {}
    modern_tools: dict[str, Any] = {}
    for version in HANDSHAKE_PROTOCOL_VERSIONS:
        initialize[version], tools[version] = await _answers_for(version)
    for version in MODERN_PROTOCOL_VERSIONS:
        discover[version], modern_tools[version] = await _modern_answers_for(version)
    return {
        "latest": LATEST_HANDSHAKE_VERSION,
        "initialize": initialize,
        "tools/list": tools,
        "server/discover": discover,
        "tools/list (stateless)": modern_tools,
    }


def render(answers: dict[str, Any]) -> str:
    return json.dumps(answers, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(anyio.run(compute)), encoding="utf-8")
