"""A small MCP server of ours for mcp_client's tests: text, structured, image and failing tools, an elicitation,
resources and a template. Runs over stdio (`python -m tests.mcp_client.servers.toolbox stdio` or by path) or is
served over Streamable HTTP by the tests through `build_server().streamable_http_app()`."""

from __future__ import annotations

import base64
import sys
from typing import Annotated

import anyio
from mcp.server.mcpserver import Elicit, ElicitationResult, MCPServer, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ImageContent, TextContent
from pydantic import BaseModel, Field

# A 1x1 transparent PNG.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class Sum(BaseModel):
    total: int
    terms: list[int]


class Contact(BaseModel):
    name: str = Field(description="Your name")
    colour: str = Field(default="blue", description="Favourite colour")
    subscribe: bool = Field(default=False, description="Subscribe to the newsletter?")


async def ask_contact(reason: str) -> Elicit[Contact]:
    return Elicit(f"Please fill in your details ({reason})", Contact)


def build_server(name: str = "toolbox") -> MCPServer:
    """The server, with every tool the tests use."""
    server = MCPServer(name, instructions="Tools for testing pycodex's MCP client.", log_level="WARNING")

    @server.tool(description="Repeat the message back")
    def echo(message: str) -> str:
        return f"Echo: {message}"

    @server.tool(name="get-sum", description="Add numbers, with a structured result")
    def get_sum(a: int, b: int) -> Sum:
        return Sum(total=a + b, terms=[a, b])

    @server.tool(description="Return a one-pixel image and a caption", structured_output=False)
    def pixel() -> list[TextContent | ImageContent]:
        return [
            TextContent(type="text", text="a pixel"),
            ImageContent(type="image", data=base64.b64encode(PIXEL_PNG).decode(), mime_type="image/png"),
        ]

    @server.tool(description="Always fails")
    def broken() -> str:
        raise ToolError("this tool is broken on purpose")

    @server.tool(description="Wait until cancelled")
    async def hang() -> str:
        await anyio.sleep_forever()
        return "unreachable"

    @server.tool(description="Ask the user for contact details")
    async def signup(reason: str, answer: Annotated[ElicitationResult[Contact], Resolve(ask_contact)]) -> str:
        if answer.action != "accept":
            return f"signup {answer.action}"
        data = answer.data
        return f"signed up {data.name} colour={data.colour} subscribe={data.subscribe}"

    @server.resource("memo://greeting", name="greeting", description="A short greeting", mime_type="text/plain")
    def greeting() -> str:
        return "hello from the toolbox"

    @server.resource("memo://notes/{topic}", name="note", description="A note on a topic", mime_type="text/plain")
    def note(topic: str) -> str:
        return f"note about {topic}"

    return server


if __name__ == "__main__":
    build_server(sys.argv[2] if len(sys.argv) > 2 else "toolbox").run("stdio")
