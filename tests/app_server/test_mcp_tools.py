"""MCP tools over the app-server: a tool call shows as an `mcpToolCall` item, and an external MCP server's
elicitation reaches the client as `mcpServer/elicitation/request`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.mcp_client.conftest import TOOLBOX
from tests.support.model_server import ScriptedModelServer, function_call, message

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_a_tool_call_and_its_servers_elicitation_go_through_the_client(
    answer: str, work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    (codex_home / "config.toml").write_text(
        f'[mcp_servers.toolbox]\ncommand = "{sys.executable}"\nargs = ["{TOOLBOX}"]\n', encoding="utf-8"
    )
    steps = [
        {"items": [function_call("mcp__toolbox__echo", {"message": "hi"}, "m1")]},
        {"items": [function_call("mcp__toolbox__signup", {"reason": "tests"}, "m2")]},
        {"items": [message("done with tools")]},
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "never"})
            thread_id = started["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "use tools"}]})
            ask = await client.wait_for(lambda m: m.get("method") == "mcpServer/elicitation/request")
            assert ask["params"]["serverName"] == "toolbox" and ask["params"]["mode"] == "form"
            assert "name" in ask["params"]["requestedSchema"]["properties"]
            if answer == "accept":
                content = {"name": "Ada", "colour": "red", "subscribe": True}
                await client.respond(ask["id"], {"action": "accept", "content": content})
            else:
                await client.respond(ask["id"], {"action": "decline", "content": None})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
        outputs = [i for r in model.requests for i in r.body["input"] if i.get("type") == "function_call_output"]
    calls = [n["item"] for n in client.notifications("item/completed") if n["item"]["type"] == "mcpToolCall"]
    assert [(c["server"], c["tool"], c["status"]) for c in calls] == [
        ("toolbox", "echo", "completed"),
        ("toolbox", "signup", "completed"),
    ]
    assert calls[0]["arguments"] == {"message": "hi"}
    signup = json.dumps(outputs[-1]["output"])
    expected = "signed up Ada colour=red subscribe=True" if answer == "accept" else "signup decline"
    assert expected in signup
    assert client.notifications("serverRequest/resolved") == [{"threadId": thread_id, "requestId": ask["id"]}]
