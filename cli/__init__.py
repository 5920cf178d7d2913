"""The `pycodex` command line: parses, builds config, calls one library coroutine, maps errors to exit codes."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the `pycodex` console script."""
    _tolerant_output()
    from ._globals import GlobalOptionError, hoist

    try:
        # Options before the command apply to it (`pycodex -c model=X exec ...`), as in Codex.
        argv = hoist(sys.argv[1:])
    except GlobalOptionError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        raise SystemExit(2) from None
    sys.argv[1:] = argv
    if argv[:1] == ["sandbox"]:
        # `pycodex sandbox` is timed against `codex sandbox`: it skips building the whole typer app.
        from ._sandbox_cmd import main as sandbox_main

        raise SystemExit(sandbox_main(argv[1:]))
    if argv[:1] == ["apply-patch"] and not {"-h", "--help"} & set(argv[1:2]):
        # Likewise for `pycodex apply-patch`, which scripts and models run many times.
        from ._apply_patch_cmd import main as apply_patch_main

        raise SystemExit(apply_patch_main(argv[1:]))
    if argv[:1] == ["app-server"]:
        from ._app_server_args import parse_app_server

        # Clients spawn the app-server and wait for `initialize`: a plain invocation skips building the typer app.
        if (options := parse_app_server(argv[1:])) is not None:
            from ._app_server_cmd import serve

            raise SystemExit(serve(**options))
    if argv[:1] == ["acp"]:
        # An editor waits for `pycodex acp` to answer initialize: skip building the typer app when the flags are plain.
        from ._acp_run import parse_fast, run

        if (acp_options := parse_fast(argv[1:])) is not None:
            raise SystemExit(run(**acp_options))
    if argv[:1] == ["exec"]:
        from ._exec_args import first_positional, parse_exec

        # `exec` takes a prompt argument, so `exec resume` and `exec fork` are separate (hidden) commands underneath;
        # options may come before the word, as in `pycodex exec -c k=v resume --last`.
        index = first_positional(argv, 1)
        if index is not None and argv[index] in ("resume", "fork") and {"-h", "--help"} & set(argv[index + 1 :]):
            from ._exec_help import sub_help

            raise SystemExit(sub_help(argv[index]))
        if index is not None and argv[index] in ("resume", "fork"):
            fork = ["--fork"] if argv[index] == "fork" else []
            sys.argv[1:] = ["exec-resume", *fork, *argv[1:index], *argv[index + 1 :]]
        elif index is not None and argv[index] == "review":
            # `exec review` is `review` with exec's options (the hidden `exec-review` command).
            sys.argv[1:] = ["exec-review", *argv[1:index], *argv[index + 1 :]]
        elif (options := parse_exec(argv[1:])) is not None:
            # A plain `exec` skips building the typer app, as `sandbox` and `apply-patch` do.
            try:
                _import_engine()
                from ._exec_options import ExecOptions
                from ._exec_run import run_exec

                code = run_exec(ExecOptions(**options))
            except KeyboardInterrupt:  # Ctrl-C before the turn's own handler is installed
                code = 130
            raise SystemExit(code)
    from ._app import main as app_main

    app_main()


def _tolerant_output() -> None:
    """Text that is not valid Unicode (a lone surrogate from a model, an MCP server, a file name) is printed by the
    engine's one policy (`agent.TEXT_ERRORS`) instead of ending the command with `UnicodeEncodeError`."""
    from agent import TEXT_ERRORS

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=TEXT_ERRORS)


def _import_engine() -> None:
    """Import what `exec` runs on, without the cyclic garbage collector rescanning it as it grows.

    The imports (pydantic, httpx2, anyio and ours) create ~60,000 long-lived objects and next to no garbage;
    each full collection meanwhile walks all of them. Freezing them afterwards keeps later collections, during the
    turn, from walking them again. Together ~15 ms of the time to the first model request.
    """
    import gc

    gc.disable()
    try:
        from . import _exec_run  # noqa: F401  # pyright: ignore[reportUnusedImport]
    finally:
        gc.freeze()
        gc.enable()
