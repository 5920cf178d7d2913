"""A server that elicits the classic way (`await ctx.elicit(...)` inside a tool, MCP Python SDK 2.x) gets its question
to the front end's handler and the answer back (issue 14, item 13).

Under the 2026-07-28 wire a server has no channel for requests of its own, so such a call used to fail with -32600
("no back-channel"): the client now takes the handshake era whenever the server offers it, over stdio and
Streamable HTTP, unless the server's table says `protocol = "newest"`.
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


async def test_a_server_over_streamable_http_calling_ctx_elicit_reaches_the_handler() -> None:
    from tests.mcp_client.conftest import serve_asgi
    from tests.mcp_client.servers.asker import build_server

    asked: list[str] = []

    async def handler(server: str, request: ElicitationRequest) -> types.ElicitResult:
        asked.append(request.message)
        return types.ElicitResult(action="accept", content={"colour": "blue"})

    async with serve_asgi(build_server().streamable_http_app()) as base:
        servers = parse_mcp_servers({"asker": {"url": f"{base}/mcp"}})
        async with McpConnectionManager(servers, elicitation_handler=handler) as mcp:
            assert mcp.failures == {}
            with anyio.fail_after(30):
                result = await mcp.call_tool("asker", "paint", {"thing": "gate"})

    assert result.is_error is not True, _text(result)
    assert _text(result) == ["painted the gate blue"]
    assert asked == ["Which colour for the gate?"]


async def test_protocol_newest_takes_the_stateless_era_where_a_classic_question_cannot_be_asked() -> None:
    from tests.mcp_client.conftest import serve_asgi
    from tests.mcp_client.servers.asker import build_server

    async def handler(server: str, request: ElicitationRequest) -> types.ElicitResult:
        raise AssertionError("no question can reach the client in the stateless era")

    async with serve_asgi(build_server().streamable_http_app()) as base:
        servers = parse_mcp_servers(
            {"first": {"url": f"{base}/mcp"}, "newest": {"url": f"{base}/mcp", "protocol": "newest"}}
        )
        async with McpConnectionManager(servers, elicitation_handler=handler) as mcp:
            eras = {name: mcp.server_info(name).protocol_version for name in ("first", "newest")}
            with anyio.fail_after(30):
                result = await mcp.call_tool("newest", "paint", {"thing": "gate"})

    assert eras == {"first": "2025-11-25", "newest": "2026-07-28"}
    assert result.is_error is True and "no back-channel" in _text(result)[0]
