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
    """

    config_overrides: tuple[str, ...] = ()
    profile: str | None = None
    strict_config: bool = False
