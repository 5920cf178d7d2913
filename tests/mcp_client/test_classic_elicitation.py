"""A server that elicits the classic way (`await ctx.elicit(...)` inside a tool, MCP Python SDK 2.x) gets its question
to the front end's handler and the answer back (issue 14, item 13).

Under the 2026-07-28 wire a server has no channel for requests of its own, so such a call used to fail with -32600
("no back-channel"): the client now takes the handshake era whenever the server offers it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import mcp.types as types
import pytest

from mcp_client import ElicitationRequest, McpConnectionManager, parse_mcp_servers

pytestmark = pytest.mark.anyio

ASKER = Path(__file__).parent / "servers" / "asker.py"


def _text(result: types.CallToolResult) -> list[str]:
    return [block.text for block in result.content if isinstance(block, types.TextContent)]


async def test_a_server_calling_ctx_elicit_reaches_the_handler_and_gets_the_answer() -> None:
    asked: list[tuple[str, ElicitationRequest]] = []

    async def handler(server: str, request: ElicitationRequest) -> types.ElicitResult:
        asked.append((server, request))
        return types.ElicitResult(action="accept", content={"colour": "green"})

    servers = parse_mcp_servers({"asker": {"command": sys.executable, "args": [str(ASKER)]}})
    async with McpConnectionManager(servers, elicitation_handler=handler) as mcp:
        assert mcp.failures == {}
        with anyio.fail_after(30):
            result = await mcp.call_tool("asker", "paint", {"thing": "fence"})
            again = await mcp.call_tool("asker", "paint", {"thing": "door"})

    assert result.is_error is not True, _text(result)
    assert _text(result) == ["painted the fence green"]
    ((server, request), _) = asked
    assert server == "asker"
    assert isinstance(request, types.ElicitRequestFormParams)
    assert request.message == "Which colour for the fence?"
    assert set(request.requested_schema["properties"]) == {"colour"}
    assert _text(again) == ["painted the door green"]  # the connection stays usable
