"""The typer application. Each command group lives in its own `_*_cmd` module, which imports nothing heavy at
module level so that `pycodex --help` stays fast."""

from __future__ import annotations

import typer

from . import (
    _acp_cmd,
    _app_server_cmd,
    _apply_patch_cmd,
    _config_cmd,
    _exec_cmd,
    _execpolicy_cmd,
    _hooks_cmd,
    _login_cmd,
    _mcp_cmd,
    _mcp_server_cmd,
    _proxy_cmd,
    _review_cmd,
    _sandbox_cmd,
    _sessions_cmd,
    _skills_cmd,
    _tui_cmd,
)

app = typer.Typer(
    name="pycodex",
    help="A coding agent that works on your repository inside a sandbox. Run `pycodex` to chat with it, or "
    "`pycodex exec PROMPT` to run it without a UI.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

for module in (
    _exec_cmd,
    _review_cmd,
    _apply_patch_cmd,
    _sandbox_cmd,
    _execpolicy_cmd,
    _login_cmd,
    _mcp_cmd,
    _config_cmd,
    _hooks_cmd,
    _skills_cmd,
    _mcp_server_cmd,
    _proxy_cmd,
    _app_server_cmd,
    _sessions_cmd,
    _tui_cmd,
    _acp_cmd,
):
    module.register(app)


def main() -> None:
    """Entry point of the `pycodex` console script."""
    app()
