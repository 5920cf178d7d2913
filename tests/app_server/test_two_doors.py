"""Beyond Codex: the MCP server and the app-server are two doors onto the same threads. A thread started over MCP
continues over the app-server, and the reverse, in the same rollout file."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.mcp_server.harness import stdio_params, write_provider
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio


def _rollouts(codex_home: Path) -> list[Path]:
    return sorted((codex_home / "sessions").rglob("rollout-*.jsonl"))


async def test_a_thread_started_over_mcp_continues_over_the_app_server(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [message("answered over MCP")]}, {"items": [message("answered over the app-server")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with Client(stdio_params(codex_home)) as mcp:
            with anyio.fail_after(60):
                first = await mcp.call_tool(
                    "codex", {"prompt": "started over MCP", "cwd": str(work), "approval-policy": "never"}
                )
        assert first.structured_content is not None
        thread_id = first.structured_content["threadId"]
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            resumed = await client.call("thread/resume", {"threadId": thread_id})
            assert resumed["thread"]["id"] == thread_id and resumed["thread"]["preview"] == "started over MCP"
            assert resumed["thread"]["source"] == {"custom": "mcp"}
            (turn,) = resumed["thread"]["turns"]
            assert [i["type"] for i in turn["items"]] == ["userMessage", "agentMessage"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "and now?"}]})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
        last_input = json.dumps(model.requests[-1].body["input"])
    assert done["params"]["turn"]["items"][0]["text"] == "answered over the app-server"
    assert "started over MCP" in last_input and "answered over MCP" in last_input and "and now?" in last_input
    (rollout,) = _rollouts(codex_home)
    assert thread_id in rollout.name


async def test_a_thread_started_over_the_app_server_continues_over_mcp(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [message("answered over the app-server")]}, {"items": [message("answered over MCP")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "never"})
            thread_id = started["thread"]["id"]
            await client.call(
                "turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "from the IDE"}]}
            )
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
        # The app-server has exited and released the thread: the MCP server may continue it.
        async with Client(stdio_params(codex_home)) as mcp:
            with anyio.fail_after(60):
                reply = await mcp.call_tool("codex-reply", {"threadId": thread_id, "prompt": "from the MCP host"})
        last_input = json.dumps(model.requests[-1].body["input"])
    assert reply.structured_content == {"threadId": thread_id, "content": "answered over MCP"}
    assert "from the IDE" in last_input and "answered over the app-server" in last_input
    (rollout,) = _rollouts(codex_home)
    meta = json.loads(rollout.read_text(encoding="utf-8").splitlines()[0])
    assert meta["payload"]["source"] == "vscode" and thread_id in rollout.name
