"""`pycodex app-server`: serve Codex's app-server protocol (stdio by default, WebSockets with --listen)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `app-server` to `app`."""

    @app.command(
        "app-server",
        help="Serve Codex's app-server protocol (JSON-RPC v2), for Codex's IDE extensions, SDKs and other clients: "
        "on stdio by default, or on a WebSocket (--listen ws://127.0.0.1:PORT) or a unix socket (--listen "
        "unix://PATH).",
    )
    def app_server_command(  # pyright: ignore[reportUnusedFunction]
        listen: Annotated[
            str, typer.Option("--listen", help="stdio:// (default), ws://IP:PORT or unix://PATH.")
        ] = "stdio://",
        ws_auth: Annotated[
            str | None,
            typer.Option("--ws-auth", help="capability-token: WebSocket clients must send the token as a bearer."),
        ] = None,
        ws_token_file: Annotated[
            Path | None, typer.Option("--ws-token-file", help="File holding the capability token.")
        ] = None,
        ws_token_sha256: Annotated[
            str | None, typer.Option("--ws-token-sha256", help="The SHA-256 (hex) of the capability token.")
        ] = None,
        config: Annotated[
            list[str] | None, typer.Option("--config", "-c", help="Override a config value: -c key=value (TOML).")
        ] = None,
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown config keys as errors.")
        ] = False,
    ) -> None:
        code = serve(
            listen=listen,
            ws_auth=ws_auth,
            ws_token_file=ws_token_file,
            ws_token_sha256=ws_token_sha256,
            config=list(config or []),
            strict_config=strict_config,
        )
        raise typer.Exit(code)


def serve(
    *,
    listen: str,
    ws_auth: str | None = None,
    ws_token_file: Path | None = None,
    ws_token_sha256: str | None = None,
    config: list[str],
    strict_config: bool,
) -> int:
    """Run the app-server; returns the exit code (2 for a usage error, said on stderr)."""
    from app_server import AppServerError, AppServerOptions, run_app_server

    for override in config:
        if "=" not in override:
            sys.stderr.write(f"error: invalid -c override (expected key=value): {override}\n")
            return 2
    options = AppServerOptions(config_overrides=tuple(config), strict_config=strict_config)
    try:
        return run_app_server(
            options,
            listen=listen,
            ws_auth_mode=ws_auth,
            ws_token_file=ws_token_file,
            ws_token_sha256=ws_token_sha256,
        )
    except AppServerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
