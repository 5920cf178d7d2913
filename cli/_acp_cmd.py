"""`pycodex acp`: serve the agent over the Agent Client Protocol on stdio (for editors: Zed, JetBrains, ...)."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `acp` to `app`."""

    @app.command(
        "acp",
        help="Run pycodex as an Agent Client Protocol agent on stdio, for an editor to spawn (Zed's agent_servers, "
        "JetBrains, Emacs agent-shell, Neovim CodeCompanion, ...).",
    )
    def acp_command(  # pyright: ignore[reportUnusedFunction]
        config: Annotated[
            list[str] | None, typer.Option("--config", "-c", help="Override a config value: -c key=value (TOML).")
        ] = None,
        profile: Annotated[
            str | None, typer.Option("--profile", "-p", help="Config profile for every session.")
        ] = None,
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown config keys as errors.")
        ] = False,
        model: Annotated[str | None, typer.Option("--model", "-m", help="Model sessions start with.")] = None,
        sandbox: Annotated[
            str | None,
            typer.Option(
                "--sandbox",
                "-s",
                help="Sandbox mode sessions start in: read-only, workspace-write, danger-full-access.",
            ),
        ] = None,
        approval_policy: Annotated[
            str | None,
            typer.Option(
                "--ask-for-approval", "-a", help="Approval policy sessions start with: untrusted, on-request, never."
            ),
        ] = None,
        oss: Annotated[bool, typer.Option("--oss", help="Use the local Ollama server as the model provider.")] = False,
    ) -> None:
        from ._acp_run import run

        code = run(
            config=tuple(config or ()),
            profile=profile,
            strict_config=strict_config,
            model=model,
            sandbox=sandbox,
            approval_policy=approval_policy,
            oss=oss,
        )
        raise typer.Exit(code)
