"""The OAuth client of one server, built on the `mcp` SDK's `OAuthClientProvider` (an `httpx2.Auth`).

The SDK does discovery (RFC 9728 protected-resource metadata, RFC 8414 / OIDC authorization-server metadata),
client ID metadata documents or dynamic registration (RFC 7591), PKCE S256, the RFC 8707 `resource` parameter, the
RFC 9207 `iss` check, step-up on `insufficient_scope` and refresh. On top of it this module adds:

* storage in Codex's layout (`_credentials`), loaded with the expiry it was saved with, and a refresh 30 seconds
  before the access token expires;
* scope selection: explicit scopes (`--scopes`) > configured `scopes` > what the server advertises (the SDK's
  choice); a step-up adds the challenged scopes to ours;
* a configured `oauth_resource` sent as the `resource` parameter, and a configured client (`oauth.client_id`
  with its stored secret, or `oauth.client_metadata_url`);
* in a session, a new login when the server asks for one, through the front end's `AuthorizationHandler`
  (`_authorization`), with its own loopback callback server; without a handler (or while the session starts)
  the request fails with `McpAuthRequiredError` naming `pycodex mcp login`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import anyio.to_thread
import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.auth.oauth2 import OAuthContext
from mcp.client.auth.utils import union_scopes
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl, PrivateAttr, SecretStr

from ._authorization import AuthorizationHandler, AuthorizationReason, AuthorizationRequest, waiting_for_a_person
from ._callback import CallbackServer, open_callback
from ._config import McpOAuthSettings, McpServerConfig, McpStreamableHttpTransport
from ._credentials import McpCredentialStore, StoredIn, StoredOAuthCredentials
from ._errors_map import describe_exception
from .errors import McpAuthRequiredError, McpOAuthError

logger = logging.getLogger(__name__)


class _QuietRefusals(logging.Filter):
    """Drops the SDK's "OAuth flow error" report when the flow stopped because nobody could log in again: that
    is an answer (the call fails with its own message), not an error with a traceback on stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, McpAuthRequiredError)


logging.getLogger("mcp.client.auth.oauth2").addFilter(_QuietRefusals())

REFRESH_SKEW_SEC = 30.0
"""Refresh this long before the access token's expiry (Codex's rule)."""
CLIENT_NAME = "pycodex"


def login_required_message(server: str) -> str:
    """What a session says when a server needs `pycodex mcp login`."""
    return f"The {server} MCP server is not logged in. Run `pycodex mcp login {server}`."


def more_access_message(server: str, scopes: Sequence[str]) -> str:
    """What a session says when a call needs scopes the stored token lacks and nobody could log in again."""
    if not scopes:
        return login_required_message(server)
    return (
        f"The {server} MCP server needs more access for this call (scopes: {' '.join(scopes)}). "
        f"Run `pycodex mcp login {server} --scopes {','.join(scopes)}`."
    )


@dataclass(frozen=True)
class PreRegisteredClient:
    """A client registered with the authorization server beforehand (no dynamic registration)."""

    client_id: str
    client_secret: SecretStr | None = None
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post", "none"] | None = None
    """How to authenticate at the token endpoint; default `client_secret_post` with a secret, else `none`."""


class ProviderStorage:
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
        self.redirect_uri: str | None = None
        """The redirect URI of the last authorization (stored with the tokens)."""

    def __repr__(self) -> str:
        return f"ProviderStorage(server={self._server!r})"

    async def credentials(self) -> StoredOAuthCredentials | None:
        if not self._loaded:
            self._credentials = await anyio.to_thread.run_sync(self._store.load, self._server, self._url)
            self._loaded = True
            if self._credentials is not None:
                self.redirect_uri = self._credentials.redirect_uri
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
            redirect_uri=self.redirect_uri,
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


