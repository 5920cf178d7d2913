"""OAuth 2.1 for Streamable HTTP servers, built on the `mcp` SDK's `OAuthClientProvider` (an `httpx2.Auth`).

The SDK does discovery (RFC 9728 protected-resource metadata, RFC 8414 / OIDC authorization-server metadata),
dynamic registration (RFC 7591), PKCE S256, the RFC 8707 `resource` parameter, the RFC 9207 `iss` check, step-up
on `insufficient_scope` and refresh. On top of it this module adds:

* storage in Codex's layout (`_credentials`), loaded with the expiry it was saved with, and a refresh 30 seconds
  before the access token expires;
* scope selection: explicit scopes (`--scopes`) > configured `scopes` > what the server advertises (the SDK's
  choice); a step-up adds the challenged scopes to ours;
* a configured `oauth_resource` sent as the `resource` parameter;
* the loopback callback server for `pycodex mcp login` (`state` checked before the code is accepted);
* in a session (no person to ask), a server that wants a new login fails with `McpAuthRequiredError`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import webbrowser
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc
import anyio.to_thread
import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.auth.oauth2 import OAuthContext
from mcp.client.auth.utils import union_scopes
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl, PrivateAttr, SecretStr

from ._config import McpOAuthSettings, McpServerConfig, McpStreamableHttpTransport
from ._credentials import McpCredentialStore, StoredIn, StoredOAuthCredentials
from .errors import McpAuthRequiredError, McpClientError, McpCredentialStoreError, McpOAuthError

logger = logging.getLogger(__name__)

REFRESH_SKEW_SEC = 30.0
"""Refresh this long before the access token's expiry (Codex's rule)."""
CALLBACK_TIMEOUT_SEC = 300.0
CLIENT_NAME = "pycodex"
NO_BROWSER_ENV = "PYCODEX_NO_BROWSER"
SUCCESS_PAGE = "Authentication complete. You may close this window."
INVALID_CALLBACK = "Invalid OAuth callback"


def login_required_message(server: str) -> str:
    """What a session says when a server needs `pycodex mcp login`."""
    return f"The {server} MCP server is not logged in. Run `pycodex mcp login {server}`."


def authorization_prompt(server: str, url: str) -> str:
    """What `pycodex mcp login` prints before waiting for the browser."""
    return f"Authorize `{server}` by opening this URL in your browser:\n{url}\n"


@dataclass(frozen=True)
class PreRegisteredClient:
    """A client registered with the authorization server beforehand (no dynamic registration)."""

    client_id: str
    client_secret: SecretStr | None = None
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post", "none"] | None = None
    """How to authenticate at the token endpoint; default `client_secret_post` with a secret, else `none`."""


class _ProviderStorage:
    """`mcp.client.auth.TokenStorage` over `McpCredentialStore`, for one server."""

    def __init__(
        self,
        store: McpCredentialStore,
        server_name: str,
        url: str,
        *,
        fresh: bool,
        client: PreRegisteredClient | None,
    ) -> None:
        self._store = store
        self._server = server_name
        self._url = url
        self._loaded = fresh
        self._credentials: StoredOAuthCredentials | None = None
        self._client_info: OAuthClientInformationFull | None = None
        if client is not None:
            self._client_info = OAuthClientInformationFull(
                client_id=client.client_id,
                client_secret=None if client.client_secret is None else client.client_secret.get_secret_value(),
                token_endpoint_auth_method=client.token_endpoint_auth_method
                or ("client_secret_post" if client.client_secret is not None else "none"),
            )
        self.stored_in: StoredIn | None = None

    def __repr__(self) -> str:
        return f"_ProviderStorage(server={self._server!r})"

    async def credentials(self) -> StoredOAuthCredentials | None:
        if not self._loaded:
            self._credentials = await anyio.to_thread.run_sync(self._store.load, self._server, self._url)
            self._loaded = True
        return self._credentials

    async def get_tokens(self) -> OAuthToken | None:
        stored = await self.credentials()
        if stored is None:
            return None
        return OAuthToken(
            access_token=stored.access_token.get_secret_value(),
            expires_in=stored.expires_in(),
            scope=" ".join(stored.scopes) or None,
            refresh_token=None if stored.refresh_token is None else stored.refresh_token.get_secret_value(),
        )

    async def set_tokens(self, tokens: OAuthToken) -> None:
        client = await self.get_client_info()
        if client is None:  # pragma: no cover - the SDK registers (or loads) a client before any token request
            raise McpOAuthError("no OAuth client is registered for this server", server=self._server)
        expires_at = None if tokens.expires_in is None else int((time.time() + tokens.expires_in) * 1000)
        credentials = StoredOAuthCredentials(
            server_name=self._server,
            server_url=self._url,
            client_id=client.client_id,
            access_token=SecretStr(tokens.access_token),
            expires_at=expires_at,
            refresh_token=None if tokens.refresh_token is None else SecretStr(tokens.refresh_token),
            scopes=(tokens.scope or "").split(),
            issuer=client.issuer,
            client_secret=None if not client.client_secret else SecretStr(client.client_secret),
            token_endpoint_auth_method=client.token_endpoint_auth_method,
        )
        self.stored_in = await anyio.to_thread.run_sync(self._store.save, credentials)
        self._credentials = credentials
        self._loaded = True

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        if self._client_info is not None:
            return self._client_info
        stored = await self.credentials()
        if stored is None:
            return None
        return OAuthClientInformationFull(
            client_id=stored.client_id,
            client_secret=None if stored.client_secret is None else stored.client_secret.get_secret_value(),
            token_endpoint_auth_method=stored.token_endpoint_auth_method or "none",
            issuer=stored.issuer,
        )

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self._client_info = client_info


class _ScopedClientMetadata(OAuthClientMetadata):
    """Client metadata whose `scope` keeps the scopes we were asked for.

    The SDK sets `scope` to its own choice (the challenge, then the protected-resource or authorization-server
    metadata) before registering and authorizing. With pinned scopes, that choice is replaced by ours, or on a
    step-up (403 `insufficient_scope`) added to ours, so the registration and the authorization request both ask
    for what the user or config.toml chose.
    """

    _pinned: str | None = PrivateAttr(default=None)
    _step_up: Callable[[], bool] | None = PrivateAttr(default=None)

    def pin_scopes(self, scopes: str | None, step_up: Callable[[], bool]) -> None:
        self._pinned = scopes
        self._step_up = step_up
        if scopes is not None:
            self.scope = scopes

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "scope" and self._pinned is not None:
            stepping_up = self._step_up is not None and self._step_up()
            value = union_scopes(self._pinned, value) if stepping_up else self._pinned
        super().__setattr__(name, value)


@dataclass
class _Context(OAuthContext):
    """The SDK's context, with a configured `oauth_resource` taking the place of the derived one."""

    resource_override: str | None = None

    def get_resource_url(self) -> str:
        return self.resource_override or super().get_resource_url()

    def should_include_resource_param(self, protocol_version: str | None = None) -> bool:
        return self.resource_override is not None or super().should_include_resource_param(protocol_version)


