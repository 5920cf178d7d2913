"""An external MCP server's elicitation, raised inside a `codex` call, reaches the host that made the call."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client

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

        async def on_elicit(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
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
