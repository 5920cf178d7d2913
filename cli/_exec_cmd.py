"""`pycodex exec`: run the agent non-interactively on one prompt.

The options of `exec` and of `exec resume`/`exec fork` are not spelled out here: each command's signature is its
own arguments plus the parameters built from `_exec_options.OPTIONS`, the one declaration of exec's options.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ._exec_options import OPTIONS, ExecOptions, Kind

# The parameter type typer parses each kind of option into.
_TYPES: dict[Kind, Any] = {
    "flag": bool,
    "value": str | None,
    "path": Path | None,
    "list": list[str] | None,
    "paths": list[Path] | None,
}

_EXEC_HELP = (
    "Run the agent on PROMPT without a UI and print the final answer (events go to stderr, or to stdout as JSON "
    "Lines with --json). Use - to read the prompt from stdin; piped stdin is appended to PROMPT. Continue a recorded "
    "session with `pycodex exec resume [--last | ID] [PROMPT]`, or a copy of it with `pycodex exec fork ID [PROMPT]` "
    "(see their --help). `pycodex exec review ...` runs a code review instead (see `pycodex review --help`)."
)
_RESUME_HELP = (
    "Continue a recorded session with a new prompt: `pycodex exec resume --last PROMPT` or `pycodex exec resume ID "
    "PROMPT` (ID may be a unique prefix); `pycodex exec fork ID [PROMPT]` starts a new session from a copy, leaving "
    "the original untouched. Same options as exec."
)


def register(app: typer.Typer) -> None:
    """Add `exec` (and `exec resume`, `exec fork`, reached through `cli.main`'s argv rewrite) to `app`."""
    app.command("exec", help=_EXEC_HELP)(_with_options(_exec_command, resume=False))
    app.command("exec-resume", hidden=True, help=_RESUME_HELP)(_with_options(_exec_resume, resume=True))


def _with_options(command: Callable[..., None], *, resume: bool) -> Callable[..., None]:
    """`command` under a signature (which typer reads) of its own parameters followed by exec's options: all of them
    for `exec`, those that `exec resume` takes too for it. The options reach `command` in its `**options`."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.kind != p.VAR_KEYWORD]
    generated = [
        inspect.Parameter(
            option.dest,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[_TYPES[option.kind], typer.Option(*option.flags, help=option.help)],
            default=False if option.kind == "flag" else None,
        )
        for option in OPTIONS
        if option.resume or not resume
    ]

    def typed(**values: Any) -> None:
        command(**values)

    typed.__signature__ = inspect.Signature([*own, *generated])  # pyright: ignore[reportFunctionMemberAccess]
    return typed


def _exec_options(prompt: str | None, options: dict[str, Any]) -> ExecOptions:
    """The `ExecOptions` of what typer parsed (a repeatable option nobody gave comes as None)."""
    return ExecOptions(prompt=prompt, **{dest: given for dest, given in options.items() if given is not None})


def _exec_command(
    prompt: Annotated[str | None, typer.Argument(help="What to do. `-` reads it from stdin.")] = None,
    **options: Any,
) -> None:
    from ._exec_run import run_exec

    raise typer.Exit(run_exec(_exec_options(prompt, options)))


def _exec_resume(
    args: Annotated[list[str] | None, typer.Argument(help="[ID] [PROMPT]")] = None,
    last: Annotated[bool, typer.Option("--last", help="Resume the most recent session in this directory.")] = False,
    all_dirs: Annotated[bool, typer.Option("--all", help="With --last: the most recent session anywhere.")] = False,
    fork: Annotated[
        bool, typer.Option("--fork", help="Start a new session from a copy (what `exec fork` runs).")
    ] = False,
    **options: Any,
) -> None:
    _resume_or_fork(args or [], _exec_options(None, options), last=last, all_dirs=all_dirs, fork=fork)


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
