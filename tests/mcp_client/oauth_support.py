"""Shared by the OAuth tests here and the CLI's: the protected server on loopback (plain, or with `write_note`
behind the `mcp:write` scope), a login with the test as the browser, and the browser itself."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx2

from mcp_client import LoginResult, McpCredentialStore, McpOAuthError, McpServerConfig, login, parse_server_config

from .conftest import bound_socket, serve_asgi
from .servers.oauth_server import AutoApproveProvider, build_protected_server, scope_gate


@dataclass
class Protected:
    base: str
    provider: AutoApproveProvider
    config: McpServerConfig
    store: McpCredentialStore


@asynccontextmanager
async def protected_server(codex_home: Path, **table: object) -> AsyncGenerator[Protected, None]:
    sock = bound_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    provider = AutoApproveProvider()
    app = build_protected_server(base, provider).streamable_http_app()
    async with serve_asgi(app, sock):
        config = parse_server_config("prot", {"url": f"{base}/mcp", **table})
        yield Protected(base, provider, config, McpCredentialStore(codex_home, "file"))


class Browser:
    """Plays the person at the browser: opens the authorization URL and follows the redirect to our callback."""

    def __init__(self) -> None:
        self.url: str | None = None
        self._shown = anyio.Event()
        self.callback_status: int | None = None
        self.callback_body: str | None = None
        self.forged_status: int | None = None
        self.printed = ""

    def __call__(self, url: str) -> None:
        self.url = url
        self._shown.set()

    async def follow(self, *, forge_first: bool = False) -> None:
        with anyio.fail_after(30):
            await self._shown.wait()
        assert self.url is not None
        async with httpx2.AsyncClient() as http:
            answer = await http.get(self.url, follow_redirects=False)
            location = answer.headers["location"]
            if forge_first:
                forged = location.replace("state=", "state=forged")
                self.forged_status = (await http.get(forged)).status_code
            callback = await http.get(location)
        self.callback_status = callback.status_code
        self.callback_body = callback.text


async def run_login(server: Protected, browser: Browser | None = None, **kwargs: object) -> LoginResult:
    browser = browser or Browser()
    outcome: list[LoginResult | BaseException] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(browser.follow)
        with anyio.fail_after(60):
            try:
                outcome.append(
                    await login(
                        "prot",
                        server.config,
                        store=server.store,
                        open_browser=False,
                        on_authorization_url=browser,
                        **kwargs,  # pyright: ignore[reportArgumentType]
                    )
                )
            except McpOAuthError as exc:
                outcome.append(exc)
                tg.cancel_scope.cancel()
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


@asynccontextmanager
async def gated_server(codex_home: Path, **table: object) -> AsyncGenerator[Protected, None]:
    """The protected server with `write_note` behind the `mcp:write` scope; logins start with `mcp:read` only."""
    sock = bound_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    provider = AutoApproveProvider()
    app = scope_gate(
        build_protected_server(base, provider).streamable_http_app(), base, provider, {"write_note": "mcp:write"}
    )
    async with serve_asgi(app, sock):
        config = parse_server_config("prot", {"url": f"{base}/mcp", "scopes": ["mcp:read"], **table})
        yield Protected(base, provider, config, McpCredentialStore(codex_home, "file"))


async def play_browser(url: str) -> int:
    """Open the authorization URL and follow its redirect to the callback server; the callback's status."""
    async with httpx2.AsyncClient() as http:
        answer = await http.get(url, follow_redirects=False)
        return (await http.get(answer.headers["location"])).status_code
