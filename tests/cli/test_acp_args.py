# pyright: reportPrivateUsage=false
"""`pycodex acp`'s two parsers (the fast one and typer's) take the same options."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from cli._acp_run import _SWITCHES, _VALUE_FLAGS, parse_fast
from cli._app import app


def test_the_fast_parser_knows_every_option_of_the_typer_command() -> None:
    group: Any = typer.main.get_command(app)
    params: list[Any] = group.commands["acp"].params
    typer_names: set[str] = {name for param in params for name in (*param.opts, *param.secondary_opts)}
    assert typer_names - {"-h", "--help"} == set(_VALUE_FLAGS) | set(_SWITCHES)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"config": ()}),
        (
            ["-c", "a=1", "--config=b=2", "-p", "work", "-m", "o4-mini", "--oss", "--strict-config"],
            {"config": ("a=1", "b=2"), "profile": "work", "model": "o4-mini", "oss": True, "strict_config": True},
        ),
        (
            ["-s", "read-only", "--ask-for-approval", "never"],
            {"config": (), "sandbox": "read-only", "approval_policy": "never"},
        ),
    ],
)
def test_plain_flags_are_parsed_without_typer(argv: list[str], expected: dict[str, object]) -> None:
    assert parse_fast(argv) == expected


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--bogus"], ["-c"], ["extra"], ["--oss=yes"]])
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert parse_fast(argv) is None
