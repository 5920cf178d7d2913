"""Errors of the sandbox package.

SandboxError
├── SandboxUnavailableError   the policy asks for confinement this machine cannot enforce
└── SandboxSetupError         confinement is available but this workspace defeats it (e.g. a symlinked `.git`)
"""

from __future__ import annotations

from pathlib import Path


class SandboxError(Exception):
    """Base class for sandbox errors."""


class SandboxUnavailableError(SandboxError):
    """The requested policy cannot be enforced here; `missing` names what is lacking.

    Retrying cannot help; running with `allow_degraded` (config `sandbox_allow_degraded = true`) or under
    `danger-full-access` are the caller's choices.
    """

    def __init__(self, message: str, *, missing: str) -> None:
        super().__init__(message)
        self.missing = missing


class SandboxSetupError(SandboxError):
    """The sandbox could not be set up for this workspace; `path` is the file that prevented it."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path
