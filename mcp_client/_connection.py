"""One server's connection, run as one long-lived task so that the SDK's task groups are entered and left in the
same task: connect, list tools, report ready, wait for the stop signal, then shut down (shielded and bounded)."""

from __future__ import annotations

import logging
import math
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TextIO

import anyio
import httpx2
import mcp.types as types
from mcp import Client, StdioServerParameters
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from ._authorization import AuthorizationHandler
from ._config import McpOAuthSettings, McpServerConfig, McpStdioTransport, McpStreamableHttpTransport
from ._credentials import McpCredentialStore
from ._elicitation import ElicitationHandler, answer_elicitation
from ._errors_map import describe_exception, leaf_exception
from ._oauth_provider import SessionLogin, login_required_message, session_auth
from .errors import McpAuthRequiredError, McpClientError, McpStartupError, McpStartupTimeoutError

logger = logging.getLogger(__name__)

CLIENT_NAME = "pycodex-mcp-client"
CLIENT_TITLE = "pycodex"
SHUTDOWN_TIMEOUT_SEC = 10.0
_MAX_PAGES = 100
_STDERR_TAIL_CHARS = 600
# Passed through to stdio servers when set, besides what the SDK always passes (HOME LOGNAME PATH SHELL TERM USER);
# together they are Codex's list.
_EXTRA_INHERITED_ENV = ("LANG", "LC_ALL", "TMPDIR", "TZ", "__CF_USER_TEXT_ENCODING")


def client_info() -> types.Implementation:
    """How we introduce ourselves to servers."""
    try:
        version = metadata.version("pycodex")
    except metadata.PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
        version = "0.0.0"
    return types.Implementation(name=CLIENT_NAME, title=CLIENT_TITLE, version=version)


def stdio_environment(transport: McpStdioTransport) -> dict[str, str]:
    """The environment a stdio server gets on top of the SDK's safe defaults."""
    env: dict[str, str] = {}
    for key in _EXTRA_INHERITED_ENV:
        value = os.environ.get(key)
        if value is not None:
            env[key] = value
    for spec in transport.env_vars:
        value = os.environ.get(spec.name)
        if value is not None:
            env[spec.name] = value
    env.update(transport.env or {})
    return env


