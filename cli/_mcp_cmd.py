"""`pycodex mcp ...`: manage the external MCP servers in `$CODEX_HOME/config.toml`, log in to them, and try
their tools. Messages, JSON shapes and exit codes follow `codex mcp ...`. The commands live beside this module
(`_mcp_config_cmds`, `_mcp_auth_cmds`, `_mcp_tool_cmds`); each imports mcp_client inside its body so that
`pycodex --help` stays fast."""

from __future__ import annotations

import typer

from . import _mcp_auth_cmds, _mcp_config_cmds, _mcp_tool_cmds

_ADD_HELP = (
    "Add (or replace) a server: `pycodex mcp add NAME [--env K=V]... -- COMMAND [ARGS]...` for a stdio "
    "server, `pycodex mcp add NAME --url URL [--bearer-token-env-var VAR]` for a Streamable HTTP one. When an "
    "HTTP server asks for OAuth, the login starts right away at a terminal (elsewhere the command to run is "
    "printed)."
)


def register(app: typer.Typer) -> None:
    """Add the `mcp` command group to `app`."""
    group = typer.Typer(
        help="Manage the external MCP servers whose tools the agent can use ([mcp_servers] in config.toml).",
        no_args_is_help=True,
    )
    group.command("add", help=_ADD_HELP)(_mcp_config_cmds.add)
    group.command("remove", help="Remove a server from config.toml.")(_mcp_config_cmds.remove)
    group.command("list", help="List the configured servers.")(_mcp_config_cmds.list_servers)
    group.command("get", help="Show one server's configuration.")(_mcp_config_cmds.get)
    group.command("login", help="Log in to a Streamable HTTP server with OAuth (opens a browser when it can).")(
        _mcp_auth_cmds.login
    )
    group.command("logout", help="Forget the OAuth tokens stored for a server.")(_mcp_auth_cmds.logout)
    group.command("tools", help="Start a server and list its tools as the model would see them.")(_mcp_tool_cmds.tools)
    group.command("call", help="Start a server, call one of its tools with JSON arguments and print the result.")(
        _mcp_tool_cmds.call
    )
    app.add_typer(group, name="mcp")
