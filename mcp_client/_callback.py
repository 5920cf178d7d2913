"""The loopback HTTP server that receives the authorization server's redirect at the end of a browser login.

One is opened for `pycodex mcp login` and for every new login inside a session. It answers only the request that
carries the `state` of the authorization request in flight (a stale tab or a forged link is refused and the
server keeps waiting), and reports the code, the `iss` and any error the authorization server sent.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc
from mcp.shared.auth import AuthorizationCodeResult

from ._config import McpOAuthSettings
from .errors import McpOAuthError

CALLBACK_TIMEOUT_SEC = 300.0
"""How long a login waits for the browser (Codex's figure)."""
NO_BROWSER_ENV = "PYCODEX_NO_BROWSER"
SUCCESS_PAGE = "Authentication complete. You may close this window."
INVALID_CALLBACK = "Invalid OAuth callback"


class CallbackServer:
    """A one-shot HTTP server on loopback that receives the authorization server's redirect."""

    def __init__(self, path: str) -> None:
        self._path = path
        self.expected_state: str | None = None
        self._result: AuthorizationCodeResult | McpOAuthError | None = None
        self._done = anyio.Event()

    async def serve(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        await listener.serve(self._handle)

    def expect(self, authorization_url: str) -> None:
        """Accept only the redirect that answers this authorization URL (by its `state`)."""
        self.expected_state = (parse_qs(urlsplit(authorization_url).query).get("state") or [None])[0]

    @property
    def answered(self) -> bool:
        """Whether the browser came back (with a code or an error)."""
        return self._done.is_set()

    async def wait(self, limit_sec: float) -> AuthorizationCodeResult:
        """The code the browser brought back; raises `McpOAuthError` on a refusal or after `limit_sec`."""
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


def can_open_browser() -> bool:
    """Whether a browser window could appear: not switched off with `PYCODEX_NO_BROWSER`, and a display."""
    if os.environ.get(NO_BROWSER_ENV):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _is_loopback(host: str | None) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


@dataclass
class CallbackEndpoint:
    """A bound (not yet serving) callback listener and the redirect URI that reaches it."""

    listener: anyio.abc.Listener[anyio.abc.SocketStream]
    redirect_uri: str
    server: CallbackServer


async def open_callback(
    settings: McpOAuthSettings, *, server_name: str, registered_uri: str | None = None
) -> CallbackEndpoint:
    """Bind the callback listener as `mcp_oauth_callback_url` / `mcp_oauth_callback_port` say.

    Without either, the redirect goes to `http://127.0.0.1:<port>/callback`: the port of `registered_uri` (the
    redirect URI the client was registered with, which strict authorization servers insist on) when it is a
    loopback URI and the port is free, else any free port (RFC 8252 lets loopback redirects change port).
    """
    preferred = 0
    if settings.callback_url:
        custom = urlsplit(settings.callback_url)
        path = custom.path or "/callback"
        bind_host = "127.0.0.1" if _is_loopback(custom.hostname) else "0.0.0.0"
        bind_port = settings.callback_port or custom.port or 0
    else:
        path, bind_host, bind_port = "/callback", "127.0.0.1", settings.callback_port or 0
        if not bind_port and registered_uri:
            registered = urlsplit(registered_uri)
            if registered.scheme == "http" and _is_loopback(registered.hostname) and registered.path == path:
                preferred = registered.port or 0
    try:
        listener = await anyio.create_tcp_listener(local_host=bind_host, local_port=preferred or bind_port)
    except OSError as exc:
        if not preferred:
            raise McpOAuthError(
                f"could not listen for the OAuth callback on {bind_host}:{bind_port}: {exc.strerror}",
                server=server_name,
            ) from None
        return await open_callback(settings, server_name=server_name)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    if preferred and registered_uri:
        redirect_uri = registered_uri
    else:
        redirect_uri = settings.callback_url or f"http://127.0.0.1:{port}{path}"
    return CallbackEndpoint(listener, redirect_uri, CallbackServer(path))
