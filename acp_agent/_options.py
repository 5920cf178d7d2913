"""How `pycodex acp` was started: the config flags every session of the connection is built from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AcpOptions:
    """Command-line settings of `pycodex acp`.

    Attributes:
        config_overrides: `-c key=value` overrides (TOML values), applied to every session.
        profile: the config profile sessions use.
        strict_config: unknown config keys are errors instead of warnings.
        model: the model sessions start with (`-m`).
        sandbox: the sandbox mode sessions start in (`-s`; the editor's mode switch changes it).
        approval_policy: the approval policy sessions start with (`-a`).
        oss: use the local Ollama provider (`--oss`).
    """

    config_overrides: tuple[str, ...] = ()
    profile: str | None = None
    strict_config: bool = False
    model: str | None = None
    sandbox: str | None = None
    approval_policy: str | None = None
    oss: bool = False
