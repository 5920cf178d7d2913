"""An MCP server built with the `mcp` SDK 2.x that asks its question the classic way, `await ctx.elicit(...)`, in the
middle of a tool call (most servers ported from SDK 1.x do). Run over stdio: `python tests/mcp_client/servers/asker.py`.
"""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field


class Confirm(BaseModel):
    colour: str = Field(description="Which colour?")


def build_server() -> MCPServer:
    server = MCPServer("asker", log_level="WARNING")

    @server.tool(description="Ask the user for a colour and paint with it")
    async def paint(thing: str, ctx: Context) -> str:
        answer = await ctx.elicit(f"Which colour for the {thing}?", Confirm)
        if answer.action != "accept":
            return f"not painted ({answer.action})"
        return f"painted the {thing} {answer.data.colour}"

    return server


if __name__ == "__main__":
    build_server().run("stdio")
