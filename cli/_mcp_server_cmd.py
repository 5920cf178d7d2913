"""`pycodex mcp-server`: serve the agent as an MCP server (stdio by default, Streamable HTTP with --listen)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

ElicitationOption = Annotated[
    str,
    typer.Option(
        "--elicitation",
        help="How approvals are asked: auto or mcp (the standard MCP form), or codex (Codex's `decision` form, for "
        "hosts written against `codex mcp-server`).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add `mcp-server` to `app`."""

    @app.command(
        "mcp-server",
        help="Run pycodex as an MCP server with the tools `codex` and `codex-reply`, on stdio (for an MCP host to "
        "spawn) or, with --listen, on Streamable HTTP.",
    )
    def mcp_server_command(  # pyright: ignore[reportUnusedFunction]
        listen: Annotated[
            str | None,
            typer.Option(
                "--listen", help="Serve Streamable HTTP at http://HOST:PORT (endpoint /mcp) instead of stdio."
            ),
        ] = None,
        auth_token_env: Annotated[
            str | None,
            typer.Option(
                "--auth-token-env",
                metavar="VAR",
                help="With --listen: require `Authorization: Bearer <value of VAR>` on every request.",
            ),
        ] = None,
        allow_remote: Annotated[
            bool,
            typer.Option("--allow-remote", help="With --listen: allow a host that is not a loopback address."),
        ] = False,
        config: Annotated[
            list[str] | None, typer.Option("--config", "-c", help="Override a config value: -c key=value (TOML).")
        ] = None,
        profile: Annotated[
            str | None, typer.Option("--profile", "-p", help="Config profile for calls that name none.")
        ] = None,
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown config keys as errors.")
        ] = False,
        elicitation: ElicitationOption = "auto",
        max_idle_threads: Annotated[
            int,
            typer.Option(
                "--max-idle-threads",
                min=1,
                help="Idle threads kept open; the least recently used beyond this are closed (codex-reply resumes "
                "them from their session file).",
            ),
        ] = 32,
    ) -> None:
        from mcp_server import McpServerError, ServerOptions, run_http, run_stdio

        if elicitation not in ("auto", "mcp", "codex"):
            sys.stderr.write(f"error: --elicitation takes auto, mcp or codex; got {elicitation!r}\n")
            raise typer.Exit(2)
        if listen is None and (auth_token_env or allow_remote):
            sys.stderr.write("error: --auth-token-env and --allow-remote need --listen\n")
            raise typer.Exit(2)
        options = ServerOptions(
            config_overrides=tuple(config or ()),
            profile=profile,
            strict_config=strict_config,
            elicitation=elicitation,  # pyright: ignore[reportArgumentType]
            max_idle_threads=max_idle_threads,
        )
        try:
            if listen is None:
                code = run_stdio(options)
            else:
                code = run_http(options, listen, auth_token_env=auth_token_env, allow_remote=allow_remote)
        except McpServerError as exc:
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        raise typer.Exit(code)
