"""An MCP server (the `mcp` SDK) that asks its questions in the middle of tool calls: a form whose fields all have
defaults, and a URL-mode question. Run over stdio: `python tests/acp_agent/servers/elicitor.py`."""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field


class Paint(BaseModel):
    colour: str = Field(default="green", description="Which colour?")
    coats: int = Field(default=2, description="How many coats?")


def build_server() -> MCPServer:
    server = MCPServer("elicitor", log_level="WARNING")

    @server.tool(description="Paint a thing, asking how (every answer has a default)")
    async def paint(thing: str, ctx: Context) -> str:
        answer = await ctx.elicit(f"How should the {thing} be painted?", Paint)
        if answer.action != "accept":
            return f"not painted ({answer.action})"
        return f"painted the {thing} {answer.data.colour} in {answer.data.coats} coats"

    @server.tool(description="Ask the user to approve a payment on a web page")
    async def pay(amount: int, ctx: Context) -> str:
        answer = await ctx.elicit_url(f"Approve paying {amount}", "https://pay.example.test/approve/42", "pay-42")
        return f"payment {answer.action}"

    return server


if __name__ == "__main__":
    build_server().run("stdio")
