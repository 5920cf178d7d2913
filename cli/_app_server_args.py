"""`pycodex app-server`'s argument list, parsed without typer (clients spawn the server often; building the typer
app costs ~50 ms before `initialize` can be answered). Anything this parser is not sure about (help, an unknown
option, a missing value, a positional word) returns None and typer answers. `tests/cli/test_app_server_args.py`
checks that both agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# option → (keyword of cli._app_server_cmd.serve, kind): "value", "path", "list" (repeatable) or "flag".
OPTIONS: dict[str, tuple[str, str]] = {
    "--listen": ("listen", "value"),
    "--ws-auth": ("ws_auth", "value"),
    "--ws-token-file": ("ws_token_file", "path"),
    "--ws-token-sha256": ("ws_token_sha256", "value"),
    "--config": ("config", "list"),
    "-c": ("config", "list"),
    "--strict-config": ("strict_config", "flag"),
}


def parse_app_server(args: list[str]) -> dict[str, Any] | None:
    """Keyword arguments for `cli._app_server_cmd.serve`, or None to let typer handle the words."""
    parsed: dict[str, Any] = {"listen": "stdio://", "config": [], "strict_config": False}
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        name, has_inline, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        spec = OPTIONS.get(name)
        if spec is None:
            return None
        dest, kind = spec
        if kind == "flag":
            if has_inline:
                return None
            parsed[dest] = True
            continue
        if has_inline:
            value = inline
        elif index < len(args):
            value = args[index]
            index += 1
        else:
            return None
        if kind == "list":
            parsed[dest].append(value)
        else:
            parsed[dest] = Path(value) if kind == "path" else value
    return parsed