class OAuthProvider(OAuthClientProvider):
    """The SDK's provider with our expiry skew, scope choice, configured client and session logins."""

    def __init__(
        self,
        *,
        server_name: str,
        server_url: str,
        storage: ProviderStorage,
        redirect_uri: str,
        redirect_handler: Callable[[str], Awaitable[None]],
        callback_handler: Callable[[], Awaitable[AuthorizationCodeResult]],
        scopes: Sequence[str] | None,
        resource: str | None,
        client_metadata_url: str | None = None,
        session_login: SessionLogin | None = None,
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
            client_metadata_url=client_metadata_url,
        )
        self.context = _Context(
            server_url=server_url,
            client_metadata=metadata,
            storage=storage,
            redirect_handler=redirect_handler,
            callback_handler=callback_handler,
            client_metadata_url=client_metadata_url,
            resource_override=resource,
        )
        self.storage = storage
        self._server_name = server_name
        self.session_login = session_login

    def __repr__(self) -> str:
        return f"OAuthProvider(server={self._server_name!r})"

    @property
    def stepping_up(self) -> bool:
        """Whether the flow in progress answers a 403 `insufficient_scope` (rather than a 401)."""
        return self._step_up

    def _apply_skew(self) -> None:
        if self.context.token_expiry_time is not None:
            self.context.token_expiry_time -= REFRESH_SKEW_SEC

    async def _initialize(self) -> None:
        await super()._initialize()
        stored = await self.storage.credentials()
        if self.context.current_tokens is not None and stored is not None and stored.expires_at is not None:
            self.context.token_expiry_time = stored.expires_at / 1000 - REFRESH_SKEW_SEC

    async def _perform_authorization(self) -> httpx2.Request:
        if self.session_login is None:
            return await super()._perform_authorization()
        return await self.session_login.perform(self, super()._perform_authorization)

    async def _handle_token_response(self, response: httpx2.Response) -> None:
        redirect_uris = self.context.client_metadata.redirect_uris
        if redirect_uris:
            self.storage.redirect_uri = str(redirect_uris[0])
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
        refused: Exception | None = None
        try:
            outgoing = await flow.__anext__()
            while True:
                response = yield outgoing
                if outgoing is request:
                    self._step_up = response.status_code == 403
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        except Exception as exc:
            if self.session_login is None:
                raise
            refused = exc
        finally:
            await flow.aclose()
        # In a session the new login did not happen. An exception here would end the whole connection (the
        # transport's task group), so the refused request goes once more as it was and its refusal (401/403)
        # becomes the answer: only this call fails, and the manager says why from `session_login.failure`.
        assert refused is not None and self.session_login is not None
        self.session_login.note(refused)
        yield request


def requested_scopes(config: McpServerConfig, explicit: Sequence[str] | None) -> list[str] | None:
    """Explicit scopes win over configured ones; `None` lets the server's metadata decide."""
    if explicit:
        return list(explicit)
    return list(config.scopes) if config.scopes else None


def configured_client(
    server_name: str, config: McpServerConfig, store: McpCredentialStore
) -> PreRegisteredClient | None:
    """The client `[mcp_servers.<name>.oauth] client_id` names, with its secret from the credential store
    (blocking: call from a worker thread in async code)."""
    transport = config.transport
    if config.oauth is None or config.oauth.client_id is None or not isinstance(transport, McpStreamableHttpTransport):
        return None
    secret = store.load_client_secret(server_name, transport.url, config.oauth.client_id)
    return PreRegisteredClient(client_id=config.oauth.client_id, client_secret=secret)


