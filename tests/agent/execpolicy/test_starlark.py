# pyright: reportPrivateUsage=false
from __future__ import annotations

from agent.execpolicy._starlark import EvalFailure, _failure


def test_python_exception_names_are_dropped_from_starlark_errors() -> None:
    failure = _failure("eval", "a.rules", "Traceback\nerror: BuiltinError: bad thing\n --> a.rules:3:5\n")

    assert (failure.text, failure.headline, failure.line, failure.column) == (
        "Traceback\nerror: bad thing\n --> a.rules:3:5\n",
        "bad thing",
        3,
        5,
    )


def test_a_message_without_position_or_error_line_is_kept_whole() -> None:
    failure = _failure("parse", "a.rules", "something odd")

    assert isinstance(failure, EvalFailure)
    assert (failure.stage, failure.text, failure.headline, failure.line, failure.column) == (
        "parse",
        "something odd\n",
        "something odd",
        None,
        None,
    )


def test_positions_in_other_files_are_ignored() -> None:
    assert _failure("eval", "a.rules", "error: x\n --> b.rules:1:1\n").line is None
