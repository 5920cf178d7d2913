"""The one door to starlark-pyo3: evaluate a rules file with our builtins, report failures as text.

starlark-pyo3 wraps starlark-rust, the engine Codex uses, so a rules file means the same thing here. Builtins are
plain Python callables; Starlark values arrive converted to Python (lists and tuples as lists, strings as str).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal

import starlark


class BuiltinError(Exception):
    """Raised by a builtin to reject its arguments; the message is shown to the rule author as is."""


class EvalFailure(Exception):
    """Evaluating a rules file failed.

    Attributes:
        stage: `parse` for syntax errors, `eval` for errors while running the file.
        text: Starlark's rendering (traceback, `error: ...` line, source snippet), ending in a newline.
        line: 1-based line Starlark pointed at, if any.
        column: 1-based column, if any.
    """

    def __init__(self, stage: Literal["parse", "eval"], text: str, line: int | None, column: int | None) -> None:
        super().__init__(text)
        self.stage: Literal["parse", "eval"] = stage
        self.text = text
        self.line = line
        self.column = column

    @property
    def headline(self) -> str:
        """The `error: ...` line without its prefix."""
        lines = self.text.splitlines()
        return next((line.removeprefix("error: ") for line in lines if line.startswith("error: ")), self.text.strip())


def evaluate(identifier: str, source: str, builtins: Mapping[str, Callable[..., None]]) -> None:
    """Run `source` as Starlark (extended dialect with f-strings, standard globals) with `builtins` defined.

    Raises:
        EvalFailure: the file does not parse, or raised while running.
    """
    dialect = starlark.Dialect.extended()
    dialect.enable_f_strings = True
    try:
        ast = starlark.parse(identifier, source, dialect)
    except starlark.StarlarkError as error:
        raise _failure("parse", identifier, str(error)) from None
    module = starlark.Module()
    for name, function in builtins.items():
        module.add_callable(name, function)
    try:
        starlark.eval(module, ast, starlark.Globals.standard())
    except starlark.StarlarkError as error:
        raise _failure("eval", identifier, str(error)) from None


# starlark-pyo3 renders an exception raised by a Python builtin as `error: <ExceptionType>: <message>`; the type
# name is noise to a rule author (and Codex prints `error: <message>`).
_PYTHON_EXCEPTION_PREFIX = re.compile(r"^error: (?:BuiltinError|StarlarkError): ", re.MULTILINE)


def _failure(stage: Literal["parse", "eval"], identifier: str, text: str) -> EvalFailure:
    text = _PYTHON_EXCEPTION_PREFIX.sub("error: ", text)
    if not text.endswith("\n"):
        text += "\n"
    positions = re.findall(rf"--> {re.escape(identifier)}:(\d+):(\d+)", text)
    if positions:
        line, column = positions[-1]
        return EvalFailure(stage, text, int(line), int(column))
    return EvalFailure(stage, text, None, None)
