"""`McpConnectionManager`: every configured server started in parallel, their tools under model-visible names,
tool calls and resources routed to the right server, and a bounded shutdown."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO

import anyio
import mcp.types as types
from keyring.backend import KeyringBackend
from mcp import MCPError
from mcp.shared.dispatcher import ProgressFnT

from ._authorization import AuthorizationHandler, call_clock, decline_authorization
from ._config import McpOAuthSettings, McpServerConfig
from ._connection import SHUTDOWN_TIMEOUT_SEC, ServerRunner, collect_pages
from ._credentials import McpCredentialStore
from ._elicitation import ElicitationHandler, decline_elicitation
from ._errors_map import describe_exception, leaf_exception
from ._names import QualifiedToolName, qualify_tools
from ._oauth_provider import login_required_message
from ._output import read_resource_payload, resource_templates_payload, resources_payload
from .errors import (
    McpAuthRequiredError,
    McpClosedError,
    McpRequiredServerError,
    McpStartupError,
    McpToolError,
    McpToolTimeoutError,
    McpUnknownServerError,
    McpUnknownToolError,
)

logger = logging.getLogger(__name__)

_CONNECTION_CLOSED = -32000
_READY_GRACE_SEC = 0.25


def default_codex_home() -> Path:
    """`$CODEX_HOME`, or `~/.codex`."""
    import os

    value = os.environ.get("CODEX_HOME")
    return Path(value).expanduser() if value else Path.home() / ".codex"


@dataclass(frozen=True)
class McpToolInfo:
    """One tool of one running server, with the names the model sees it under."""

    server: str
    """The configured server name."""
    tool: types.Tool
    """The tool as the server listed it (its raw `name` is what goes on the wire)."""
    qualified_name: str
    """The flat model-visible name, `mcp__<server>__<tool>` (sanitised, at most 64 bytes, unique)."""
    namespace: str
    """The Responses namespace, `mcp__<server>`."""
    name: str
    """The tool's name inside its namespace (sanitised: `get-sum` → `get_sum`)."""

    def function_spec(self) -> dict[str, Any]:
        """The `{"type": "function", ...}` entry of this tool inside its Responses namespace, with the input schema
        exactly as the server sent it (a model wire that cannot take some keyword removes it itself)."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.tool.description or "",
            "strict": False,
            "parameters": dict(self.tool.input_schema),
        }


@dataclass(frozen=True)
class McpServerInfo:
    """What a running server told us about itself."""

    name: str
    protocol_version: str
    server_info: types.Implementation | None
    instructions: str | None
    capabilities: types.ServerCapabilities


class McpConnectionManager:
    """The connections of one session to its external MCP servers.

    Use it as an async context manager, entered and left in the same task::

        async with McpConnectionManager(servers, codex_home=home) as mcp:
            for failure in mcp.failures.values():
                print(failure.message)
            result = await mcp.call_tool("docs", "search", {"q": "x"})

    Entering starts every enabled server at once and returns when each has started or failed (a server never
    waits longer than its own `startup_timeout_sec`). A failed server is reported in `failures` and the others
    work; if a server with `required = true` fails, entering raises `McpRequiredServerError` instead.
    """

    def __init__(
        self,
        servers: Mapping[str, McpServerConfig],
        *,
        codex_home: Path | None = None,
        oauth: McpOAuthSettings | None = None,
        elicitation_handler: ElicitationHandler = decline_elicitation,
        authorization_handler: AuthorizationHandler = decline_authorization,
        stderr: TextIO | None = None,
        keyring_backend: KeyringBackend | None = None,
    ) -> None:
        """Args:
        servers: the `[mcp_servers]` tables; disabled ones are not started.
        codex_home: where the OAuth credentials file lives (default `$CODEX_HOME` or `~/.codex`).
        oauth: the top-level OAuth settings (credentials store mode, callback port or URL).
        elicitation_handler: answers servers' elicitation requests (default: decline).
        authorization_handler: lets a person log in again when a server asks mid-session (more scopes, or
            refresh failed); by default nobody is asked and the call fails with the `pycodex mcp login` message.
        stderr: where stdio servers' stderr goes; by default it is captured and quoted when a server fails.
        keyring_backend: a specific keyring backend (tests); default is keyring's own choice.
        """
        self._configs = dict(servers)
        settings = oauth or McpOAuthSettings()
        self._oauth = settings
        self._store = McpCredentialStore(
            codex_home or default_codex_home(), settings.credentials_store, keyring_backend=keyring_backend
        )
        self._elicitation = elicitation_handler
        self._authorization = authorization_handler
        self._stderr = stderr
        self._runners: dict[str, ServerRunner] = {}
        self._tools: list[McpToolInfo] = []
        self._stack: AsyncExitStack | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._started = False
        self._closed = False

    # lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Start every enabled server in parallel and wait until each has started or failed."""
        if self._closed:
            raise McpClosedError("the MCP connection manager is closed")
        if self._started:
            raise RuntimeError("the MCP connection manager is already started")
        self._started = True
        stack = AsyncExitStack()
        self._task_group = await stack.enter_async_context(anyio.create_task_group())
        self._stack = stack
        for name, config in self._configs.items():
            if not config.enabled:
                continue
            runner = ServerRunner(name=name, config=config)
            self._runners[name] = runner
            self._task_group.start_soon(self._run, runner)
        async with anyio.create_task_group() as waits:
            for runner in self._runners.values():
                waits.start_soon(self._await_ready, runner)
        self._tools = self._qualify()
        required = [r for r in self._runners.values() if r.failure is not None and r.config.required]
        if required:
            failure = required[0].failure
            assert failure is not None
            await self.aclose()
            raise McpRequiredServerError(
                f"the MCP server `{failure.server}` is required (required = true) but did not start: {failure.message}",
                server=required[0].name,
                reason=failure.reason,
            ) from failure

    async def _await_ready(self, runner: ServerRunner) -> None:
        # The runner enforces its own deadline, but it only reports after tearing the attempt down (up to a few
        # seconds for a stdio server that ignores stdin closing); the session does not wait for that.
        with anyio.move_on_after(runner.config.effective_startup_timeout_sec + _READY_GRACE_SEC):
            await runner.ready.wait()
        runner.mark_timed_out()

    async def _run(self, runner: ServerRunner) -> None:
        await runner.run(
            store=self._store,
            elicitation=lambda: self._elicitation,
            stderr=self._stderr,
            oauth=self._oauth,
            authorization=self._authorization_handler,
        )

    def _authorization_handler(self) -> AuthorizationHandler | None:
        return None if self._authorization is decline_authorization else self._authorization

    async def aclose(self) -> None:
        """Stop every server (bounded) and refuse further use. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        stack, self._stack = self._stack, None
        if stack is None:
            return
        for runner in self._runners.values():
            runner.stop.set()
        # Shielded so that a cancelled session still stops its servers; bounded so that a wedged one cannot hold
        # it open. Whatever is still running past the bound is cancelled rather than waited for.
        with anyio.CancelScope(shield=True), anyio.move_on_after(SHUTDOWN_TIMEOUT_SEC + 2):
            for runner in self._runners.values():
                await runner.done.wait()
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()
        # The task group must be left outside the scopes above (anyio's scopes nest strictly); by now its tasks
        # are done or cancelled, and the SDK's own process teardown is shielded and bounded.
        await stack.aclose()

    def set_elicitation_handler(self, handler: ElicitationHandler) -> None:
        """Route future elicitation requests to `handler` (front ends call this once they are up)."""
        self._elicitation = handler

    def set_authorization_handler(self, handler: AuthorizationHandler) -> None:
        """Route future mid-session logins to `handler` (front ends call this once they are up)."""
        self._authorization = handler

    # state

    @property
    def failures(self) -> dict[str, McpStartupError]:
        """The servers that failed to start, with why."""
        return {name: r.failure for name, r in self._runners.items() if r.failure is not None}

    @property
    def running_servers(self) -> list[str]:
        """The names of the servers that are up, in configuration order."""
        self._check_open()
        return [name for name, r in self._runners.items() if r.client is not None]

    def server_info(self, server: str) -> McpServerInfo:
        """What `server` said about itself at startup."""
        client = self._client(server)
        return McpServerInfo(
            name=server,
            protocol_version=client.protocol_version,
            server_info=client.server_info,
            instructions=client.instructions,
            capabilities=client.server_capabilities,
        )

    def _check_open(self) -> None:
        if self._closed:
            raise McpClosedError("the MCP connection manager is closed")

    def _client(self, server: str) -> Any:
        self._check_open()
        runner = self._runners.get(server)
        if runner is None or runner.client is None:
            if server not in self._configs:
                raise McpUnknownServerError(f"unknown MCP server `{server}`", server=server)
            raise McpUnknownServerError(f"the MCP server `{server}` is not running", server=server)
        return runner.client

    # tools

    def _qualify(self) -> list[McpToolInfo]:
        pairs: list[tuple[str, types.Tool]] = []
        for name, runner in self._runners.items():
            if runner.client is None:
                continue
            pairs.extend((name, tool) for tool in runner.tools if runner.config.is_tool_enabled(tool.name))
        by_key = {(server, tool.name): tool for server, tool in pairs}
        names: list[QualifiedToolName] = qualify_tools((server, tool.name) for server, tool in pairs)
        return [
            McpToolInfo(
                server=q.server,
                tool=by_key[(q.server, q.tool)],
                qualified_name=q.qualified,
                namespace=q.responses_namespace,
                name=q.name,
            )
            for q in names
        ]

    def list_tools(self) -> list[McpToolInfo]:
        """Every enabled tool of every running server (after `enabled_tools`/`disabled_tools`)."""
        self._check_open()
        return list(self._tools)

    def find_tool(self, qualified_name: str) -> McpToolInfo | None:
        """The tool the model called by its flat name `mcp__<server>__<tool>`."""
        return next((t for t in self.list_tools() if t.qualified_name == qualified_name), None)

    def find_namespaced_tool(self, namespace: str, name: str) -> McpToolInfo | None:
        """The tool the model called with a namespaced function call (`namespace`, `name`)."""
        return next((t for t in self.list_tools() if t.namespace == namespace and t.name == name), None)

    def responses_namespaces(self) -> list[dict[str, Any]]:
        """The Responses wire's `{"type": "namespace", ...}` entries, one per running server with tools."""
        grouped: dict[str, list[McpToolInfo]] = {}
        for tool in self.list_tools():
            grouped.setdefault(tool.namespace, []).append(tool)
        namespaces: list[dict[str, Any]] = []
        for namespace, tools in grouped.items():
            instructions = self.server_info(tools[0].server).instructions
            namespaces.append(
                {
                    "type": "namespace",
                    "name": namespace,
                    "description": instructions or "",
                    "tools": [t.function_spec() for t in tools],
                }
            )
        return namespaces

    def server_config(self, server: str) -> McpServerConfig:
        """The configuration of `server` (approval modes, parallel-call support, timeouts)."""
        config = self._configs.get(server)
        if config is None:
            raise McpUnknownServerError(f"unknown MCP server `{server}`", server=server)
        return config

    def tool_timeout_sec(self, server: str) -> float:
        """The configured (or default) tool-call timeout of `server`."""
        config = self._configs.get(server)
        if config is None:
            raise McpUnknownServerError(f"unknown MCP server `{server}`", server=server)
        return config.effective_tool_timeout_sec

    async def call_tool(
        self,
        server: str,
        tool: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-call override of the server's tool_timeout_sec
        progress_callback: ProgressFnT | None = None,
        meta: dict[str, Any] | None = None,
    ) -> types.CallToolResult:
        """Call `tool` (its raw name) on `server`.

        A JSON-RPC error from the server comes back as an `isError` result with the text
        `MCP error <code>: <message>`, as Codex shows it. Transport failures raise `McpToolError`; running past
        `timeout` (default: the server's `tool_timeout_sec`) raises `McpToolTimeoutError`.
        """
        client = self._client(server)
        config = self._configs[server]
        runner = self._runners[server]
        refusals = runner.auth_refusals
        login = runner.session_login
        earlier_failure = None if login is None else login.failure
        if not config.is_tool_enabled(tool):
            raise McpUnknownToolError(
                f"the tool `{tool}` of MCP server `{server}` is disabled in config.toml", server=server, tool=tool
            )
        limit = timeout if timeout is not None else config.effective_tool_timeout_sec
        try:
            # The clock stops while a person logs in again (a server that wants more scopes mid-call).
            with anyio.CancelScope() as scope, call_clock(scope, limit):
                return await client.call_tool(tool, arguments or {}, progress_callback=progress_callback, meta=meta)
            raise McpToolTimeoutError(
                f"the MCP tool `{server}/{tool}` did not answer within {limit:g} seconds",
                server=server,
                tool=tool,
                timeout_sec=limit,
            )
        except McpToolTimeoutError:
            raise
        except Exception as exc:
            leaf = leaf_exception(exc)
            if runner.auth_refusals > refusals:
                # The token was refused mid-session (revoked, or the tool needs more scopes) and no new login
                # happened: say what a person has to do.
                failure = None if login is None else login.failure
                if failure is not None and failure is not earlier_failure:
                    raise McpAuthRequiredError(
                        f"{failure.message} (the call to `{tool}` was refused)", server=server, scopes=failure.scopes
                    ) from None
                raise McpAuthRequiredError(
                    f"{login_required_message(server)} (the server refused the stored token for `{tool}`)",
                    server=server,
                ) from None
            if isinstance(leaf, MCPError) and leaf.error.code != _CONNECTION_CLOSED:
                text = f"MCP error {leaf.error.code}: {leaf.error.message}"
                return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
            raise McpToolError(
                f"calling the MCP tool `{server}/{tool}` failed: {describe_exception(exc)}", server=server, tool=tool
            ) from None

    # resources

    async def _guarded(self, server: str, what: str, call: Any) -> Any:
        try:
            return await call()
        except Exception as exc:
            raise McpToolError(
                f"{what} failed for MCP server `{server}`: {describe_exception(exc)}", server=server
            ) from None

    def _resource_servers(self) -> list[str]:
        names: list[str] = []
        for name in self.running_servers:
            capabilities = self._client(name).server_capabilities
            if capabilities.resources is not None:
                names.append(name)
        return names

    async def list_resources(self, server: str | None = None, cursor: str | None = None) -> dict[str, Any]:
        """Codex's `list_mcp_resources` payload: one server's page, or every server's resources."""
        if server is not None:
            client = self._client(server)
            page: types.ListResourcesResult = await self._guarded(
                server, "resources/list", lambda: client.list_resources(cursor=cursor)
            )
            return resources_payload({server: page.resources}, server=server, next_cursor=page.next_cursor)
        if cursor is not None:
            raise McpToolError("cursor can only be used when a server is specified", server="")
        found: dict[str, list[types.Resource]] = {}

        async def one(name: str) -> None:
            client = self._client(name)

            async def fetch(c: str | None) -> tuple[list[Any], str | None]:
                result = await client.list_resources(cursor=c)
                return list(result.resources), result.next_cursor

            try:
                found[name] = await collect_pages(fetch)
            except Exception as exc:
                logger.warning("listing resources of MCP server %s failed: %s", name, describe_exception(exc))

        async with anyio.create_task_group() as tg:
            for name in self._resource_servers():
                tg.start_soon(one, name)
        return resources_payload(found)

    async def list_resource_templates(self, server: str | None = None, cursor: str | None = None) -> dict[str, Any]:
        """Codex's `list_mcp_resource_templates` payload."""
        if server is not None:
            client = self._client(server)
            page: types.ListResourceTemplatesResult = await self._guarded(
                server, "resources/templates/list", lambda: client.list_resource_templates(cursor=cursor)
            )
            return resource_templates_payload(
                {server: page.resource_templates}, server=server, next_cursor=page.next_cursor
            )
        if cursor is not None:
            raise McpToolError("cursor can only be used when a server is specified", server="")
        found: dict[str, list[types.ResourceTemplate]] = {}

        async def one(name: str) -> None:
            client = self._client(name)

            async def fetch(c: str | None) -> tuple[list[Any], str | None]:
                result = await client.list_resource_templates(cursor=c)
                return list(result.resource_templates), result.next_cursor

            try:
                found[name] = await collect_pages(fetch)
            except Exception as exc:
                logger.warning("listing resource templates of MCP server %s failed: %s", name, describe_exception(exc))

        async with anyio.create_task_group() as tg:
            for name in self._resource_servers():
                tg.start_soon(one, name)
        return resource_templates_payload(found)

    async def read_resource(self, server: str, uri: str) -> dict[str, Any]:
        """Codex's `read_mcp_resource` payload: `{"server", "uri", "contents": [...]}`."""
        client = self._client(server)
        result: types.ReadResourceResult = await self._guarded(
            server, "resources/read", lambda: client.read_resource(uri)
        )
        return read_resource_payload(server, uri, result)
