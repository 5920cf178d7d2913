"""What the `pycodex mcp ...` commands share: reading config.toml's servers and OAuth settings, failing with
Codex's messages and exit codes, and printing tables and JSON. mcp_client is imported inside each function so that
`pycodex --help` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from mcp_client import McpCredentialStore, McpOAuthSettings, McpServerConfig

AUTH_LABELS = {
    "unsupported": "Unsupported",
    "bearer_token": "Bearer token",
    "o_auth": "OAuth",
    "not_logged_in": "Not logged in",
    "unknown": "Unknown",
}


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `Error: message` on stderr and exit with `code` (2: usage, 1: runtime)."""
    sys.stderr.write(f"Error: {message}\n")
    raise typer.Exit(code)


def config_path() -> Path:
    from mcp_client import default_codex_home, user_config_path

    return user_config_path(default_codex_home())


def configured_servers() -> dict[str, McpServerConfig]:
    from mcp_client import McpConfigError, load_mcp_servers

    try:
        return load_mcp_servers(config_path())
    except McpConfigError as exc:
        fail(exc.message)


def configured_server(name: str) -> McpServerConfig:
    config = configured_servers().get(name)
    if config is None:
        fail(f"No MCP server named '{name}' found.")
    return config


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def to_json(value: Any) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)


async def auth_statuses(servers: dict[str, McpServerConfig]) -> dict[str, str]:
    import anyio

    from mcp_client import auth_status

    _, store = oauth_setup()
    statuses: dict[str, str] = {}

    async def one(name: str, config: McpServerConfig) -> None:
        statuses[name] = await auth_status(name, config, store=store)

    async with anyio.create_task_group() as tg:
        for name, config in servers.items():
            tg.start_soon(one, name, config)
    return statuses


def oauth_setup() -> tuple[McpOAuthSettings, McpCredentialStore]:
    """The OAuth settings of config.toml and the credential store they select."""
    from mcp_client import McpCredentialStore, default_codex_home, load_oauth_settings

    settings = load_oauth_settings(config_path())
    return settings, McpCredentialStore(default_codex_home(), settings.credentials_store)


def forget_client_secret(name: str, config: McpServerConfig) -> None:
    """Drop a stored client secret the server's entry no longer names (best effort: a broken keyring warns)."""
    from mcp_client import McpClientError, McpStreamableHttpTransport

    transport = config.transport
    if not isinstance(transport, McpStreamableHttpTransport):
        return
    try:
        oauth_setup()[1].delete_client_secret(name, transport.url)
    except McpClientError as exc:
        sys.stderr.write(f"Warning: {exc.message}\n")


def person_at_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
