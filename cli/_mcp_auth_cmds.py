"""`pycodex mcp login` and `logout`, and the login that follows `pycodex mcp add --url` for an OAuth server."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ._mcp_common import configured_server, fail, oauth_setup, person_at_terminal

if TYPE_CHECKING:
    from mcp_client import McpServerConfig


def login_after_http_add(name: str, config: McpServerConfig, client_secret: str | None) -> None:
    """Keep the client secret out of config.toml, then log in right away when the server asks for OAuth (at a
    terminal), or say how to (elsewhere)."""
    import anyio
    from pydantic import SecretStr

    from mcp_client import McpClientError, McpStreamableHttpTransport, auth_status
    from mcp_client import login as oauth_login

    transport = config.transport
    assert isinstance(transport, McpStreamableHttpTransport)
    try:
        settings, store = oauth_setup()
        client_id = config.oauth.client_id if config.oauth else None
        if client_id and client_secret:
            where = store.save_client_secret(name, transport.url, client_id, SecretStr(client_secret))
            place = "the OS keyring" if where == "keyring" else str(store.client_secrets_path)
            sys.stdout.write(f"Stored the OAuth client secret in {place}.\n")
        elif not client_id:
            store.delete_client_secret(name, transport.url)
    except McpClientError as exc:
        fail(exc.message)
    if transport.bearer_token_env_var:
        return
    status = anyio.run(lambda: auth_status(name, config, store=store))
    if status != "not_logged_in":
        return
    if not person_at_terminal():
        sys.stdout.write(f"The MCP server '{name}' uses OAuth. Log in with `pycodex mcp login {name}`.\n")
        return
    sys.stdout.write(f"The MCP server '{name}' uses OAuth; logging in now.\n")
    sys.stdout.flush()
    try:
        anyio.run(lambda: oauth_login(name, config, store=store, settings=settings))
    except McpClientError as exc:
        fail(f"{exc.message}\nThe server was added; log in later with `pycodex mcp login {name}`.")
    sys.stdout.write(f"Successfully logged in to MCP server '{name}'.\n")


def login(
    name: Annotated[str, typer.Argument(help="Name of the server.")],
    scopes: Annotated[
        str | None, typer.Option("--scopes", help="Comma-separated scopes to ask for (default: configured).")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the authorization URL; do not open a browser.")
    ] = False,
) -> None:
    """Log in to a server with OAuth and store its tokens."""
    import anyio

    from mcp_client import McpClientError
    from mcp_client import login as oauth_login

    config = configured_server(name)
    requested = [s.strip() for s in scopes.split(",") if s.strip()] if scopes else None
    try:
        settings, store = oauth_setup()

        async def run() -> None:
            await oauth_login(
                name, config, store=store, settings=settings, scopes=requested, open_browser=not no_browser
            )

        anyio.run(run)
    except McpClientError as exc:
        fail(exc.message)
    sys.stdout.write(f"Successfully logged in to MCP server '{name}'.\n")


def logout(name: Annotated[str, typer.Argument(help="Name of the server.")]) -> None:
    """Forget a server's stored OAuth tokens."""
    import anyio

    from mcp_client import McpClientError
    from mcp_client import logout as oauth_logout

    config = configured_server(name)
    try:
        _, store = oauth_setup()

        async def run() -> bool:
            return await oauth_logout(name, config, store=store)

        removed = anyio.run(run)
    except McpClientError as exc:
        fail(exc.message)
    if removed:
        sys.stdout.write(f"Removed the OAuth credentials of MCP server '{name}'.\n")
    else:
        sys.stdout.write(f"No OAuth credentials were stored for MCP server '{name}'.\n")
