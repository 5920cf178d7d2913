"""`pycodex exec`: run the agent non-interactively on one prompt."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ._exec_run import ExecOptions

SandboxOption = Annotated[
    str | None,
    typer.Option(
        "--sandbox", "-s", help="Sandbox policy for model commands: read-only, workspace-write or danger-full-access."
    ),
]

JsonOption = Annotated[
    bool,
    typer.Option("--json", "--experimental-json", help="Print events as JSON Lines on stdout."),
]
AddDirOption = Annotated[
    list[Path] | None,
    typer.Option("--add-dir", help="Another directory the agent may write to, besides the workspace (repeatable)."),
]
ThreadSourceOption = Annotated[
    str | None,
    typer.Option("--thread-source", help="Who started the thread (recorded in the session file), e.g. user."),
]
CyberOption = Annotated[
    str | None,
    typer.Option(
        "--cyber-access-program",
        help="Accepted for Codex's SDK (standard, daybreak_blue, daybreak_red); pycodex does not use it.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add `exec` (and `exec resume`, `exec fork`, reached through `cli.main`'s argv rewrite) to `app`."""
    _register_exec(app)
    _register_resume(app)


def _register_exec(app: typer.Typer) -> None:

    @app.command(
        "exec",
        help="Run the agent on PROMPT without a UI and print the final answer (events go to stderr, or to stdout "
        "as JSON Lines with --json). Use - to read the prompt from stdin; piped stdin is appended to PROMPT. "
        "Continue a recorded session with `pycodex exec resume [--last | ID] [PROMPT]`, or a copy of it with "
        "`pycodex exec fork ID [PROMPT]` (see their --help). "
        "`pycodex exec review ...` runs a code review instead (see `pycodex review --help`).",
    )
    def exec_command(  # pyright: ignore[reportUnusedFunction]
        prompt: Annotated[str | None, typer.Argument(help="What to do. `-` reads it from stdin.")] = None,
        json_mode: JsonOption = False,
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
        bypass_hook_trust: Annotated[
            bool,
            typer.Option(
                "--dangerously-bypass-hook-trust",
                help="Run configured hooks that were never trusted (they run as you, outside the sandbox).",
            ),
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
        add_dir: AddDirOption = None,
        thread_source: ThreadSourceOption = None,
        cyber_access_program: CyberOption = None,
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
            bypass_hook_trust=bypass_hook_trust,
            ephemeral=ephemeral,
            images=list(image or []),
            full_auto=full_auto,
            yolo=yolo,
            config=list(config or []),
            profile=profile,
            oss=oss,
            strict_config=strict_config,
            add_dirs=list(add_dir or []),
            thread_source=thread_source,
            cyber_access_program=cyber_access_program,
        )
        raise typer.Exit(run_exec(options))


def _register_resume(app: typer.Typer) -> None:
    @app.command(
        "exec-resume",
        hidden=True,
        help="Continue a recorded session with a new prompt: `pycodex exec resume --last PROMPT` or "
        "`pycodex exec resume ID PROMPT` (ID may be a unique prefix); `pycodex exec fork ID [PROMPT]` starts a new "
        "session from a copy, leaving the original untouched. Same options as exec.",
    )
    def exec_resume(  # pyright: ignore[reportUnusedFunction]
        args: Annotated[list[str] | None, typer.Argument(help="[ID] [PROMPT]")] = None,
        last: Annotated[bool, typer.Option("--last", help="Resume the most recent session in this directory.")] = False,
        all_dirs: Annotated[bool, typer.Option("--all", help="With --last: the most recent session anywhere.")] = False,
        fork: Annotated[
            bool, typer.Option("--fork", help="Start a new session from a copy (what `exec fork` runs).")
        ] = False,
        json_mode: JsonOption = False,
        output_last_message: Annotated[
            Path | None, typer.Option("--output-last-message", "-o", help="Write the final message to FILE.")
        ] = None,
        output_schema: Annotated[
            Path | None, typer.Option("--output-schema", help="JSON Schema the final message must follow.")
        ] = None,
        model: Annotated[str | None, typer.Option("--model", "-m", help="Model to use from now on.")] = None,
        sandbox: SandboxOption = None,
        cd: Annotated[Path | None, typer.Option("--cd", "-C", help="Work in this directory.")] = None,
        skip_git_repo_check: Annotated[
            bool, typer.Option("--skip-git-repo-check", help="Allow running outside a git repository.")
        ] = False,
        bypass_hook_trust: Annotated[
            bool,
            typer.Option("--dangerously-bypass-hook-trust", help="Run hooks nobody has trusted yet, without asking."),
        ] = False,
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
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown and unsupported config keys as errors.")
        ] = False,
        add_dir: AddDirOption = None,
        thread_source: ThreadSourceOption = None,
        cyber_access_program: CyberOption = None,
    ) -> None:
        from ._exec_run import ExecOptions

        options = ExecOptions(
            json_mode=json_mode,
            output_last_message=output_last_message,
            output_schema=output_schema,
            model=model,
            sandbox=sandbox,
            cd=cd,
            skip_git_repo_check=skip_git_repo_check,
            bypass_hook_trust=bypass_hook_trust,
            images=list(image or []),
            full_auto=full_auto,
            yolo=yolo,
            config=list(config or []),
            profile=profile,
            strict_config=strict_config,
            add_dirs=list(add_dir or []),
            thread_source=thread_source,
            cyber_access_program=cyber_access_program,
        )
        _resume_or_fork(args or [], options, last=last, all_dirs=all_dirs, fork=fork)


def _resume_or_fork(args: list[str], options: ExecOptions, *, last: bool, all_dirs: bool, fork: bool) -> None:
    from ._exec_run import run_exec

    word = "fork" if fork else "resume"
    if last:
        thread, rest = None, args
    elif args:
        thread, rest = args[0], args[1:]
    else:
        typer.echo(f"Error: pycodex exec {word} needs a session ID (or --last)", err=True)
        raise typer.Exit(2)
    if len(rest) > 1:
        typer.echo(f"Error: pycodex exec {word} takes [ID] [PROMPT]; got extra arguments {rest[1:]}", err=True)
        raise typer.Exit(2)
    options = dataclasses.replace(
        options, prompt=rest[0] if rest else None, resume=thread, resume_last=last, resume_all=all_dirs, fork=fork
    )
    raise typer.Exit(run_exec(options))