class _OAuthProvider(OAuthClientProvider):
    """The SDK's provider with our expiry skew, scope choice and login-required reporting."""

    def __init__(
        self,
        *,
        server_name: str,
        server_url: str,
        storage: _ProviderStorage,
        redirect_uri: str,
        redirect_handler: Callable[[str], Awaitable[None]],
        callback_handler: Callable[[], Awaitable[AuthorizationCodeResult]],
        scopes: Sequence[str] | None,
        resource: str | None,
    ) -> None:
        self._step_up = False
        metadata = _ScopedClientMetadata(
            client_name=CLIENT_NAME,
            redirect_uris=[AnyUrl(redirect_uri)],
            grant_types=["authorization_code", "refresh_token"],
            token_endpoint_auth_method="none",
            response_types=["code"],
        )
        metadata.pin_scopes(" ".join(scopes) if scopes else None, lambda: self._step_up)
        super().__init__(
            server_url=server_url,
            client_metadata=metadata,
            storage=storage,
            redirect_handler=redirect_handler,
            callback_handler=callback_handler,
        )
        self.context = _Context(
            server_url=server_url,
            client_metadata=metadata,
            storage=storage,
            redirect_handler=redirect_handler,
            callback_handler=callback_handler,
            resource_override=resource,
        )
        self._storage = storage
        self._server_name = server_name

    def __repr__(self) -> str:
        return f"_OAuthProvider(server={self._server_name!r})"

    def _apply_skew(self) -> None:
        if self.context.token_expiry_time is not None:
            self.context.token_expiry_time -= REFRESH_SKEW_SEC

    async def _initialize(self) -> None:
        await super()._initialize()
        stored = await self._storage.credentials()
        if self.context.current_tokens is not None and stored is not None and stored.expires_at is not None:
            self.context.token_expiry_time = stored.expires_at / 1000 - REFRESH_SKEW_SEC

    async def _handle_token_response(self, response: httpx2.Response) -> None:
        await super()._handle_token_response(response)
        self._apply_skew()

    async def _handle_refresh_response(self, response: httpx2.Response) -> bool:
        refreshed = await super()._handle_refresh_response(response)
        if refreshed:
            self._apply_skew()
        return refreshed

    async def _auth_flow(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        # Watch the answers to the request being authenticated: a 403 `insufficient_scope` is a step-up, where the
        # challenged scopes must be added to ours rather than replaced by them.
        flow = super()._auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                response = yield outgoing
                if outgoing is request:
                    self._step_up = response.status_code == 403
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await flow.aclose()


def requested_scopes(config: McpServerConfig, explicit: Sequence[str] | None) -> list[str] | None:
    """Explicit scopes win over configured ones; `None` lets the server's metadata decide."""
    if explicit:
        return list(explicit)
    return list(config.scopes) if config.scopes else None


async def session_auth(server_name: str, config: McpServerConfig, store: McpCredentialStore) -> httpx2.Auth | None:
    """The auth for a session's connection: the stored OAuth tokens (refreshed as needed), or `None` when there
    are none. A server that asks for a new login then fails with `McpAuthRequiredError`."""
    transport = config.transport
    assert isinstance(transport, McpStreamableHttpTransport)
    storage = _ProviderStorage(store, server_name, transport.url, fresh=False, client=None)
    if await storage.credentials() is None:
        return None

    async def no_person_here(_url: str) -> None:
        raise McpAuthRequiredError(login_required_message(server_name), server=server_name)

    async def no_callback() -> AuthorizationCodeResult:  # pragma: no cover - never reached: the redirect raises
        raise McpAuthRequiredError(login_required_message(server_name), server=server_name)

    return _OAuthProvider(
        server_name=server_name,
        server_url=transport.url,
        storage=storage,
        redirect_uri="http://127.0.0.1/callback",
        redirect_handler=no_person_here,
        callback_handler=no_callback,
        scopes=config.scopes,
        resource=config.oauth_resource,
    )


class _CallbackServer:
    """A one-shot HTTP server on loopback that receives the authorization server's redirect."""

    def __init__(self, path: str) -> None:
        self._path = path
        self.expected_state: str | None = None
        self._result: AuthorizationCodeResult | McpOAuthError | None = None
        self._done = anyio.Event()

    async def serve(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        await listener.serve(self._handle)

    async def wait(self, limit_sec: float) -> AuthorizationCodeResult:
        with anyio.move_on_after(limit_sec):
            await self._done.wait()
        result = self._result
        if result is None:
            raise McpOAuthError(f"no answer from the browser within {limit_sec:g} seconds; run the login again")
        if isinstance(result, McpOAuthError):
            raise result
        return result

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                with anyio.fail_after(10):
                    data = b""
                    while b"\r\n\r\n" not in data and len(data) < 65536:
                        data += await stream.receive()
                status, body = self._answer(data)
                payload = body.encode()
                head = (
                    f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
                )
                await stream.send(head.encode() + payload)
            except (TimeoutError, anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                return

    def _answer(self, data: bytes) -> tuple[str, str]:
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) < 2 or parts[0] != "GET":
            return "400 Bad Request", INVALID_CALLBACK
        target = urlsplit(parts[1])
        if target.path != self._path or self._done.is_set():
            return "400 Bad Request", INVALID_CALLBACK
        query = parse_qs(target.query)

        def first(key: str) -> str | None:
            values = query.get(key)
            return values[0] if values else None

        state = first("state")
        if self.expected_state is None or state != self.expected_state:
            # Not the answer to our request (a stale tab or a forged link): keep waiting for the real one.
            return "400 Bad Request", INVALID_CALLBACK
        error = first("error")
        if error is not None:
            description = first("error_description")
            text = f"OAuth error: {error}" + (f": {description}" if description else "")
            self._result = McpOAuthError(f"the authorization server refused the login ({text})")
            self._done.set()
            return "400 Bad Request", text
        code = first("code")
        if not code:
            return "400 Bad Request", INVALID_CALLBACK
        self._result = AuthorizationCodeResult(code=code, state=state, iss=first("iss"))
        self._done.set()
        return "200 OK", SUCCESS_PAGE


def _can_open_browser() -> bool:
    if os.environ.get(NO_BROWSER_ENV):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _is_loopback(host: str | None) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


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
    if settings.callback_url:
        custom = urlsplit(settings.callback_url)
        path = custom.path or "/callback"
        bind_host = "127.0.0.1" if _is_loopback(custom.hostname) else "0.0.0.0"
        bind_port = settings.callback_port or custom.port or 0
    else:
        path, bind_host, bind_port = "/callback", "127.0.0.1", settings.callback_port or 0

    def announce(url: str) -> None:
        if on_authorization_url is not None:
            on_authorization_url(url)
        else:
            print(authorization_prompt(server_name, url), flush=True)  # noqa: T201

    callback = _CallbackServer(path)
    storage = _ProviderStorage(store, server_name, transport.url, fresh=True, client=client)
    try:
        listener = await anyio.create_tcp_listener(local_host=bind_host, local_port=bind_port)
    except OSError as exc:
        raise McpOAuthError(
            f"could not listen for the OAuth callback on {bind_host}:{bind_port}: {exc.strerror}", server=server_name
        ) from None
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    redirect_uri = settings.callback_url or f"http://127.0.0.1:{port}{path}"

    async def redirect_handler(url: str) -> None:
        callback.expected_state = (parse_qs(urlsplit(url).query).get("state") or [None])[0]
        announce(url)
        if open_browser and _can_open_browser():
            await anyio.to_thread.run_sync(webbrowser.open, url)

    async def callback_handler() -> AuthorizationCodeResult:
        return await callback.wait(callback_timeout_sec)

    provider = _OAuthProvider(
        server_name=server_name,
        server_url=transport.url,
        storage=storage,
        redirect_uri=redirect_uri,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
        scopes=requested_scopes(config, scopes),
        resource=config.oauth_resource,
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
