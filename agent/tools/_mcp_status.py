"""What each configured MCP server offers (tools, resources, resource templates) and how it authenticates: the
app-server's `mcpServerStatus/list`.

A running session's connections are asked when the caller has one; otherwise the servers are started for the
listing and stopped again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from ..config import Config
from ._mcp_bridge import oauth_settings

if TYPE_CHECKING:
    import mcp_client

JsonObject = dict[str, Any]

_AUTH = {"bearer_token": "bearerToken", "o_auth": "oAuth", "not_logged_in": "notLoggedIn"}


@dataclass
class McpServerStatus:
    """One configured server as a client sees it (field values in the MCP wire's own camelCase)."""

    name: str
    auth_status: str
    """unsupported (stdio), bearerToken, oAuth, notLoggedIn or unknown."""
    connected: bool = False
    tools: dict[str, JsonObject] = field(default_factory=lambda: {})
    """The enabled tools by their name on the server."""
    resources: list[JsonObject] = field(default_factory=lambda: [])
    resource_templates: list[JsonObject] = field(default_factory=lambda: [])
    server_info: JsonObject | None = None
    capabilities: JsonObject | None = None
    error: str | None = None
    """Why the server offered no catalogue (it did not start), else None."""
    disabled: bool = False
    from_session: bool = False
    """Whether a running session's connection answered (else the server was started for the listing)."""


def _dump(model: Any) -> JsonObject:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


async def _pages(fetch: Callable[[str | None], Awaitable[JsonObject]], key: str) -> list[JsonObject]:
    items: list[JsonObject] = []
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        items.extend({k: v for k, v in entry.items() if k != "server"} for entry in page.get(key, []))
        cursor = page.get("nextCursor")
        if not cursor:
            return items


async def _fill(
    status: McpServerStatus, manager: mcp_client.McpConnectionManager, *, resources: bool, failure: str | None
) -> None:
    import mcp_client

    name = status.name
    if name not in manager.running_servers:
        status.error = failure or f"the MCP server `{name}` is not running"
        return
    status.connected = True
    status.tools = {info.tool.name: _dump(info.tool) for info in manager.list_tools() if info.server == name}
    info = manager.server_info(name)
    status.capabilities = _dump(info.capabilities)
    if info.server_info is not None:
        status.server_info = _dump(info.server_info)
    if not resources or info.capabilities.resources is None:
        return
    try:
        status.resources = await _pages(lambda c: manager.list_resources(name, c), "resources")
        status.resource_templates = await _pages(
            lambda c: manager.list_resource_templates(name, c), "resourceTemplates"
        )
    except mcp_client.McpClientError as exc:
        status.error = str(exc)


async def mcp_server_status(
    config: Config,
    names: Sequence[str] | None = None,
    *,
    running: Any = None,
    resources: bool = True,
) -> list[McpServerStatus]:
    """The status of the configured servers `names` (all by default), in that order.

    Servers `running` (a session's `mcp_connections`) has under the same configuration are asked there; the others
    are started for the listing (never `required`: one that fails is reported in its status) and stopped after.
    Raises `KeyError` for a name that is not configured.
    """
    import mcp_client

    servers: dict[str, mcp_client.McpServerConfig] = {
        name: config.mcp_servers[name] for name in (sorted(config.mcp_servers) if names is None else names)
    }
    codex_home = config.codex_home
    oauth = oauth_settings(config)
    store = mcp_client.McpCredentialStore(codex_home, oauth.credentials_store)
    statuses = {name: McpServerStatus(name, "unknown", disabled=not s.enabled) for name, s in servers.items()}

    async def authentication(name: str, server: mcp_client.McpServerConfig) -> None:
        status = await mcp_client.auth_status(name, server, store=store)
        statuses[name].auth_status = _AUTH.get(status, status)

    async with anyio.create_task_group() as tg:
        for name, server in servers.items():
            tg.start_soon(authentication, name, server)
    reused: list[str] = []
    if running is not None:
        for name, server in servers.items():
            with contextlib.suppress(mcp_client.McpClientError):
                if server.enabled and running.server_config(name) == server:
                    reused.append(name)
        for name in reused:
            statuses[name].from_session = True
            failure = running.failures.get(name)
            await _fill(statuses[name], running, resources=resources, failure=failure and str(failure))
    fresh = {
        name: server.model_copy(update={"required": False})
        for name, server in servers.items()
        if server.enabled and name not in reused
    }
    if fresh:
        async with mcp_client.McpConnectionManager(fresh, codex_home=codex_home, oauth=oauth) as manager:
            failures = manager.failures
            async with anyio.create_task_group() as tg:
                for name in fresh:
                    failure = failures.get(name)
                    tg.start_soon(
                        lambda n, f: _fill(statuses[n], manager, resources=resources, failure=f and str(f)),
                        name,
                        failure,
                    )
    for status in statuses.values():
        if status.disabled:
            status.error = "the server is disabled in the configuration (enabled = false)"
    return [statuses[name] for name in servers]
