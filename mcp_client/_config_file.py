"""Reading and editing the `[mcp_servers]` of the user's `$CODEX_HOME/config.toml` for `pycodex mcp ...`.

Edits go through tomlkit so that comments and the layout of everything else survive; the file is replaced
atomically and kept at mode 0600 (it may hold headers with secrets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Table

from ._config import (
    McpOAuthSettings,
    McpServerConfig,
    McpStdioTransport,
    parse_mcp_servers,
    parse_server_config,
)
from ._credentials import write_private_text
from .errors import McpConfigError

CONFIG_FILE_NAME = "config.toml"


def user_config_path(codex_home: Path) -> Path:
    """`$CODEX_HOME/config.toml`."""
    return codex_home / CONFIG_FILE_NAME


def _load_document(path: Path) -> tomlkit.TOMLDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except OSError as exc:
        raise McpConfigError(f"could not read {path}: {exc.strerror}") from None
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise McpConfigError(f"{path} is not valid TOML: {exc}") from None


def _write_document(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)  # pyright: ignore[reportUnknownMemberType]
    try:
        write_private_text(path, text)
    except OSError as exc:
        raise McpConfigError(f"could not write {path}: {exc.strerror}") from None


def read_user_config(path: Path) -> dict[str, Any]:
    """The whole config file as plain Python values (`{}` when it does not exist)."""
    return _load_document(path).unwrap()


def load_mcp_servers(path: Path) -> dict[str, McpServerConfig]:
    """The validated `[mcp_servers]` of a config file."""
    table: Any = read_user_config(path).get("mcp_servers") or {}
    if not isinstance(table, Mapping):
        raise McpConfigError(f"`mcp_servers` in {path} must be a table")
    try:
        return parse_mcp_servers(cast("Mapping[str, Any]", table))
    except McpConfigError as exc:
        raise McpConfigError(f"{exc.message} (in {path})", server=exc.server, field=exc.field) from None


def load_oauth_settings(path: Path) -> McpOAuthSettings:
    """The top-level `mcp_oauth_*` keys of a config file."""
    data = read_user_config(path)
    try:
        return McpOAuthSettings(
            credentials_store=data.get("mcp_oauth_credentials_store", "auto"),
            callback_port=data.get("mcp_oauth_callback_port"),
            callback_url=data.get("mcp_oauth_callback_url"),
        )
    except ValueError as exc:
        raise McpConfigError(f"invalid mcp_oauth_* setting in {path}: {exc}") from None


def stdio_server_table(command: str, args: Sequence[str], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The table `mcp add NAME -- CMD ARGS...` writes."""
    table: dict[str, Any] = {"command": command}
    if args:
        table["args"] = list(args)
    if env:
        table["env"] = dict(sorted(env.items()))
    return table


def http_server_table(
    url: str,
    bearer_token_env_var: str | None = None,
    *,
    oauth_client_id: str | None = None,
    oauth_client_metadata_url: str | None = None,
    oauth_resource: str | None = None,
) -> dict[str, Any]:
    """The table `mcp add NAME --url URL` writes (a client's secret never goes here: see `McpCredentialStore`)."""
    table: dict[str, Any] = {"url": url}
    if bearer_token_env_var:
        table["bearer_token_env_var"] = bearer_token_env_var
    if oauth_resource:
        table["oauth_resource"] = oauth_resource
    oauth: dict[str, Any] = {}
    if oauth_client_id:
        oauth["client_id"] = oauth_client_id
    if oauth_client_metadata_url:
        oauth["client_metadata_url"] = oauth_client_metadata_url
    if oauth:
        table["oauth"] = oauth
    return table


def _to_table(values: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    nested: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            nested.append((key, cast("Mapping[str, Any]", value)))
        else:
            table.add(key, value)
    for key, value in nested:
        table.add(key, _to_table(value))
    return table


def add_server(path: Path, name: str, values: Mapping[str, Any]) -> None:
    """Write `[mcp_servers.<name>]` (replacing an existing entry of that name), keeping the rest of the file."""
    parse_server_config(name, values)
    document = _load_document(path)
    servers: Any = cast("Mapping[str, Any]", document).get("mcp_servers")
    if servers is None:
        servers = tomlkit.table(is_super_table=True)
        document.add("mcp_servers", servers)
    if not isinstance(servers, Table):
        raise McpConfigError(f"`mcp_servers` in {path} must be a table")
    if name in servers:
        del servers[name]
    servers.add(name, _to_table(values))
    _write_document(path, document)


def remove_server(path: Path, name: str) -> bool:
    """Delete `[mcp_servers.<name>]`; returns whether it existed."""
    document = _load_document(path)
    servers: Any = cast("Mapping[str, Any]", document).get("mcp_servers")
    if not isinstance(servers, Table) or name not in servers:
        return False
    del servers[name]
    if not servers:
        del document["mcp_servers"]
    _write_document(path, document)
    return True


MASK = "*****"
"""What is printed instead of a value that may be a secret."""


def server_json(name: str, config: McpServerConfig, *, auth_status: str | None = None) -> dict[str, Any]:
    """The object `mcp list --json` prints for a server (with `auth_status`), or `mcp get --json` (without it,
    but with the tool filters).

    Values that may be secrets (a stdio server's `env`, an HTTP server's `http_headers`) are shown as `*****`, as
    the human listing does: the names say what is set, config.toml holds the values."""
    transport = config.transport
    if isinstance(transport, McpStdioTransport):
        shown: dict[str, Any] = {
            "type": "stdio",
            "command": transport.command,
            "args": list(transport.args),
            "env": None if transport.env is None else dict.fromkeys(transport.env, MASK),
            "env_vars": [spec.name for spec in transport.env_vars],
            "cwd": transport.cwd,
        }
    else:
        shown = {
            "type": "streamable_http",
            "url": transport.url,
            "bearer_token_env_var": transport.bearer_token_env_var,
            "http_headers": None if transport.http_headers is None else dict.fromkeys(transport.http_headers, MASK),
            "env_http_headers": None if transport.env_http_headers is None else dict(transport.env_http_headers),
            "http_headers_helper": None,
        }
    result: dict[str, Any] = {"name": name, "enabled": config.enabled, "disabled_reason": None, "transport": shown}
    if auth_status is None:
        result["enabled_tools"] = None if config.enabled_tools is None else list(config.enabled_tools)
        result["disabled_tools"] = None if config.disabled_tools is None else list(config.disabled_tools)
    result["startup_timeout_sec"] = config.startup_timeout_sec
    result["tool_timeout_sec"] = config.tool_timeout_sec
    if auth_status is not None:
        result["auth_status"] = auth_status
    return result
