"""The diff of a whole turn: every file patches touched, from before the turn to now."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TurnDiffTracker:
    """What each file touched by patches in this turn looked like before the turn, to show the turn's diff."""

    baseline: dict[Path, str | None] = field(default_factory=lambda: {})

    def remember(self, paths: Iterable[Path]) -> None:
        """Record the current content of each path not seen before in this turn."""
        for path in paths:
            if path not in self.baseline:
                try:
                    self.baseline[path] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    self.baseline[path] = None

    def unified_diff(self, cwd: Path) -> str:
        parts: list[str] = []
        for path in sorted(self.baseline):
            before = self.baseline[path]
            try:
                after: str | None = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                after = None
            if before == after:
                continue
            name = os.path.relpath(path, cwd)
            parts.extend(
                difflib.unified_diff(
                    (before or "").splitlines(keepends=True),
                    (after or "").splitlines(keepends=True),
                    fromfile=f"a/{name}" if before is not None else "/dev/null",
                    tofile=f"b/{name}" if after is not None else "/dev/null",
                )
            )
        return "".join(parts)
