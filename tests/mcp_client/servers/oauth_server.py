"""A loopback OAuth 2.1 authorization server and protected MCP server in one app, built only from the `mcp` SDK:
RFC 8414 metadata, RFC 7591 registration, PKCE S256 code grant, refresh with rotation, revocation, RFC 9728
protected-resource metadata and bearer checks bound to the resource. Authorization is approved at once (the test
plays the browser by following the redirect); the test can expire and revoke tokens to drive the client's paths.
`scope_gate` puts a per-tool scope in front of the app: calling such a tool with a token that lacks it gets a
403 `insufficient_scope` challenge, as a server that wants a step-up answers."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl

SCOPES = ["mcp:read", "mcp:write"]


@dataclass
class AutoApproveProvider(OAuthAuthorizationServerProvider[AuthorizationCode, RefreshToken, AccessToken]):
    """An in-memory `OAuthAuthorizationServerProvider` that approves every authorization request."""

    deny: bool = False
    access_lifetime: int = 3600
    clients: dict[str, OAuthClientInformationFull] = field(default_factory=lambda: {})
    codes: dict[str, AuthorizationCode] = field(default_factory=lambda: {})
    access: dict[str, AccessToken] = field(default_factory=lambda: {})
    refresh: dict[str, RefreshToken] = field(default_factory=lambda: {})
    authorizations: list[AuthorizationParams] = field(default_factory=lambda: [])
    refreshes: int = 0

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id is not None
        # Every client may later ask for any scope this server knows (a client starts narrow and steps up).
        self.clients[client_info.client_id] = client_info.model_copy(update={"scope": " ".join(SCOPES)})

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        self.authorizations.append(params)
        if self.deny:
            return construct_redirect_uri(
                str(params.redirect_uri),
                error="access_denied",
                error_description="the user said no",
                state=params.state,
            )
        code = secrets.token_urlsafe(24)
        assert client.client_id is not None
        self.codes[code] = AuthorizationCode(
            code=code,
            client_id=client.client_id,
            scopes=params.scopes or [],
            expires_at=time.time() + 300,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
            subject="test-user",
        )
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        return self.codes.get(authorization_code)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None, subject: str | None) -> OAuthToken:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[access] = AccessToken(
            token=access,
            client_id=client_id,
            scopes=scopes,
            resource=resource,
            subject=subject,
            expires_at=int(time.time()) + self.access_lifetime,
        )
        self.refresh[refresh] = RefreshToken(
            token=refresh, client_id=client_id, scopes=scopes, resource=resource, subject=subject
        )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=self.access_lifetime,
            refresh_token=refresh,
            scope=" ".join(scopes),
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        self.codes.pop(authorization_code.code, None)
        return self._issue(
            authorization_code.client_id,
            authorization_code.scopes,
            authorization_code.resource,
            authorization_code.subject,
        )

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        return self.refresh.get(refresh_token)

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        self.refresh.pop(refresh_token.token, None)
        self.refreshes += 1
        return self._issue(
            client.client_id or "", scopes or refresh_token.scopes, refresh_token.resource, refresh_token.subject
        )

    async def load_access_token(self, token: str) -> AccessToken | None:
        found = self.access.get(token)
        if found is not None and found.expires_at is not None and found.expires_at < time.time():
            return None
        return found

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        self.access.pop(token.token, None)
        self.refresh.pop(token.token, None)

    def revoke_all_refresh_tokens(self) -> None:
        self.refresh.clear()


def build_protected_server(base_url: str, provider: AutoApproveProvider) -> MCPServer:
    """An MCP server at `<base_url>/mcp` that is also its own authorization server."""
    server = MCPServer(
        "protected",
        auth_server_provider=provider,
        auth=AuthSettings(
            issuer_url=AnyHttpUrl(base_url),
            resource_server_url=AnyHttpUrl(f"{base_url}/mcp"),
            validate_token_resource=True,
            required_scopes=[],
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=SCOPES, default_scopes=["mcp:read"]
            ),
            revocation_options=RevocationOptions(enabled=True),
        ),
        log_level="WARNING",
    )

    @server.tool(description="Say who the token belongs to")
    def whoami() -> str:
        return "authenticated"

    @server.tool(description="Write a note (needs the mcp:write scope when the app is behind scope_gate)")
    def write_note(text: str) -> str:
        return f"noted: {text}"

    return server


def scope_gate(app: Any, base_url: str, provider: AutoApproveProvider, needs: Mapping[str, str]) -> Any:
    """An ASGI app in front of `app`: a `tools/call` of a tool named in `needs` whose bearer token lacks that
    scope is answered 403 with an `insufficient_scope` challenge naming the scope."""

    async def gate(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/mcp":
            await app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            parsed: object = json.loads(body)
        except ValueError:
            parsed = None
        request = cast(dict[str, Any], parsed) if isinstance(parsed, dict) else {}
        wanted = None
        if request.get("method") == "tools/call":
            params: dict[str, Any] = request.get("params") or {}
            wanted = needs.get(str(params.get("name")))
        if wanted is not None:
            headers = dict(scope["headers"])
            token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
            granted = provider.access.get(token)
            if granted is not None and wanted not in granted.scopes:
                challenge = (
                    f'Bearer error="insufficient_scope", scope="{wanted}", '
                    f'resource_metadata="{base_url}/.well-known/oauth-protected-resource/mcp"'
                )
                payload = json.dumps({"error": "insufficient_scope"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", challenge.encode()),
                            (b"content-length", str(len(payload)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": payload})
                return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await app(scope, replay, send)

    return gate
