"""A session's configuration: the user's config layers, plus what the ACP client gave (cwd, additional directories
as extra writable roots, its MCP servers next to the configured ones; a client server replaces a configured one
of the same name)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from acp.schema import AcpMcpServer, HttpMcpServer, McpServerStdio, SseMcpServer

import agent

from ._options import AcpOptions
from .errors import invalid_params

# The client's mcpServers and additional directories are applied as config values; `config explain` names them so.
FLAG_NAMES = agent.FlagNames(values="ACP client (mcpServers, additionalDirectories)")
McpServer = HttpMcpServer | SseMcpServer | AcpMcpServer | McpServerStdio
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def directory(value: str, where: str) -> Path:
    """An absolute path to an existing directory.

    Raises:
        acp.RequestError: a relative path or no such directory (invalid params).
    """
    path = Path(value)
    if not path.is_absolute():
        raise invalid_params(f"{where} must be an absolute path, got {value!r}")
    if not path.is_dir():
        raise invalid_params(f"{where} is not a directory: {value}")
    return path


def server_table(server: McpServer, where: str) -> tuple[str, dict[str, Any]]:
    """The `[mcp_servers.NAME]` table for a server the client passed.

    Raises:
        acp.RequestError: a name config cannot hold, or a transport pycodex does not offer (SSE, MCP-over-ACP).
    """
    if not _NAME.match(server.name):
        raise invalid_params(f"{where}.name must be letters, digits, '_' or '-', got {server.name!r}")
    if isinstance(server, McpServerStdio):
        return server.name, {
            "command": server.command,
            "args": list(server.args),
            "env": {var.name: var.value for var in server.env},
        }
    if isinstance(server, HttpMcpServer):
        return server.name, {"url": server.url, "http_headers": {h.name: h.value for h in server.headers}}
    kind = "sse" if isinstance(server, SseMcpServer) else "acp"
    raise invalid_params(
        f"{where}: MCP server {server.name!r} uses the {kind} transport, which pycodex does not offer "
        "(mcpCapabilities: stdio and http)"
    )


def session_config(
    options: AcpOptions,
    cwd: Path,
    *,
    additional_directories: Sequence[Path] = (),
    mcp_servers: Sequence[McpServer] = (),
) -> agent.Config:
    """Load the config for one session (blocking: call it in a worker thread).

    Raises:
        acp.RequestError: a client MCP server that cannot be used.
        agent.ConfigError: the user's config is invalid (agent.FlagError: a bad -s or -a value).
    """
    values: dict[str, Any] = {}
    for index, server in enumerate(mcp_servers):
        name, table = server_table(server, f"mcpServers[{index}]")
        values[f"mcp_servers.{name}"] = table

    def load() -> agent.Config:
        flags = agent.SessionFlags(
            model=options.model,
            profile=options.profile,
            sandbox=options.sandbox,
            approval_policy=options.approval_policy,
            oss=options.oss,
            cwd=cwd,
            values=dict(values),
        )
        overrides = agent.overrides_from_flags(flags, FLAG_NAMES)
        config = agent.load_config(overrides, options.config_overrides, strict=options.strict_config)
        # Like exec and the TUI: without a key and a chosen provider, a running Ollama or LM Studio is used.
        return agent.choose_provider(config)[0]

    config = load()
    if additional_directories:
        roots = [*config.toml.sandbox_workspace_write.writable_roots, *map(str, additional_directories)]
        values["sandbox_workspace_write.writable_roots"] = roots
        config = load()
    return config
