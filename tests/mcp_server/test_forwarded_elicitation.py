"""An external MCP server's elicitation, raised inside a `codex` call, reaches the host that made the call; so does
its request for a new login (as a link)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client

from tests.mcp_client.oauth_support import gated_server, play_browser, run_login
from tests.support.model_server import ScriptedModelServer, function_call, message

from .harness import REPO, git_repo, stdio_params, write_provider

pytestmark = pytest.mark.anyio

EVERYTHING = REPO / ".ci/npm/node_modules/.bin/mcp-server-everything"
NODE = shutil.which("node")


@pytest.mark.skipif(
    not EVERYTHING.exists() or NODE is None,
    reason="@modelcontextprotocol/server-everything is not installed (run .ci/setup)",
)
@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_downstream_elicitation_is_forwarded_to_the_host(answer: str, codex_home: Path, tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    call = function_call("mcp__everything__trigger_elicitation_request", {}, "e1")
    with ScriptedModelServer([{"items": [call]}, {"items": [message("asked")]}]) as model:
        write_provider(
            codex_home,
            model.base_url,
            tables=f'[mcp_servers.everything]\ncommand = "{NODE}"\nargs = ["{EVERYTHING}", "stdio"]\n',
        )
        asked: list[str] = []

        async def on_elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
            asked.append(params.message)
            if answer == "decline" or not isinstance(params, types.ElicitRequestFormParams):
                return types.ElicitResult(action="decline")
            props = params.requested_schema.get("properties", {})
            content = {k: v.get("default", True if v.get("type") == "boolean" else "x") for k, v in props.items()}
            return types.ElicitResult(action="accept", content=content)

        async with Client(stdio_params(codex_home), mode="legacy", elicitation_callback=on_elicit) as client:
            with anyio.fail_after(90):
                result = await client.call_tool(
                    "codex",
                    {"prompt": "ask me", "cwd": str(repo), "sandbox": "danger-full-access", "approval-policy": "never"},
                )
        tool_output = [i for i in model.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert result.is_error is not True
    assert len(asked) == 1 and asked[0].startswith("[MCP server everything] ")
    seen = json.dumps(tool_output[-1]["output"])
    if answer == "accept":
        assert "provided the requested information" in seen
    else:
        assert "declined" in seen.lower()


async def test_a_server_that_wants_more_scopes_sends_its_link_to_the_host_and_the_call_goes_through(
    codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    call = function_call("mcp__prot__write_note", {"text": "hi"}, "w1")
    async with gated_server(codex_home) as server:
        await run_login(server)
        with ScriptedModelServer([{"items": [call]}, {"items": [message("noted")]}]) as model:
            write_provider(
                codex_home,
                model.base_url,
                'mcp_oauth_credentials_store = "file"',
                tables=f'[mcp_servers.prot]\nurl = "{server.base}/mcp"\nscopes = ["mcp:read"]\n',
            )
            asked: list[types.ElicitRequestParams] = []

            async def on_elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
                # The host shows the link; the person opens it and logs in, then the host says yes.
                asked.append(params)
                assert isinstance(params, types.ElicitRequestURLParams)
                assert await play_browser(params.url) == 200
                return types.ElicitResult(action="accept")

            async with Client(stdio_params(codex_home), mode="legacy", elicitation_callback=on_elicit) as client:
                with anyio.fail_after(90):
                    result = await client.call_tool(
                        "codex",
                        {"prompt": "note", "cwd": str(repo), "sandbox": "read-only", "approval-policy": "never"},
                    )
            tool_output = [i for i in model.requests[1].body["input"] if i.get("type") == "function_call_output"]
        stored = server.store.load("prot", f"{server.base}/mcp")

    assert result.is_error is not True
    [params] = asked
    assert params.message == (
        "[MCP server prot] The prot MCP server needs more access for this call (scopes: mcp:read mcp:write)."
    )
    assert "noted: hi" in json.dumps(tool_output[-1]["output"])
    assert stored is not None and stored.scopes == ["mcp:read", "mcp:write"]