def http_headers(server: str, transport: McpStreamableHttpTransport) -> dict[str, str]:
    """Static headers, headers taken from environment variables, and the bearer token if configured."""
    headers = dict(transport.http_headers or {})
    for header, variable in (transport.env_http_headers or {}).items():
        value = os.environ.get(variable)
        if value:
            headers[header] = value
    if transport.bearer_token_env_var:
        token = os.environ.get(transport.bearer_token_env_var)
        if not token:
            raise McpStartupError(
                f"MCP client for `{server}` failed to start: the environment variable "
                f"`{transport.bearer_token_env_var}` (bearer_token_env_var) is not set",
                server=server,
                reason="missing bearer token",
            )
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _format_seconds(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def startup_timeout_message(server: str, timeout: float) -> str:
    """Codex's message for a server that did not start in time."""
    return (
        f"MCP client for `{server}` timed out after {_format_seconds(timeout)} seconds. "
        f"Add or adjust `startup_timeout_sec` in your config.toml:\n"
        f"[mcp_servers.{server}]\nstartup_timeout_sec = XX"
    )


@dataclass
class ServerRunner:
    """The state of one configured server's connection."""

    name: str
    config: McpServerConfig
    ready: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)
    stop: anyio.Event = field(default_factory=anyio.Event)
    client: Client | None = None
    tools: list[types.Tool] = field(default_factory=lambda: [])
    failure: McpStartupError | None = None
    stderr_capture: TextIO | None = None
    session_login: SessionLogin | None = None
    """The OAuth client's session logins (HTTP servers with stored tokens): why the last one did not happen."""
    _saw_unauthorized: bool = False

    def _stderr_tail(self) -> str:
        capture = self.stderr_capture
        if capture is None:
            return ""
        try:
            capture.flush()
            capture.seek(0)
            text = capture.read()
        except (OSError, ValueError):
            return ""
        text = text.strip()
        if len(text) > _STDERR_TAIL_CHARS:
            text = "…" + text[-_STDERR_TAIL_CHARS:]
        return text

    auth_refusals: int = 0
    """How many times the server answered 401, or 403 `insufficient_scope`, on this connection."""

    async def _on_response(self, response: httpx2.Response) -> None:
        if response.status_code == 401:
            self._saw_unauthorized = True
            self.auth_refusals += 1
        elif response.status_code == 403 and "insufficient_scope" in response.headers.get("www-authenticate", ""):
            self.auth_refusals += 1

    def _fail(self, exc: BaseException | None, *, timed_out: bool = False) -> None:
        if self.failure is not None:
            return
        timeout = self.config.effective_startup_timeout_sec
        if timed_out:
            self.failure = McpStartupTimeoutError(
                startup_timeout_message(self.name, timeout), server=self.name, timeout_sec=timeout
            )
            return
        assert exc is not None
        leaf = leaf_exception(exc)
        if isinstance(leaf, McpAuthRequiredError) or self._saw_unauthorized:
            message = login_required_message(self.name)
            self.failure = McpStartupError(message, server=self.name, reason="not logged in")
            self.failure.__cause__ = McpAuthRequiredError(message, server=self.name)
            return
        if isinstance(leaf, McpStartupError):
            self.failure = leaf
            return
        reason = describe_exception(leaf)
        tail = self._stderr_tail()
        message = f"MCP client for `{self.name}` failed to start: {reason}"
        if tail:
            message += f"\nserver stderr:\n{tail}"
        self.failure = McpStartupError(message, server=self.name, reason=reason)

    def mark_timed_out(self) -> None:
        """Record a startup timeout decided by the manager (the connection keeps tearing down on its own)."""
        if not self.ready.is_set() and self.failure is None:
            self._fail(None, timed_out=True)
            self.ready.set()

    async def run(
        self,
        *,
        store: McpCredentialStore,
        elicitation: Callable[[], ElicitationHandler],
        stderr: TextIO | None,
        oauth: McpOAuthSettings | None = None,
        authorization: Callable[[], AuthorizationHandler | None] = lambda: None,
    ) -> None:
        """Connect, list tools, signal `ready`, serve until `stop`, then shut down.

        A new OAuth login mid-session goes to `authorization()`; while the server starts nobody is asked (a
        server that wants a login is reported as not logged in, so that a session never waits on one server).
        """
        timeout = self.config.effective_startup_timeout_sec
        capture: TextIO | None = None
        if stderr is None and isinstance(self.config.transport, McpStdioTransport):
            capture = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
            self.stderr_capture = capture
        try:
            with anyio.CancelScope(deadline=anyio.current_time() + timeout) as startup:
                async with AsyncExitStack() as stack:
                    await self._connect(
                        stack,
                        store=store,
                        elicitation=elicitation,
                        stderr=stderr or capture,
                        oauth=oauth,
                        authorization=lambda: authorization() if self.ready.is_set() else None,
                    )
                    # Started: from now on only `stop` (or the manager's cancellation) ends the connection.
                    startup.deadline = math.inf
                    self.ready.set()
                    await self.stop.wait()
                    # Leaving the stack shuts the connection down. The SDK's stdio transport shields and bounds
                    # that itself (close stdin, wait, SIGTERM, SIGKILL), so a cancelled caller still reaps the
                    # child; the manager bounds the whole shutdown on top. No extra cancel scope here: the SDK's
                    # task groups must be left in the scope they were entered in.
            if startup.cancelled_caught and not self.ready.is_set():
                self._fail(None, timed_out=True)
        except Exception as exc:
            if not self.ready.is_set():
                self._fail(exc)
            else:
                logger.warning("MCP server %s stopped with an error: %s", self.name, describe_exception(exc))
        finally:
            self.client = None
            self.ready.set()
            self.done.set()
            if capture is not None:
                capture.close()
                self.stderr_capture = None

    async def _connect(
        self,
        stack: AsyncExitStack,
        *,
        store: McpCredentialStore,
        elicitation: Callable[[], ElicitationHandler],
        stderr: TextIO | None,
        oauth: McpOAuthSettings | None,
        authorization: Callable[[], AuthorizationHandler | None],
    ) -> None:
        async def on_elicit(
            context: ClientRequestContext, params: types.ElicitRequestParams
        ) -> types.ElicitResult | types.ErrorData:
            del context
            request: Any = params
            return await answer_elicitation(elicitation(), self.name, request)

        transport = self.config.transport
        new_target: Callable[[], Any]
        if isinstance(transport, McpStdioTransport):
            errlog = stderr if stderr is not None else sys.stderr
            parameters = StdioServerParameters(
                command=transport.command,
                args=list(transport.args),
                env=stdio_environment(transport),
                cwd=transport.cwd,
            )
            from mcp.client.stdio import stdio_client

            def new_target() -> Any:
                return stdio_client(parameters, errlog=errlog)
        else:
            headers = http_headers(self.name, transport)
            auth = None
            if not any(key.lower() == "authorization" for key in headers):
                auth = await session_auth(self.name, self.config, store, settings=oauth, authorization=authorization)
                self.session_login = None if auth is None else auth.session_login
            http = await stack.enter_async_context(
                httpx2.AsyncClient(
                    headers=headers,
                    auth=auth,
                    timeout=httpx2.Timeout(30.0, read=300.0),
                    event_hooks={"response": [self._on_response]},
                )
            )
            url = transport.url

            def new_target() -> Any:
                return streamable_http_client(url, http_client=http)

        # `handshake-first` (the default): the handshake era, where a server can send requests of its own mid-call,
        # which is how servers built on the SDK ask (`ctx.elicit`, sampling, roots), over stdio and Streamable HTTP
        # alike. Under 2026-07-28 (what `auto` picks when a server offers it) such a request fails with -32600 "no
        # back-channel". A server that refuses the handshake (2026-only) is connected again with `auto`.
        modes = ("legacy", "auto") if self.config.protocol == "handshake-first" else ("auto",)
        for mode in modes:
            attempt = AsyncExitStack()
            try:
                client = Client(new_target(), elicitation_callback=on_elicit, client_info=client_info(), mode=mode)
                await attempt.enter_async_context(client)
            except MCPError as exc:
                await attempt.aclose()
                if mode == "auto":
                    raise
                logger.info("MCP server %s refused the handshake (%s); trying 2026-07-28", self.name, exc)
                continue
            except BaseException:
                await attempt.aclose()
                raise
            await stack.enter_async_context(attempt)
            self.client = client
            self.tools = await list_all_tools(client)
            return


async def list_all_tools(client: Client) -> list[types.Tool]:
    """Every tool the server lists, following pagination."""
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


async def collect_pages(
    fetch: Callable[[str | None], Awaitable[tuple[list[Any], str | None]]],
) -> list[Any]:
    """Every item of a paginated listing."""
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page, cursor = await fetch(cursor)
        items.extend(page)
        if not cursor:
            break
    return items


def is_client_error(exc: BaseException) -> bool:
    """Whether an exception is already one of ours."""
    return isinstance(leaf_exception(exc), McpClientError)
