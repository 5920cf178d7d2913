"""`pycodex exec resume --help` and `pycodex exec fork --help`: the hidden `exec-resume` command's help, under the
name the person typed and with its own description."""

from __future__ import annotations

from typing import Any

import typer

RESUME_HELP = (
    "Continue a recorded session with a new prompt: `pycodex exec resume --last PROMPT` (the newest session of this "
    "directory; --all: of any directory) or `pycodex exec resume ID PROMPT` (ID may be a unique prefix). The session "
    "file is appended to. Same options as exec."
)
FORK_HELP = (
    "Start a new session from a copy of a recorded one, leaving the original untouched: `pycodex exec fork ID "
    "[PROMPT]` or `pycodex exec fork --last [PROMPT]`. Same options as exec."
)


def sub_help(word: str) -> int:
    """Print the help of `pycodex exec resume` or `pycodex exec fork` under its own name; returns the exit code."""
    from ._app import app

    group: Any = typer.main.get_command(app)
    command: Any = group.commands["exec-resume"]
    command.help = FORK_HELP if word == "fork" else RESUME_HELP
    for param in command.params:
        if param.name == "fork":
            param.hidden = True
    try:
        command.main(["--help"], prog_name=f"pycodex exec {word}", standalone_mode=False)
    except typer.Exit as exc:  # pragma: no cover - click's own help exit
        return exc.exit_code
    return 0
