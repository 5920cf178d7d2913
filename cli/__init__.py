"""The `pycodex` command line: parses, builds config, calls one library coroutine, maps errors to exit codes."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the `pycodex` console script."""
    argv = sys.argv[1:]
    if argv[:1] == ["sandbox"]:
        # `pycodex sandbox` is timed against `codex sandbox`: it skips building the whole typer app.
        from ._sandbox_cmd import main as sandbox_main

        raise SystemExit(sandbox_main(argv[1:]))
    from ._app import main as app_main

    app_main()
