"""`pycodex exec`: run the agent non-interactively on one prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SandboxOption = Annotated[
    str | None,
    typer.Option(
        "--sandbox", "-s", help="Sandbox policy for model commands: read-only, workspace-write or danger-full-access."
    ),
]


def register(app: typer.Typer) -> None:
    """Add `exec` to `app`."""

    @app.command(
        "exec",
        help="Run the agent on PROMPT without a UI and print the final answer (events go to stderr, or to stdout "
        "as JSON Lines with --json). Use - to read the prompt from stdin; piped stdin is appended to PROMPT.",
    )
    def exec_command(  # pyright: ignore[reportUnusedFunction]
        prompt: Annotated[str | None, typer.Argument(help="What to do. `-` reads it from stdin.")] = None,
        json_mode: Annotated[bool, typer.Option("--json", help="Print events as JSON Lines on stdout.")] = False,
        output_last_message: Annotated[
            Path | None, typer.Option("--output-last-message", "-o", help="Write the final message to FILE.")
        ] = None,
        output_schema: Annotated[
            Path | None, typer.Option("--output-schema", help="JSON Schema the final message must follow.")
        ] = None,
        model: Annotated[str | None, typer.Option("--model", "-m", help="Model to use.")] = None,
        sandbox: SandboxOption = None,
        cd: Annotated[Path | None, typer.Option("--cd", "-C", help="Work in this directory.")] = None,
        skip_git_repo_check: Annotated[
            bool, typer.Option("--skip-git-repo-check", help="Allow running outside a git repository.")
        ] = False,
        ephemeral: Annotated[bool, typer.Option("--ephemeral", help="Do not write a session file.")] = False,
        image: Annotated[
            list[Path] | None, typer.Option("--image", "-i", help="Attach an image to the prompt (repeatable).")
        ] = None,
        full_auto: Annotated[
            bool, typer.Option("--full-auto", help="Shorthand for --sandbox workspace-write.")
        ] = False,
        yolo: Annotated[
            bool,
            typer.Option(
                "--dangerously-bypass-approvals-and-sandbox",
                "--yolo",
                help="Run every command without sandbox or approvals. Only for machines that are sandboxes already.",
            ),
        ] = False,
        config: Annotated[
            list[str] | None, typer.Option("--config", "-c", help="Override a config value: -c key=value (TOML).")
        ] = None,
        profile: Annotated[str | None, typer.Option("--profile", "-p", help="Config profile to use.")] = None,
        oss: Annotated[bool, typer.Option("--oss", help="Use the local open-source provider (Ollama).")] = False,
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown config keys as errors.")
        ] = False,
    ) -> None:
        from ._exec_run import ExecOptions, run_exec

        options = ExecOptions(
            prompt=prompt,
            json_mode=json_mode,
            output_last_message=output_last_message,
            output_schema=output_schema,
            model=model,
            sandbox=sandbox,
            cd=cd,
            skip_git_repo_check=skip_git_repo_check,
            ephemeral=ephemeral,
            images=list(image or []),
            full_auto=full_auto,
            yolo=yolo,
            config=list(config or []),
            profile=profile,
            oss=oss,
            strict_config=strict_config,
        )
        raise typer.Exit(run_exec(options))
