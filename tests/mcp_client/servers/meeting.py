"""An MCP server whose one tool, `meet`, shows whether calls run at once: each call waits (up to `wait` seconds)
for another call to be in progress, and answers `met` or `alone`. Run over stdio: `python .../meeting.py`."""

from __future__ import annotations

import anyio
from mcp.server.mcpserver import MCPServer


def build_server() -> MCPServer:
    server = MCPServer("meeting", log_level="WARNING")
    waiting: list[anyio.Event] = []

    @server.tool(description="Wait for another call to arrive; say whether one did")
    async def meet(wait: float = 5.0) -> str:
        if waiting:
            waiting.pop().set()
            return "met"
        arrived = anyio.Event()
        waiting.append(arrived)
        with anyio.move_on_after(wait):
            await arrived.wait()
            return "met"
        waiting.remove(arrived)
        return "alone"

    return server


if __name__ == "__main__":
    build_server().run("stdio")
