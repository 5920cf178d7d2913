"""Guessing whether a failed command was stopped by the sandbox, as Codex does, so the caller can offer a retry."""

from __future__ import annotations

import signal
import sys

from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite

DENIAL_KEYWORDS = (
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "seccomp",
    "sandbox",
    "landlock",
    "failed to write file",
)
# Exit codes that mean "usage error", "not executable", "not found": the command failed on its own.
_NOT_A_DENIAL = (2, 126, 127)
_SIGSYS_EXIT = 128 + signal.SIGSYS


def is_likely_sandbox_denied(
    policy: ReadOnly | WorkspaceWrite | DangerFullAccess,
    exit_code: int,
    output: str | bytes,
    *,
    platform: str | None = None,
) -> bool:
    """True when a command that exited with `exit_code` and printed `output` was probably denied by the sandbox.

    Never for an unsandboxed command or a success. Any of the denial phrases in the output (case-insensitive) says
    yes; otherwise exit codes 2, 126 and 127 say no, and on Linux a death by SIGSYS (a seccomp kill) says yes.
    """
    if isinstance(policy, DangerFullAccess) or exit_code == 0:
        return False
    text = output.decode("utf-8", errors="replace") if isinstance(output, bytes) else output
    lowered = text.lower()
    if any(keyword in lowered for keyword in DENIAL_KEYWORDS):
        return True
    if exit_code in _NOT_A_DENIAL:
        return False
    return (platform or sys.platform).startswith("linux") and exit_code == _SIGSYS_EXIT
