"""How the server was started (stdlib only: the CLI builds this before anything heavy is imported)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ServerOptions:
    """Options of `pycodex mcp-server`.

    Attributes:
        config_overrides: `-c key=value` strings applied to every thread's config.
        profile: the config profile a `codex` call starts from when it names none.
        strict_config: unknown config keys fail the call instead of warning.
        elicitation: how approvals are asked: `auto` and `mcp` use the standard MCP form; `codex` uses Codex's
            `decision` form (for hosts written against `codex mcp-server`). Answers are read in either shape.
        abandon_after: seconds a parked approval (2026-07-28 era) waits for the host's retry before the turn stops.
        max_idle_threads: idle threads kept open (each may hold MCP servers and background commands); beyond it the
            least recently used are closed, and a codex-reply resumes them from their rollout.
    """

    config_overrides: tuple[str, ...] = ()
    profile: str | None = None
    strict_config: bool = False
    elicitation: Literal["auto", "mcp", "codex"] = "auto"
    abandon_after: float = 600.0
    max_idle_threads: int = 32
