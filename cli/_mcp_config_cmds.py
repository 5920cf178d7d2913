"""`pycodex mcp add`, `remove`, `list` and `get`: the [mcp_servers] tables of `$CODEX_HOME/config.toml`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ._mcp_auth_cmds import login_after_http_add
from ._mcp_common import (
    AUTH_LABELS,
    auth_statuses,
    config_path,
    configured_server,
    configured_servers,
    fail,
    forget_client_secret,
    text_table,
    to_json,
)


def add(
    name: Annotated[str, typer.Argument(help="Name of the server in config.toml.")],
    command: Annotated[
        list[str] | None, typer.Argument(help="The command that starts a stdio server, after `--`.")
    ] = None,
    env: Annotated[
        list[str] | None, typer.Option("--env", help="Environment variable for a stdio server: KEY=VALUE.")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="URL of a Streamable HTTP server.")] = None,
    bearer_token_env_var: Annotated[
        str | None,
        typer.Option("--bearer-token-env-var", help="Send the token in this environment variable as a bearer."),
    ] = None,
    oauth_client_id: Annotated[
        str | None,
        typer.Option("--oauth-client-id", help="OAuth client registered beforehand (no dynamic registration)."),
    ] = None,
    oauth_client_secret: Annotated[
        str | None,
        typer.Option(
            "--oauth-client-secret",
            help="That client's secret; kept in the OS keyring (or $CODEX_HOME, mode 0600), not config.toml.",
        ),
    ] = None,
    oauth_client_metadata_url: Annotated[
        str | None,
        typer.Option(
            "--oauth-client-metadata-url",
            help="HTTPS URL of a client ID metadata document to use as the client id where the server allows.",
        ),
    ] = None,
    oauth_resource: Annotated[
        str | None, typer.Option("--oauth-resource", help="The `resource` to ask tokens for (RFC 8707).")
    ] = None,
) -> None:
    """Add a stdio or Streamable HTTP server to config.toml (replacing one of the same name)."""
    from mcp_client import (
        McpConfigError,
        add_server,
        http_server_table,
        parse_server_config,
        stdio_server_table,
        validate_server_name,
    )

    try:
        validate_server_name(name)
    except McpConfigError as exc:
        fail(exc.message, 2)
    argv = list(command or [])
    if url is not None and argv:
        fail("give either --url URL or `-- COMMAND ARGS...`, not both", 2)
    if url is None and not argv:
        fail("give the server's command after `--` (stdio) or --url URL (Streamable HTTP)", 2)
    oauth_flags = {
        "--oauth-client-id": oauth_client_id,
        "--oauth-client-secret": oauth_client_secret,
        "--oauth-client-metadata-url": oauth_client_metadata_url,
        "--oauth-resource": oauth_resource,
    }
    if url is not None:
        if env:
            fail("--env is only for stdio servers", 2)
        if oauth_client_secret and not oauth_client_id:
            fail("--oauth-client-secret needs --oauth-client-id (the client it belongs to)", 2)
        table = http_server_table(
            url,
            bearer_token_env_var,
            oauth_client_id=oauth_client_id,
            oauth_client_metadata_url=oauth_client_metadata_url,
            oauth_resource=oauth_resource,
        )
    else:
        if bearer_token_env_var:
            fail("--bearer-token-env-var is only for --url servers", 2)
        given = [flag for flag, value in oauth_flags.items() if value]
        if given:
            fail(f"{given[0]} is only for --url servers", 2)
        pairs: dict[str, str] = {}
        for item in env or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                fail(f"environment entries must be KEY=VALUE, got '{item}'", 2)
            pairs[key] = value
        table = stdio_server_table(argv[0], argv[1:], pairs)
    try:
        config = parse_server_config(name, table)
    except McpConfigError as exc:
        fail(exc.message, 2)
    try:
        add_server(config_path(), name, table)
    except McpConfigError as exc:
        fail(exc.message)
    sys.stdout.write(f"Added global MCP server '{name}'.\n")
    if url is not None:
        login_after_http_add(name, config, oauth_client_secret)


def remove(name: Annotated[str, typer.Argument(help="Name of the server.")]) -> None:
    """Remove a server (and forget its stored client secret)."""
    from mcp_client import McpConfigError, load_mcp_servers, remove_server

    try:
        config = load_mcp_servers(config_path()).get(name)
    except McpConfigError:  # a broken entry can still be removed; it has no secret of ours to forget
        config = None
    try:
        removed = remove_server(config_path(), name)
    except McpConfigError as exc:
        fail(exc.message)
    if config is not None:
        forget_client_secret(name, config)
    if removed:
        sys.stdout.write(f"Removed global MCP server '{name}'.\n")
    else:
        sys.stdout.write(f"No MCP server named '{name}' found.\n")


def list_servers(
    json_mode: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the configured servers as tables or JSON, with their auth status."""
    import anyio

    from mcp_client import McpStdioTransport, server_json

    servers = configured_servers()
    statuses = anyio.run(auth_statuses, servers)
    if json_mode:
        objects = [server_json(name, config, auth_status=statuses[name]) for name, config in servers.items()]
        sys.stdout.write(to_json(objects) + "\n")
        return
    if not servers:
        sys.stdout.write("No MCP servers are configured. Add one with `pycodex mcp add NAME -- COMMAND`.\n")
        return
    stdio_rows = [["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"]]
    http_rows = [["Name", "Url", "Bearer Token Env Var", "Status", "Auth"]]
    for name, config in servers.items():
        status = "enabled" if config.enabled else "disabled"
        auth = AUTH_LABELS.get(statuses[name], statuses[name])
        transport = config.transport
        if isinstance(transport, McpStdioTransport):
            env = ", ".join(f"{key}=*****" for key in (transport.env or {})) or "-"
            args = " ".join(transport.args) or "-"
            stdio_rows.append([name, transport.command, args, env, transport.cwd or "-", status, auth])
        else:
            http_rows.append([name, transport.url, transport.bearer_token_env_var or "-", status, auth])
    blocks = [text_table(rows) for rows in (stdio_rows, http_rows) if len(rows) > 1]
    sys.stdout.write("\n\n".join(blocks) + "\n")


