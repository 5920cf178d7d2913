"""Errors of the sandbox package.

    SandboxError
    └── SandboxUnavailableError   the policy asks for confinement this machine cannot enforce
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base class for sandbox errors."""


class SandboxUnavailableError(SandboxError):
    """The requested policy cannot be enforced here; `missing` names what is lacking."""

    def __init__(self, message: str, *, missing: str) -> None:
        super().__init__(message)
        self.missing = missing
