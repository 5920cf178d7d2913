"""`cli._exec_args.parse_exec` (the typer-free fast path of `pycodex exec`) agrees with the typer command.

For each argument list, the typer `exec` command is invoked with `run_exec` replaced by a recorder, and the
options it would have run with are compared with the fast parser's. Where the fast parser declines (help, usage
errors, forms it does not take), typer must be the one answering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import cli._exec_run
from cli._app import app
from cli._exec_args import first_positional, parse_exec
from cli._exec_options import OPTIONS, ExecOptions
from cli._globals import accepts, global_options, hoist


def _typer_options(args: list[str], monkeypatch: pytest.MonkeyPatch) -> ExecOptions:
    seen: list[ExecOptions] = []

    def record(options: ExecOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(cli._exec_run, "run_exec", record)
    result = CliRunner().invoke(app, ["exec", *args])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    return seen[0]


@pytest.mark.parametrize(
    "args",
    [
        ["fix the test"],
        [],
        ["-"],
        ["--json", "-m", "gpt-5.5", "hi"],
        ["hi", "--json", "--ephemeral"],
        ["-c", "a=1", "--config", "b='two words'", "x"],
        ["--model=gpt-5.5", "--config=k=v", "x"],
        ["-i", "a.png", "--image", "b.png", "x"],
        ["-o", "out.txt", "--output-schema", "schema.json", "-C", "/tmp/work", "x"],
        ["--yolo", "--full-auto", "--oss", "--strict-config", "--skip-git-repo-check", "-s", "read-only", "x"],
        ["--dangerously-bypass-approvals-and-sandbox", "-p", "fast", "x"],
        ["-m", "first", "--model", "second", "x"],
        ["--", "--json"],
        ["-m", "-x", "prompt"],
        ["--experimental-json", "--add-dir", "a", "--add-dir=b", "--thread-source", "user", "x"],
        ["--cyber-access-program", "standard", "--output-schema", "s.json", "x"],
    ],
)
def test_fast_parser_matches_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_exec(args)
    assert fast is not None
    assert ExecOptions(**fast) == _typer_options(args, monkeypatch)


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["--help"], 0),
        (["-h"], 0),
        (["--no-such-option", "x"], 2),
        (["one", "two"], 2),
        (["-m"], 2),
        (["--json=yes", "x"], 2),
    ],
)
def test_fast_parser_leaves_help_and_usage_errors_to_typer(
    args: list[str], exit_code: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parse_exec(args) is None

    def refuse(options: ExecOptions) -> int:
        pytest.fail(f"typer ran exec with {options}")

    monkeypatch.setattr(cli._exec_run, "run_exec", refuse)
    result = CliRunner().invoke(app, ["exec", *args])
    assert result.exit_code == exit_code, result.output


def test_fast_parser_paths_are_paths() -> None:
    parsed = parse_exec(["-C", "sub", "-i", "a.png", "x"])
    assert parsed is not None
    assert parsed["cd"] == Path("sub")
    assert parsed["images"] == [Path("a.png")]


def test_first_positional_skips_option_values() -> None:
    argv = ["exec", "-c", "k=v", "--json", "-m", "resume", "resume", "--last"]
    assert first_positional(argv, 1) == 6
    assert first_positional(["exec", "--json"], 1) is None
    assert first_positional(["exec", "--", "fork"], 1) == 2


def test_exec_review_is_left_to_typer_and_the_review_command() -> None:
    assert parse_exec(["review"]) is None
    assert parse_exec(["--json", "review", "--uncommitted"]) is None
    assert parse_exec(["--", "review"]) == {"prompt": "review"}  # after `--` it is a prompt like any other


def _typer_params(name: str) -> dict[str, tuple[str, ...]]:
    group: Any = typer.main.get_command(app)
    params: list[Any] = group.commands[name].params
    return {str(p.name): tuple(p.opts) for p in params if type(p).__name__.endswith("Option")}


def test_the_typer_commands_take_exactly_the_declared_options() -> None:
    declared = {o.dest: o.flags for o in OPTIONS}
    assert _typer_params("exec") == declared
    own = {"last": ("--last",), "all_dirs": ("--all",), "fork": ("--fork",)}
    for_resume = {o.dest: o.flags for o in OPTIONS if o.resume}
    assert _typer_params("exec-resume") == {**own, **for_resume}
    assert {"ephemeral", "oss"} == declared.keys() - for_resume.keys()


def test_options_before_exec_are_the_declared_ones() -> None:
    before = {flag for o in OPTIONS if o.before for flag in o.flags}
    assert before == set(global_options()) - {"-a", "--ask-for-approval"}
    assert accepts()["exec"] == {o.flags[0] for o in OPTIONS if o.before}
    assert hoist(["--yolo", "-C", "/w", "exec", "go"]) == [
        "exec",
        "--dangerously-bypass-approvals-and-sandbox",
        "--cd",
        "/w",
        "go",
    ]
