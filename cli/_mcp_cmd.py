"""`pycodex mcp ...`: manage the external MCP servers in `$CODEX_HOME/config.toml`, log in to them, and try
their tools. Messages, JSON shapes and exit codes follow `codex mcp ...`; mcp_client is imported inside each
command so that `pycodex --help` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from mcp_client import McpCredentialStore, McpOAuthSettings, McpServerConfig

_AUTH_LABELS = {
    "unsupported": "Unsupported",
    "bearer_token": "Bearer token",
    "o_auth": "OAuth",
    "not_logged_in": "Not logged in",
    "unknown": "Unknown",
}


def _fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(f"Error: {message}\n")
    raise typer.Exit(code)


def _config_path() -> Path:
    from mcp_client import default_codex_home, user_config_path

    return user_config_path(default_codex_home())


def _servers() -> dict[str, McpServerConfig]:
    from mcp_client import McpConfigError, load_mcp_servers, parse_mcp_servers

    from ._globals import MCP_CONFIG_OVERRIDES

    try:
        if not MCP_CONFIG_OVERRIDES:
            return load_mcp_servers(_config_path())
        # `pycodex -c mcp_servers.x.enabled=false mcp list`: the servers as every layer and the overrides set them.
        import agent

        try:
            merged = agent.merge_config_layers(cli_overrides=MCP_CONFIG_OVERRIDES).merged
        except agent.ConfigError as exc:
            _fail(str(exc), exc.exit_code)
        table = merged.get("mcp_servers")
        return parse_mcp_servers(table if isinstance(table, dict) else {})  # pyright: ignore[reportUnknownArgumentType]
    except McpConfigError as exc:
        _fail(exc.message)


def _server(name: str) -> McpServerConfig:
    config = _servers().get(name)
    if config is None:
        _fail(f"No MCP server named '{name}' found.")
    return config


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)


async def _auth_statuses(servers: dict[str, McpServerConfig]) -> dict[str, str]:
    import anyio

    from mcp_client import auth_status

    _, store = _oauth_setup()
    statuses: dict[str, str] = {}

    async def one(name: str, config: McpServerConfig) -> None:
        statuses[name] = await auth_status(name, config, store=store)

    async with anyio.create_task_group() as tg:
        for name, config in servers.items():
            tg.start_soon(one, name, config)
    return statuses


def _oauth_setup() -> tuple[McpOAuthSettings, McpCredentialStore]:
    """The OAuth settings of config.toml and the credential store they select."""
    from mcp_client import McpCredentialStore, default_codex_home, load_oauth_settings

    settings = load_oauth_settings(_config_path())
    return settings, McpCredentialStore(default_codex_home(), settings.credentials_store)


def _forget_client_secret(name: str, config: McpServerConfig) -> None:
    """Drop a stored client secret the server's entry no longer names (best effort: a broken keyring warns)."""
    from mcp_client import McpClientError, McpStreamableHttpTransport

    transport = config.transport
    if not isinstance(transport, McpStreamableHttpTransport):
        return
    try:
        _oauth_setup()[1].delete_client_secret(name, transport.url)
    except McpClientError as exc:
        sys.stderr.write(f"Warning: {exc.message}\n")


def _person_at_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _after_http_add(name: str, config: McpServerConfig, client_secret: str | None) -> None:
    """Keep the client secret out of config.toml, then log in right away when the server asks for OAuth (at a
    terminal), or say how to (elsewhere)."""
    import anyio
    from pydantic import SecretStr

    from mcp_client import McpClientError, McpStreamableHttpTransport, auth_status
    from mcp_client import login as oauth_login

    transport = config.transport
    assert isinstance(transport, McpStreamableHttpTransport)
    try:
        settings, store = _oauth_setup()
        client_id = config.oauth.client_id if config.oauth else None
        if client_id and client_secret:
            where = store.save_client_secret(name, transport.url, client_id, SecretStr(client_secret))
            place = "the OS keyring" if where == "keyring" else str(store.client_secrets_path)
            sys.stdout.write(f"Stored the OAuth client secret in {place}.\n")
        elif not client_id:
            store.delete_client_secret(name, transport.url)
    except McpClientError as exc:
        _fail(exc.message)
    if transport.bearer_token_env_var:
        return
    status = anyio.run(lambda: auth_status(name, config, store=store))
    if status != "not_logged_in":
        return
    if not _person_at_terminal():
        sys.stdout.write(f"The MCP server '{name}' uses OAuth. Log in with `pycodex mcp login {name}`.\n")
        return
    sys.stdout.write(f"The MCP server '{name}' uses OAuth; logging in now.\n")
    sys.stdout.flush()
    try:
        anyio.run(lambda: oauth_login(name, config, store=store, settings=settings))
    except McpClientError as exc:
        _fail(f"{exc.message}\nThe server was added; log in later with `pycodex mcp login {name}`.")
    sys.stdout.write(f"Successfully logged in to MCP server '{name}'.\n")


