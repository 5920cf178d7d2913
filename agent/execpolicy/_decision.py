"""The three outcomes a rule can give a command, ordered from most to least permissive."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Decision(enum.StrEnum):
    """What a rule says about a command. Compare with `strictness`: forbidden > prompt > allow."""

    ALLOW = "allow"
    PROMPT = "prompt"
    FORBIDDEN = "forbidden"

    @property
    def strictness(self) -> int:
        """0 for allow, 1 for prompt, 2 for forbidden."""
        return _STRICTNESS[self]

    @property
    def debug_name(self) -> str:
        """The variant name in Codex's debug rendering (`Allow`, `Prompt`, `Forbidden`)."""
        return self.value.capitalize()

    @classmethod
    def parse(cls, raw: str) -> Decision:
        """Parse a rule file's decision string; raises ValueError with Codex's message otherwise."""
        try:
            return cls(raw)
        except ValueError:
            raise ValueError(f"invalid decision: {raw}") from None


_STRICTNESS = {Decision.ALLOW: 0, Decision.PROMPT: 1, Decision.FORBIDDEN: 2}


def strictest(decisions: Iterable[Decision]) -> Decision | None:
    """The strictest of `decisions`, or None when there are none."""
    return max(decisions, key=lambda decision: decision.strictness, default=None)
