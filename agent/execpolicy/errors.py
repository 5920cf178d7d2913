"""Errors of the exec-policy package.

    ExecPolicyError                  base class; nothing else escapes this package
    ├── PolicyReadError              a rules file could not be read (missing, a directory, not UTF-8)
    ├── PolicyParseError             a rules file is not a valid policy: Starlark syntax, a bad rule argument,
    │                                or a `match` / `not_match` example that disagrees with its rule
    └── AmendError                   "approve & remember" could not append its rule to a rules file

`str(error)` is the one-line headline (`failed to parse policy at rules/x.rules`); `reason` is the detail Codex
prints under "Caused by:" and may span several lines (a Starlark traceback with a source snippet).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

ParseErrorCode = Literal["syntax", "invalid-rule", "evaluation", "example-did-match", "example-did-not-match"]
"""Why a rules file was rejected.

`syntax`: Starlark could not parse the file. `invalid-rule`: a builtin (`prefix_rule`, `host_executable`,
`network_rule`) got a bad argument. `evaluation`: any other Starlark runtime error (unknown name, `fail()`, ...).
`example-did-match`: a `not_match` example matched. `example-did-not-match`: a `match` example matched no rule.
"""


class ExecPolicyError(Exception):
    """Base class for exec-policy errors."""


class PolicyReadError(ExecPolicyError):
    """A rules file could not be read.

    Attributes:
        path: the file as it was named (a command-line argument, or a file found in a rules directory).
        reason: the operating system's message, e.g. `No such file or directory (os error 2)`.
        errno: the OS error number, or None when the bytes were read but are not UTF-8.
    """

    def __init__(self, path: str, reason: str, *, errno: int | None = None) -> None:
        super().__init__(f"failed to read policy at {path}")
        self.path = path
        self.reason = reason
        self.errno = errno


class PolicyParseError(ExecPolicyError):
    """A rules file was read but is not a valid policy.

    Attributes:
        path: the file as it was named.
        code: a stable classification, see `ParseErrorCode`.
        reason: the full explanation as Codex words it (for Starlark errors: traceback and source snippet).
        message: the one-line core of `reason`, e.g. `invalid decision: deny`.
        line: 1-based line of the offending call or syntax error, when known.
        column: 1-based column, when known.
        examples: for example errors, the offending examples rendered as shell words.
    """

    def __init__(
        self,
        path: str,
        *,
        code: ParseErrorCode,
        reason: str,
        message: str | None = None,
        line: int | None = None,
        column: int | None = None,
        examples: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"failed to parse policy at {path}")
        self.path = path
        self.code: ParseErrorCode = code
        self.reason = reason
        self.message = message if message is not None else reason
        self.line = line
        self.column = column
        self.examples = examples

    def location(self) -> str:
        """`path:line` (or just `path`) for a one-line warning that points at the problem."""
        return f"{self.path}:{self.line}" if self.line is not None else self.path


class AmendError(ExecPolicyError):
    """Appending an allow rule to a rules file failed.

    Attributes:
        path: the rules file that was being written.
        reason: what went wrong (empty prefix, or the OS error while creating, locking or writing).
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"failed to update rules file {path}: {reason}")
        self.path = path
        self.reason = reason
