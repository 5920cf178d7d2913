"""`cli._app_server_args.parse_app_server` (the typer-free path of `pycodex app-server`) agrees with the typer
command, and leaves help and usage errors to typer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cli._app_server_cmd
from cli._app import app
from cli._app_server_args import parse_app_server


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--listen", "ws://127.0.0.1:0"],
        ["--listen=unix:///tmp/x.sock", "-c", "a=1", "--config", "b='two'", "--strict-config"],
        ["--ws-auth", "capability-token", "--ws-token-file", "tok", "--listen", "ws://0.0.0.0:1"],
        ["--ws-token-sha256=ab" * 1, "--listen", "ws://127.0.0.1:9"],
    ],
)
def test_fast_parser_matches_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []

    def record(**options: Any) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(cli._app_server_cmd, "serve", record)
    result = CliRunner().invoke(app, ["app-server", *args])
    assert result.exit_code == 0, result.output
    fast = parse_app_server(args)
    assert fast is not None
    expected = {"ws_auth": None, "ws_token_file": None, "ws_token_sha256": None, **fast}
    assert seen == [expected]
    if "tok" in args:
        assert seen[0]["ws_token_file"] == Path("tok")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--nope"], ["--listen"], ["stray"], ["--strict-config=yes"]])
def test_fast_parser_leaves_help_and_usage_errors_to_typer(args: list[str]) -> None:
    assert parse_app_server(args) is None
