"""`pycodex mcp login/logout` and the auth status `mcp list` shows, on top of `_oauth_provider`.

Login opens a loopback callback server, prints the authorization URL (and opens a browser when it can), and
stores the tokens in Codex's layout. A client named in `[mcp_servers.<name>.oauth]` is used instead of dynamic
registration: `client_id` with its stored secret, or `client_metadata_url` where the authorization server
supports client ID metadata documents.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import httpx2
from mcp.shared.auth import AuthorizationCodeResult

from ._callback import CALLBACK_TIMEOUT_SEC, can_open_browser, open_callback
from ._config import McpOAuthSettings, McpServerConfig, McpStreamableHttpTransport
from ._credentials import McpCredentialStore, StoredIn
from ._oauth_provider import OAuthProvider, PreRegisteredClient, ProviderStorage, configured_client, requested_scopes
from .errors import McpClientError, McpCredentialStoreError, McpOAuthError


def authorization_prompt(server: str, url: str) -> str:
    """What `pycodex mcp login` prints before waiting for the browser."""
    return f"Authorize `{server}` by opening this URL in your browser:\n{url}\n"


@dataclass(frozen=True)
class LoginResult:
    """What `login` stored."""

    stored_in: StoredIn
    scopes: list[str]


AuthStatus = Literal["unsupported", "bearer_token", "o_auth", "not_logged_in", "unknown"]


async def login(
    server_name: str,
    config: McpServerConfig,
    *,
    store: McpCredentialStore,
    settings: McpOAuthSettings | None = None,
    scopes: Sequence[str] | None = None,
    client: PreRegisteredClient | None = None,
    open_browser: bool = True,
    on_authorization_url: Callable[[str], None] | None = None,
    callback_timeout_sec: float = CALLBACK_TIMEOUT_SEC,
    headers: dict[str, str] | None = None,
) -> LoginResult:
    """Run the browser login for a Streamable HTTP server and store the tokens.

    The authorization URL is always passed to `on_authorization_url` (by default printed with
    `authorization_prompt`); a browser is opened only when `open_browser` is true, `PYCODEX_NO_BROWSER` is unset
    and there is a display.

    Raises:
        McpOAuthError: the server is not an HTTP server, did not ask for authorization, or the flow failed.
        McpCredentialStoreError: the tokens could not be stored.
    """
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from ._connection import client_info
    from ._errors_map import describe_exception, leaf_exception

    transport = config.transport
    if not isinstance(transport, McpStreamableHttpTransport):
        raise McpOAuthError("OAuth login is only supported for streamable HTTP servers.", server=server_name)
    settings = settings or McpOAuthSettings()
    if client is None:
        client = await anyio.to_thread.run_sync(configured_client, server_name, config, store)

    def announce(url: str) -> None:
        if on_authorization_url is not None:
            on_authorization_url(url)
        else:
            print(authorization_prompt(server_name, url), flush=True)  # noqa: T201

    storage = ProviderStorage(store, server_name, transport.url, fresh=True, client=client)
    endpoint = await open_callback(settings, server_name=server_name)
    callback, listener = endpoint.server, endpoint.listener

    async def redirect_handler(url: str) -> None:
        callback.expect(url)
        announce(url)
        if open_browser and can_open_browser():
            await anyio.to_thread.run_sync(webbrowser.open, url)

    async def callback_handler() -> AuthorizationCodeResult:
        return await callback.wait(callback_timeout_sec)

    provider = OAuthProvider(
        server_name=server_name,
        server_url=transport.url,
        storage=storage,
        redirect_uri=endpoint.redirect_uri,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
        scopes=requested_scopes(config, scopes),
        resource=config.oauth_resource,
        client_metadata_url=config.oauth.client_metadata_url if config.oauth else None,
    )
    failure: McpClientError | None = None
    # The listener outlives the task group, so the serving task is cancelled before its socket closes.
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(callback.serve, listener)
        try:
            async with AsyncExitStack() as stack:
                http = await stack.enter_async_context(
                    httpx2.AsyncClient(auth=provider, headers=headers or {}, timeout=httpx2.Timeout(30.0, read=300.0))
                )
                await stack.enter_async_context(
                    Client(streamable_http_client(transport.url, http_client=http), client_info=client_info())
                )
        except Exception as exc:
            leaf = leaf_exception(exc)
            if isinstance(leaf, McpOAuthError | McpCredentialStoreError):
                failure = leaf
            else:
                failure = McpOAuthError(
                    f"OAuth login for `{server_name}` failed: {describe_exception(exc)}", server=server_name
                )
        finally:
            tg.cancel_scope.cancel()
    # Raised outside the task group so that the caller gets our error, not an exception group.
    if failure is not None:
        raise failure
    if storage.stored_in is None:
        raise McpOAuthError(
            f"`{server_name}` answered without asking for authorization; there is nothing to log in to.",
            server=server_name,
        )
    stored = await storage.credentials()
    return LoginResult(stored_in=storage.stored_in, scopes=[] if stored is None else list(stored.scopes))


async def logout(server_name: str, config: McpServerConfig, *, store: McpCredentialStore) -> bool:
    """Forget the stored tokens of a Streamable HTTP server; returns whether any were stored."""
    transport = config.transport
    if not isinstance(transport, McpStreamableHttpTransport):
        raise McpOAuthError("OAuth logout is only supported for streamable HTTP servers.", server=server_name)
    return await anyio.to_thread.run_sync(store.delete, server_name, transport.url)


def _metadata_urls(url: str) -> list[str]:
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    urls: list[str] = []
    if path:
        urls.append(f"{base}/.well-known/oauth-authorization-server{path}")
        urls.append(f"{base}{path}/.well-known/oauth-authorization-server")
    urls.append(f"{base}/.well-known/oauth-authorization-server")
    if path:
        urls.append(f"{base}/.well-known/oauth-protected-resource{path}")
    urls.append(f"{base}/.well-known/oauth-protected-resource")
    return urls


async def auth_status(
    server_name: str,
    config: McpServerConfig,
    *,
    store: McpCredentialStore,
    probe_timeout_sec: float = 5.0,
) -> AuthStatus:
    """How a server authenticates, as `mcp list` shows it (probing the server's OAuth metadata if needed)."""
    transport = config.transport
    if not isinstance(transport, McpStreamableHttpTransport):
        return "unsupported"
    headers = {k.lower() for k in (transport.http_headers or {})}
    if transport.bearer_token_env_var or "authorization" in headers:
        return "bearer_token"
    try:
        if await anyio.to_thread.run_sync(store.load, server_name, transport.url) is not None:
            return "o_auth"
    except Exception:
        return "unknown"
    try:
        async with httpx2.AsyncClient(
            timeout=probe_timeout_sec, headers={"MCP-Protocol-Version": "2024-11-05"}
        ) as http:
            with anyio.fail_after(probe_timeout_sec):
                for url in _metadata_urls(transport.url):
                    response = await http.get(url)
                    if response.status_code != 200:
                        continue
                    try:
                        body = response.json()
                    except ValueError:
                        continue
                    if isinstance(body, dict) and (
                        ("authorization_endpoint" in body and "token_endpoint" in body)
                        or "authorization_servers" in body
                    ):
                        return "not_logged_in"
    except (httpx2.HTTPError, TimeoutError, OSError):
        return "unknown"
    return "unsupported"
