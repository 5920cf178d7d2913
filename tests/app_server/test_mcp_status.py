"""`mcpServerStatus/list`: what each configured MCP server offers, found by connecting to it (a real stdio server
started for the listing, or a loaded thread's running connection), and how each authenticates (a real OAuth
server on loopback that nobody has logged in to)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.mcp_client.conftest import TOOLBOX
from tests.mcp_client.oauth_support import protected_server
from tests.support.model_server import ScriptedModelServer

pytestmark = pytest.mark.anyio


@pytest.mark.slow  # a few MCP servers start (~2 s each on a busy machine)
async def test_the_status_lists_tools_resources_and_auth_of_each_configured_server(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    async with protected_server(codex_home) as prot:
        (codex_home / "config.toml").write_text(
            f'[mcp_servers.toolbox]\ncommand = "{sys.executable}"\nargs = ["{TOOLBOX}"]\n'
            f'[mcp_servers.prot]\nurl = "{prot.base}/mcp"\n'
            '[mcp_servers.off]\ncommand = "true"\nenabled = false\n',
            encoding="utf-8",
        )
        with ScriptedModelServer([]) as model:
            async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (
                client,
                _,
            ):
                await client.initialize()
                listed = await client.call("mcpServerStatus/list", {})
                by_name = {s["name"]: s for s in listed["data"]}
                assert list(by_name) == ["off", "prot", "toolbox"] and listed["nextCursor"] is None
                toolbox = by_name["toolbox"]
                assert {"echo", "broken", "signup"} <= set(toolbox["tools"])
                assert toolbox["tools"]["echo"]["inputSchema"]["properties"]["message"]["type"] == "string"
                assert [r["uri"] for r in toolbox["resources"]] == ["memo://greeting"]
                assert [t["uriTemplate"] for t in toolbox["resourceTemplates"]] == ["memo://notes/{topic}"]
                assert toolbox["authStatus"] == "unsupported" and toolbox["runtimeStatus"] is None
                assert toolbox["serverInfo"]["name"] == "toolbox" and toolbox["toolsError"] is None
                assert by_name["prot"]["authStatus"] == "notLoggedIn"
                assert by_name["prot"]["httpOrigin"] == prot.base
                assert by_name["off"]["runtimeStatus"] == "disabled" and by_name["off"]["tools"] == {}
                # With a loaded thread, its running connections answer (the servers are not started again).
                started = await client.call("thread/start", {"cwd": str(work)})
                mine = await client.call("mcpServerStatus/list", {"threadId": started["thread"]["id"]})
                assert mine["data"][2]["tools"] == toolbox["tools"]
                assert mine["data"][2]["resources"] == toolbox["resources"]
                assert mine["data"][2]["runtimeStatus"] == "connected" and mine["data"][1]["runtimeStatus"] == "failed"
                # One server, a page at a time, and tools and auth only.
                one = await client.call("mcpServerStatus/list", {"serverName": "toolbox", "detail": "toolsAndAuthOnly"})
                assert [s["name"] for s in one["data"]] == ["toolbox"] and one["data"][0]["resources"] == []
                assert set(one["data"][0]["tools"]) == set(toolbox["tools"])
                first = await client.call("mcpServerStatus/list", {"limit": 2})
                rest = await client.call("mcpServerStatus/list", {"limit": 2, "cursor": first["nextCursor"]})
                assert [s["name"] for s in first["data"] + rest["data"]] == ["off", "prot", "toolbox"]
                assert rest["nextCursor"] is None
                unknown = await client.request("mcpServerStatus/list", {"serverName": "nope"})
                assert "no MCP server named `nope`" in unknown["error"]["message"]
                elsewhere = await client.request("mcpServerStatus/list", {"environmentId": "remote-1"})
                assert "`environmentId` is not supported by pycodex" in elsewhere["error"]["message"]
    client.assert_schema_clean()
