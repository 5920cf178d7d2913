"""A NUL byte in a patch path through the MCP server's codex tool (issue 14, item 6): the model gets a patch error,
the call completes, and the server keeps serving."""

from __future__ import annotations

from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import Client

from tests.support.model_server import ScriptedModelServer, custom_tool_call, message

from .harness import git_repo, stdio_params, write_provider

pytestmark = pytest.mark.anyio


def text_of(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def test_a_nul_byte_in_a_patch_path_is_a_patch_error_and_the_server_lives_on(
    codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    patch = "*** Begin Patch\n*** Add File: a\0b.txt\n+x\n*** End Patch\n"
    steps = [
        {"items": [custom_tool_call("apply_patch", patch, "p1")]},
        {"items": [message("The patch was refused.")]},
        {"items": [message("Still here.")]},
    ]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with Client(stdio_params(codex_home), mode="legacy") as client:
            with anyio.fail_after(60):
                first = await client.call_tool(
                    "codex", {"prompt": "add a file", "cwd": str(repo), "sandbox": "workspace-write"}
                )
                assert first.is_error is not True, text_of(first)
                assert first.structured_content is not None
                second = await client.call_tool(
                    "codex-reply", {"threadId": first.structured_content["threadId"], "prompt": "again"}
                )
        tool_outputs = [
            str(i["output"]) for i in model.requests[1].body["input"] if i.get("type", "").endswith("_output")
        ]
    assert text_of(first) == "The patch was refused."
    assert text_of(second) == "Still here."
    assert tool_outputs == [
        "apply_patch verification failed: invalid hunk at line 2, path 'a\\0b.txt' contains a NUL byte, which no "
        "file name can hold"
    ]
    assert sorted(p.name for p in repo.iterdir()) == [".git"]
