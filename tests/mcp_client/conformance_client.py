"""The MCP conformance suite's client under test, built only on mcp_client's public API.

Harness contract: the server URL is the last argument; `MCP_CONFORMANCE_SCENARIO`, `MCP_CONFORMANCE_CONTEXT`
(JSON) and `MCP_CONFORMANCE_PROTOCOL_VERSION` come from the environment. For `auth/*` scenarios this program plays
the browser: it opens the authorization URL without following redirects and brings the redirect to our loopback
callback server, which listens where the harness expects it (`http://localhost:3000/callback`) — for the first
login and for any new login the server asks for mid-session (`auth/scope-step-up`), through the manager's
authorization handler.

Beyond connecting and listing tools, a scenario gets the calls a host would make for it: the tool calls the
context scripts (`toolCalls`), the schema echo of `json-schema-2020-12-preservation`, or every listed tool.
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
    AuthorizationRequest,
    ElicitationRequest,
    McpClientError,
    McpConnectionManager,
    McpCredentialStore,
    McpOAuthSettings,
    McpToolInfo,
    PreRegisteredClient,
    login,
    parse_server_config,
)

CALLBACK_URL = "http://localhost:3000/callback"
LOCK_PATH = os.path.join(tempfile.gettempdir(), "pycodex-conformance-callback-3000.lock")
# The client ID metadata document the `auth/basic-cimd` authorization server expects as the client id.
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"
SCHEMA_ECHO = "json_schema_echo"


async def accept_with_defaults(server: str, request: ElicitationRequest) -> types.ElicitResult:
    # Accepting with nothing lets mcp_client fill the schema's defaults (SEP-1034).
    return types.ElicitResult(action="accept", content={})


async def follow(url: str) -> None:
    """The browser: open the authorization URL and bring its redirect to our callback server."""
    async with httpx2.AsyncClient(timeout=30) as http:
        answer = await http.get(url, follow_redirects=False)
        location = answer.headers.get("location")
        if location:
            await http.get(location.replace("://localhost:", "://127.0.0.1:"))


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
        await follow(self.url)


async def log_in_again(request: AuthorizationRequest) -> None:
    """The authorization handler: a person who logs in again whenever a server asks mid-session."""
    async with anyio.create_task_group() as tg:
        tg.start_soon(follow, request.url)
        await request.complete(30)


async def call_for_scenario(mcp: McpConnectionManager, scenario: str, context: dict[str, Any]) -> None:
    tools = mcp.list_tools()
    scripted: list[dict[str, Any]] = list(context.get("toolCalls") or [])
    if scripted:
        for call in scripted:
            await mcp.call_tool("sut", call["name"], call.get("arguments") or {})
    elif scenario == "tools_call":
        await mcp.call_tool("sut", "add_numbers", {"a": 5, "b": 3})
    elif any(t.tool.name == SCHEMA_ECHO for t in tools):
        # Hand every other tool's input schema back exactly as the client holds it.
        for info in tools:
            if info.tool.name != SCHEMA_ECHO:
                await mcp.call_tool("sut", SCHEMA_ECHO, {"schema": info.tool.input_schema})
    elif scenario.startswith("sep-2322-"):
        await call_each(mcp, tools)
    elif scenario != "initialize" and tools:
        await mcp.call_tool("sut", tools[0].tool.name, {})


async def call_each(mcp: McpConnectionManager, tools: list[McpToolInfo]) -> None:
    """Call every tool in turn; a failed call is reported and the next one still made, as a host would."""
    for info in tools:
        try:
            await mcp.call_tool("sut", info.tool.name, {})
        except McpClientError as exc:
            print(f"{info.tool.name}: {exc.message}", file=sys.stderr)


async def main(url: str) -> int:
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context: dict[str, Any] = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    home = Path(tempfile.mkdtemp(prefix="pycodex-conformance-"))
    table: dict[str, Any] = {"url": url}
    if os.environ.get("MCP_CONFORMANCE_PROTOCOL_VERSION", "") >= "2026":
        # The harness names the era under test; a host reaches the stateless era with `protocol = "newest"` (the
        # default, `handshake-first`, keeps the handshake era for servers that offer both).
        table["protocol"] = "newest"
    settings = McpOAuthSettings(credentials_store="file", callback_url=CALLBACK_URL, callback_port=3000)
    lock: int | None = None
    if scenario.startswith("auth/"):
        table["oauth"] = {"client_metadata_url": CLIENT_METADATA_URL}
        config = parse_server_config("sut", table)
        client = None
        if context.get("client_id"):
            secret = context.get("client_secret")
            client = PreRegisteredClient(
                client_id=context["client_id"],
                client_secret=SecretStr(secret) if secret else None,
                token_endpoint_auth_method="client_secret_basic" if secret else "none",
            )
        browser = HeadlessBrowser()
        # The harness runs scenarios in parallel but every redirect goes to port 3000: take turns for the whole
        # run, since a server may ask for a new login in the middle of the session too.
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
    else:
        config = parse_server_config("sut", table)
    try:
        async with McpConnectionManager(
            {"sut": config},
            codex_home=home,
            oauth=settings,
            elicitation_handler=accept_with_defaults,
            authorization_handler=log_in_again,
        ) as mcp:
            if mcp.failures:
                print(mcp.failures["sut"].message, file=sys.stderr)
                return 1
            await call_for_scenario(mcp, scenario, context)
    finally:
        if lock is not None:
            os.close(lock)
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[-1]))
