"""The MCP conformance suite's client under test, built only on mcp_client's public API.

Harness contract: the server URL is the last argument; `MCP_CONFORMANCE_SCENARIO`, `MCP_CONFORMANCE_CONTEXT`
(JSON) and `MCP_CONFORMANCE_PROTOCOL_VERSION` come from the environment. For `auth/*` scenarios this program plays
the browser: it opens the authorization URL without following redirects and brings the redirect to our loopback
callback server, which listens where the harness expects it (`http://localhost:3000/callback`).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx2
import mcp.types as types
from pydantic import SecretStr

from mcp_client import (
    ElicitationRequest,
    McpConnectionManager,
    McpCredentialStore,
    McpOAuthSettings,
    PreRegisteredClient,
    login,
    parse_server_config,
)

CALLBACK_URL = "http://localhost:3000/callback"
LOCK_PATH = os.path.join(tempfile.gettempdir(), "pycodex-conformance-callback-3000.lock")


async def accept_with_defaults(server: str, request: ElicitationRequest) -> types.ElicitResult:
    # Accepting with nothing lets mcp_client fill the schema's defaults (SEP-1034).
    return types.ElicitResult(action="accept", content={})


class HeadlessBrowser:
    def __init__(self) -> None:
        self.url: str | None = None
        self.shown = anyio.Event()

    def __call__(self, url: str) -> None:
        self.url = url
        self.shown.set()

    async def run(self) -> None:
        await self.shown.wait()
        assert self.url is not None
        async with httpx2.AsyncClient(timeout=30) as http:
            answer = await http.get(self.url, follow_redirects=False)
            location = answer.headers.get("location")
            if location:
                await http.get(location.replace("://localhost:", "://127.0.0.1:"))


async def main(url: str) -> int:
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context: dict[str, Any] = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    home = Path(tempfile.mkdtemp(prefix="pycodex-conformance-"))
    config = parse_server_config("sut", {"url": url})
    settings = McpOAuthSettings(credentials_store="file", callback_url=CALLBACK_URL, callback_port=3000)
    if scenario.startswith("auth/"):
        client = None
        if context.get("client_id"):
            secret = context.get("client_secret")
            client = PreRegisteredClient(
                client_id=context["client_id"],
                client_secret=SecretStr(secret) if secret else None,
                token_endpoint_auth_method="client_secret_basic" if secret else "none",
            )
        browser = HeadlessBrowser()
        # The harness runs scenarios in parallel but every redirect goes to port 3000: take turns for the login.
        lock = os.open(LOCK_PATH, os.O_CREAT | os.O_RDWR, 0o600)
        await anyio.to_thread.run_sync(fcntl.flock, lock, fcntl.LOCK_EX)
        async with anyio.create_task_group() as tg:
            tg.start_soon(browser.run)
            await login(
                "sut",
                config,
                store=McpCredentialStore(home, "file"),
                settings=settings,
                client=client,
                open_browser=False,
                on_authorization_url=browser,
            )
            tg.cancel_scope.cancel()
        os.close(lock)
    async with McpConnectionManager(
        {"sut": config}, codex_home=home, oauth=settings, elicitation_handler=accept_with_defaults
    ) as mcp:
        if mcp.failures:
            print(mcp.failures["sut"].message, file=sys.stderr)
            return 1
        tools = mcp.list_tools()
        if scenario == "tools_call":
            await mcp.call_tool("sut", "add_numbers", {"a": 5, "b": 3})
        elif scenario != "initialize" and tools:
            await mcp.call_tool("sut", tools[0].tool.name, {})
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[-1]))