def register(app: typer.Typer) -> None:
    """Add the `mcp` command group to `app`."""
    group = typer.Typer(
        help="Manage the external MCP servers whose tools the agent can use ([mcp_servers] in config.toml).",
        no_args_is_help=True,
    )

    @group.command(
        "add",
        help="Add (or replace) a server: `pycodex mcp add NAME [--env K=V]... -- COMMAND [ARGS]...` for a stdio "
        "server, `pycodex mcp add NAME --url URL [--bearer-token-env-var VAR]` for a Streamable HTTP one. When an "
        "HTTP server asks for OAuth, the login starts right away at a terminal (elsewhere the command to run is "
        "printed).",
    )
    def add(  # pyright: ignore[reportUnusedFunction]
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
            _fail(exc.message, 2)
        argv = list(command or [])
        if url is not None and argv:
            _fail("give either --url URL or `-- COMMAND ARGS...`, not both", 2)
        if url is None and not argv:
            _fail("give the server's command after `--` (stdio) or --url URL (Streamable HTTP)", 2)
        oauth_flags = {
            "--oauth-client-id": oauth_client_id,
            "--oauth-client-secret": oauth_client_secret,
            "--oauth-client-metadata-url": oauth_client_metadata_url,
            "--oauth-resource": oauth_resource,
        }
        if url is not None:
            if env:
                _fail("--env is only for stdio servers", 2)
            if oauth_client_secret and not oauth_client_id:
                _fail("--oauth-client-secret needs --oauth-client-id (the client it belongs to)", 2)
            table = http_server_table(
                url,
                bearer_token_env_var,
                oauth_client_id=oauth_client_id,
                oauth_client_metadata_url=oauth_client_metadata_url,
                oauth_resource=oauth_resource,
            )
        else:
            if bearer_token_env_var:
                _fail("--bearer-token-env-var is only for --url servers", 2)
            given = [flag for flag, value in oauth_flags.items() if value]
            if given:
                _fail(f"{given[0]} is only for --url servers", 2)
            pairs: dict[str, str] = {}
            for item in env or []:
                key, sep, value = item.partition("=")
                if not sep or not key:
                    _fail(f"environment entries must be KEY=VALUE, got '{item}'", 2)
                pairs[key] = value
            table = stdio_server_table(argv[0], argv[1:], pairs)
        try:
            config = parse_server_config(name, table)
        except McpConfigError as exc:
            _fail(exc.message, 2)
        try:
            add_server(_config_path(), name, table)
        except McpConfigError as exc:
            _fail(exc.message)
        sys.stdout.write(f"Added global MCP server '{name}'.\n")
        if url is not None:
            _after_http_add(name, config, oauth_client_secret)

    @group.command("remove", help="Remove a server from config.toml.")
    def remove(name: Annotated[str, typer.Argument(help="Name of the server.")]) -> None:  # pyright: ignore[reportUnusedFunction]
        from mcp_client import McpConfigError, load_mcp_servers, remove_server

        try:
            config = load_mcp_servers(_config_path()).get(name)
        except McpConfigError:  # a broken entry can still be removed; it has no secret of ours to forget
            config = None
        try:
            removed = remove_server(_config_path(), name)
        except McpConfigError as exc:
            _fail(exc.message)
        if config is not None:
            _forget_client_secret(name, config)
        if removed:
            sys.stdout.write(f"Removed global MCP server '{name}'.\n")
        else:
            sys.stdout.write(f"No MCP server named '{name}' found.\n")

    @group.command("list", help="List the configured servers.")
    def list_servers(  # pyright: ignore[reportUnusedFunction]
        json_mode: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        import anyio

        from mcp_client import McpStdioTransport, server_json

        servers = _servers()
        statuses = anyio.run(_auth_statuses, servers)
        if json_mode:
            objects = [server_json(name, config, auth_status=statuses[name]) for name, config in servers.items()]
            sys.stdout.write(_json(objects) + "\n")
            return
        if not servers:
            sys.stdout.write("No MCP servers are configured. Add one with `pycodex mcp add NAME -- COMMAND`.\n")
            return
        stdio_rows = [["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"]]
        http_rows = [["Name", "Url", "Bearer Token Env Var", "Status", "Auth"]]
        for name, config in servers.items():
            status = "enabled" if config.enabled else "disabled"
            auth = _AUTH_LABELS.get(statuses[name], statuses[name])
            transport = config.transport
            if isinstance(transport, McpStdioTransport):
                env = ", ".join(f"{key}=*****" for key in (transport.env or {})) or "-"
                args = " ".join(transport.args) or "-"
                stdio_rows.append([name, transport.command, args, env, transport.cwd or "-", status, auth])
            else:
                http_rows.append([name, transport.url, transport.bearer_token_env_var or "-", status, auth])
        blocks = [_table(rows) for rows in (stdio_rows, http_rows) if len(rows) > 1]
        sys.stdout.write("\n\n".join(blocks) + "\n")

    @group.command("get", help="Show one server's configuration.")
    def get(  # pyright: ignore[reportUnusedFunction]
        name: Annotated[str, typer.Argument(help="Name of the server.")],
        json_mode: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        from mcp_client import McpStdioTransport, server_json

        config = _server(name)
        if json_mode:
            sys.stdout.write(_json(server_json(name, config)) + "\n")
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

    @group.command("login", help="Log in to a Streamable HTTP server with OAuth (opens a browser when it can).")
    def login(  # pyright: ignore[reportUnusedFunction]
        name: Annotated[str, typer.Argument(help="Name of the server.")],
        scopes: Annotated[
            str | None, typer.Option("--scopes", help="Comma-separated scopes to ask for (default: configured).")
        ] = None,
        no_browser: Annotated[
            bool, typer.Option("--no-browser", help="Only print the authorization URL; do not open a browser.")
        ] = False,
    ) -> None:
        import anyio

        from mcp_client import McpClientError
        from mcp_client import login as oauth_login

        config = _server(name)
        requested = [s.strip() for s in scopes.split(",") if s.strip()] if scopes else None
        try:
            settings, store = _oauth_setup()

            async def run() -> None:
                await oauth_login(
                    name, config, store=store, settings=settings, scopes=requested, open_browser=not no_browser
                )

            anyio.run(run)
        except McpClientError as exc:
            _fail(exc.message)
        sys.stdout.write(f"Successfully logged in to MCP server '{name}'.\n")

    @group.command("logout", help="Forget the OAuth tokens stored for a server.")
    def logout(name: Annotated[str, typer.Argument(help="Name of the server.")]) -> None:  # pyright: ignore[reportUnusedFunction]
        import anyio

        from mcp_client import McpClientError
        from mcp_client import logout as oauth_logout

        config = _server(name)
        try:
            _, store = _oauth_setup()

            async def run() -> bool:
                return await oauth_logout(name, config, store=store)

            removed = anyio.run(run)
        except McpClientError as exc:
            _fail(exc.message)
        if removed:
            sys.stdout.write(f"Removed the OAuth credentials of MCP server '{name}'.\n")
        else:
            sys.stdout.write(f"No OAuth credentials were stored for MCP server '{name}'.\n")

    @group.command("tools", help="Start a server and list its tools as the model would see them.")
    def tools(  # pyright: ignore[reportUnusedFunction]
        name: Annotated[str, typer.Argument(help="Name of the server.")],
        json_mode: Annotated[bool, typer.Option("--json", help="Print the tools as JSON.")] = False,
    ) -> None:
        import anyio

        from mcp_client import McpClientError, McpConnectionManager, default_codex_home, load_oauth_settings

        config = _server(name).model_copy(update={"enabled": True})

        async def run() -> list[dict[str, Any]]:
            settings = load_oauth_settings(_config_path())
            async with McpConnectionManager({name: config}, codex_home=default_codex_home(), oauth=settings) as mcp:
                if name in mcp.failures:
                    raise mcp.failures[name]
                return [
                    {
                        "name": tool.qualified_name,
                        "tool": tool.tool.name,
                        "description": tool.tool.description or "",
                        "input_schema": tool.tool.input_schema,
                    }
                    for tool in mcp.list_tools()
                ]

        try:
            found = anyio.run(run)
        except McpClientError as exc:
            _fail(exc.message)
        if json_mode:
            sys.stdout.write(_json(found) + "\n")
            return
        for tool in found:
            first_line = tool["description"].strip().splitlines()[0] if tool["description"].strip() else ""
            sys.stdout.write(f"{tool['name']}  ({tool['tool']})  {first_line}".rstrip() + "\n")

    @group.command("call", help="Start a server, call one of its tools with JSON arguments and print the result.")
    def call(  # pyright: ignore[reportUnusedFunction]
        name: Annotated[str, typer.Argument(help="Name of the server.")],
        tool: Annotated[str, typer.Argument(help="The tool's name as the server lists it.")],
        arguments: Annotated[str, typer.Argument(help="The arguments, as a JSON object.")] = "{}",
    ) -> None:
        import json

        import anyio

        from mcp_client import (
            McpClientError,
            McpConnectionManager,
            default_codex_home,
            load_oauth_settings,
            tool_result_to_item_result,
        )

        try:
            parsed = json.loads(arguments)
        except json.JSONDecodeError as exc:
            _fail(f"the arguments are not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})", 2)
        if not isinstance(parsed, dict):
            _fail("the arguments must be a JSON object", 2)
        config = _server(name).model_copy(update={"enabled": True})

        async def run() -> tuple[dict[str, Any], bool]:
            settings = load_oauth_settings(_config_path())
            async with McpConnectionManager({name: config}, codex_home=default_codex_home(), oauth=settings) as mcp:
                if name in mcp.failures:
                    raise mcp.failures[name]
                result = await mcp.call_tool(name, tool, parsed)  # pyright: ignore[reportUnknownArgumentType]
                return tool_result_to_item_result(result), bool(result.is_error)

        try:
            shown, failed = anyio.run(run)
        except McpClientError as exc:
            _fail(exc.message)
        sys.stdout.write(_json(shown) + "\n")
        if failed:
            raise typer.Exit(1)

    app.add_typer(group, name="mcp")