class SessionLogin:
    """A new browser login inside a running session, through the front end's `AuthorizationHandler`.

    The SDK calls `perform` where it would authorize (after discovery, with the scopes chosen); `perform` opens a
    callback server, and the SDK's `redirect` and `callback` hooks hand the authorization URL to the handler and
    take the code back. Whatever stops the login (no handler, a decline, a timeout, a refusal) is kept in
    `failure` for the call that was refused, and raised.
    """

    def __init__(
        self,
        server_name: str,
        settings: McpOAuthSettings,
        handler: Callable[[], AuthorizationHandler | None],
    ) -> None:
        self._server = server_name
        self._settings = settings
        self._handler = handler
        self._pending: tuple[AuthorizationHandler, CallbackServer, tuple[str, ...], AuthorizationReason] | None = None
        self._request: AuthorizationRequest | None = None
        self.failure: McpAuthRequiredError | None = None

    def __repr__(self) -> str:
        return f"SessionLogin(server={self._server!r})"

    def _refusal(
        self, scopes: Sequence[str], reason: AuthorizationReason, why: str | None = None
    ) -> McpAuthRequiredError:
        message = more_access_message(self._server, scopes) if reason == "insufficient_scope" else None
        message = message or login_required_message(self._server)
        if why:
            message = f"{message} ({why})"
        error = McpAuthRequiredError(message, server=self._server, scopes=list(scopes) or None)
        self.failure = error
        return error

    def note(self, exc: Exception) -> None:
        """Keep why a login in the middle of the session did not happen (the refusal, or the flow's error)."""
        if isinstance(exc, McpAuthRequiredError):
            self.failure = exc
            return
        self.failure = McpAuthRequiredError(
            f"{login_required_message(self._server)} (a new login failed: {describe_exception(exc)})",
            server=self._server,
        )

    async def perform(
        self, provider: OAuthProvider, authorize: Callable[[], Awaitable[httpx2.Request]]
    ) -> httpx2.Request:
        """Run the SDK's authorization step (`authorize`) with a person reached through the handler."""
        scopes = tuple((provider.context.client_metadata.scope or "").split())
        reason: AuthorizationReason = "insufficient_scope" if provider.stepping_up else "reauthorize"
        handler = self._handler()
        if handler is None:
            raise self._refusal(scopes, reason)
        endpoint = await open_callback(
            self._settings, server_name=self._server, registered_uri=provider.storage.redirect_uri
        )
        provider.context.client_metadata.redirect_uris = [AnyUrl(endpoint.redirect_uri)]
        outcome: list[httpx2.Request | Exception] = []
        # The listener outlives the task group, so the serving task is cancelled before its socket closes.
        async with endpoint.listener, anyio.create_task_group() as tg:
            tg.start_soon(endpoint.server.serve, endpoint.listener)
            self._pending = (handler, endpoint.server, scopes, reason)
            try:
                outcome.append(await authorize())
            except Exception as exc:
                outcome.append(exc)
            finally:
                self._pending = None
                self._request = None
                tg.cancel_scope.cancel()
        # Raised outside the task group so that the caller gets the error itself, not an exception group.
        (result,) = outcome
        if isinstance(result, Exception):
            raise result
        self.failure = None
        return result

    async def redirect(self, url: str) -> None:
        """The SDK's redirect handler: show the authorization URL through the front end's handler."""
        assert self._pending is not None, "redirect outside SessionLogin.perform"
        handler, callback, scopes, reason = self._pending
        callback.expect(url)
        request = AuthorizationRequest(self._server, url, scopes, reason, callback.wait)
        self._request = request
        try:
            with waiting_for_a_person():
                await handler(request)
        except McpOAuthError as exc:
            raise self._refusal(scopes, reason, exc.message) from None
        except Exception:  # a broken front end must not take the session down with it
            logger.exception("the authorization handler failed; declining the login")
        if not request.completed:
            raise self._refusal(scopes, reason)

    async def callback(self) -> AuthorizationCodeResult:
        """The SDK's callback handler: the code the browser brought back."""
        request = self._request
        result = None if request is None else request.code_result
        if result is None:  # pragma: no cover - `redirect` raises unless the request completed
            raise McpAuthRequiredError(login_required_message(self._server), server=self._server)
        return result


async def session_auth(
    server_name: str,
    config: McpServerConfig,
    store: McpCredentialStore,
    *,
    settings: McpOAuthSettings | None = None,
    authorization: Callable[[], AuthorizationHandler | None] = lambda: None,
) -> OAuthProvider | None:
    """The auth for a session's connection: the stored OAuth tokens (refreshed as needed), or `None` when there
    are none. When the server asks for a new login, `authorization()` gives the handler to ask (`None`: fail
    with `McpAuthRequiredError`)."""
    transport = config.transport
    assert isinstance(transport, McpStreamableHttpTransport)
    storage = ProviderStorage(store, server_name, transport.url, fresh=False, client=None)
    if await storage.credentials() is None:
        return None
    login = SessionLogin(server_name, settings or McpOAuthSettings(), authorization)
    return OAuthProvider(
        server_name=server_name,
        server_url=transport.url,
        storage=storage,
        redirect_uri=storage.redirect_uri or "http://127.0.0.1/callback",
        redirect_handler=login.redirect,
        callback_handler=login.callback,
        scopes=config.scopes,
        resource=config.oauth_resource,
        client_metadata_url=config.oauth.client_metadata_url if config.oauth else None,
        session_login=login,
    )
