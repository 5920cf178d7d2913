"""The `pycodex` command line: parses, builds config, calls one library coroutine, maps errors to exit codes."""

from ._app import main as main

__all__ = ["main"]
