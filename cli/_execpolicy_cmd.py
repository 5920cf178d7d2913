"""`pycodex execpolicy check`: what the rules say about a command, as Codex's JSON."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

execpolicy_app = typer.Typer(
    name="execpolicy",
    help="Check commands against Starlark exec-policy rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@execpolicy_app.command(
    "check",
    # Everything after the first word of the command belongs to it, even words that look like options.
    context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
)
def check(
    command: Annotated[
        list[str],
        typer.Argument(
            metavar="COMMAND", help="The command to check, as words (after `--` if it could be read as an option)."
        ),
    ],
    rules: Annotated[
        list[str],
        typer.Option("--rules", "-r", metavar="FILE", help="A rules file; repeat to load several, in order."),
    ],
    pretty: Annotated[bool, typer.Option("--pretty", help="Indent the JSON.")] = False,
    resolve_host_executables: Annotated[
        bool,
        typer.Option(
            "--resolve-host-executables",
            help="Match an absolute program (/usr/bin/git) against rules for its name (git).",
        ),
    ] = False,
) -> None:
    """Print every rule matching COMMAND and the strictest decision (exit 0 whether or not one matched)."""
    from agent.execpolicy import (
        PolicyParseError,
        PolicyReadError,
        check_command,
        format_check_output,
        format_error_report,
    )

    try:
        evaluation = check_command(rules, command, resolve_host_executables=resolve_host_executables)
    except (PolicyReadError, PolicyParseError) as error:
        sys.stderr.write(format_error_report(error))
        raise typer.Exit(1) from None
    sys.stdout.write(format_check_output(evaluation, pretty=pretty) + "\n")


def register(app: typer.Typer) -> None:
    """Add this command group to `app`."""
    app.add_typer(execpolicy_app, name="execpolicy")