def get(
    name: Annotated[str, typer.Argument(help="Name of the server.")],
    json_mode: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print one server's configuration."""
    from mcp_client import McpStdioTransport, server_json

    config = configured_server(name)
    if json_mode:
        sys.stdout.write(to_json(server_json(name, config)) + "\n")
        return
    transport = config.transport
    lines = [name, f"  enabled: {str(config.enabled).lower()}"]
    if isinstance(transport, McpStdioTransport):
        lines += [
            "  transport: stdio",
            f"  command: {transport.command}",
            f"  args: {' '.join(transport.args) or '-'}",
            f"  cwd: {transport.cwd or '-'}",
            f"  env: {', '.join(f'{k}=*****' for k in (transport.env or {})) or '-'}",
        ]
    else:
        lines += [
            "  transport: streamable_http",
            f"  url: {transport.url}",
            f"  bearer_token_env_var: {transport.bearer_token_env_var or '-'}",
        ]
        if config.oauth is not None and config.oauth.client_id:
            lines.append(f"  oauth_client_id: {config.oauth.client_id}")
        if config.oauth is not None and config.oauth.client_metadata_url:
            lines.append(f"  oauth_client_metadata_url: {config.oauth.client_metadata_url}")
    if config.enabled_tools is not None:
        lines.append(f"  enabled_tools: {', '.join(config.enabled_tools)}")
    if config.disabled_tools is not None:
        lines.append(f"  disabled_tools: {', '.join(config.disabled_tools)}")
    lines.append(f"  startup_timeout_sec: {config.effective_startup_timeout_sec:g}")
    lines.append(f"  tool_timeout_sec: {config.effective_tool_timeout_sec:g}")
    lines.append(f"  remove: pycodex mcp remove {name}")
    sys.stdout.write("\n".join(lines) + "\n")
