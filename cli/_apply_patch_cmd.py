"""`pycodex apply-patch [PATCH | -]`: apply a patch in the current directory, with Codex's output and exit codes.

Only the standard library is imported here at module level; the patch library is imported when the command runs.
"""

from __future__ import annotations

import gc
import os
import sys

# Not `typing.TYPE_CHECKING`: typing is imported by the library, after the collector is off (see `run`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    import typer

USAGE = "Usage: apply_patch 'PATCH'\n       echo 'PATCH' | apply_patch"

HELP = (
    "Apply a patch in the apply_patch format to files under the current directory, all of it or nothing. "
    "Pass the patch as one argument, or as '-' (or nothing) to read it from stdin. "
    "Exit status: 0 applied, 1 the patch failed (nothing changed), 2 usage error."
)


def register(app: typer.Typer) -> None:
    """Add the `apply-patch` command to `app`."""
    import typer

    @app.command("apply-patch", help=HELP, no_args_is_help=False)
    def apply_patch_command(
        patch: list[str] | None = typer.Argument(None, metavar="[PATCH | -]", show_default=False),  # noqa: B008
    ) -> None:
        code = run(patch or [])
        if code:
            raise typer.Exit(code)


def run(args: list[str], stdin: BinaryIO | None = None, cwd: str | None = None) -> int:
    """Apply the patch given in `args` (or on stdin); print as Codex's apply_patch does; return the exit status."""
    if len(args) > 1:
        return _fail("Error: apply_patch accepts exactly one argument.", 2)
    if args and args[0] != "-":
        text = args[0]
        try:
            text.encode()
        except UnicodeEncodeError:
            # Python smuggles undecodable argv bytes in as lone surrogates.
            return _fail("Error: apply_patch requires a UTF-8 PATCH argument.", 1)
    else:
        source = stdin if stdin is not None else sys.stdin.buffer
        # Headless runs must never hang: with no argument and a terminal on stdin there is nothing to read.
        if not args and source.isatty():
            return _fail(USAGE, 2)
        data = source.read()
        if not data:
            return _fail(USAGE, 2)
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return _fail("Error: Failed to read PATCH from stdin.\nstream did not contain valid UTF-8", 1)

    # Importing the library and applying a patch allocate many objects and no reference cycles, so the cyclic
    # collector would only scan them (and every module imported so far) over and over: a few milliseconds of a
    # command that is usually a process of its own.
    collecting = gc.isenabled()
    gc.disable()
    try:
        from agent.apply_patch import ApplyPatchError, apply_patch

        try:
            result = apply_patch(text, cwd if cwd is not None else os.getcwd())
        except ApplyPatchError as error:
            return _fail(str(error), 1)
    finally:
        if collecting:
            gc.enable()
    sys.stdout.buffer.write(result.summary.encode())
    sys.stdout.flush()
    return 0


def main(args: list[str]) -> int:
    """`run` as the whole process: the caller exits with the status returned."""
    status = run(args)
    # Nothing left needs collecting, and freezing what is alive spares the interpreter's shutdown a full collection
    # over every object, which costs as much as applying a small patch.
    gc.freeze()
    return status


def _fail(message: str, code: int) -> int:
    sys.stderr.buffer.write(f"{message}\n".encode(errors="surrogateescape"))
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    # `python cli/_apply_patch_cmd.py PATCH` runs the command without typer: the start-up floor that a fast
    # path in `cli.main` could reach (see benchmarks/apply_patch.py).
    sys.exit(main(sys.argv[1:]))
