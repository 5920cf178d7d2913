"""The diff of a whole turn: every file patches touched, from before the turn to now."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ._line_diff import unified_diff


@dataclass
class TurnDiffTracker:
    """What each file touched by patches in this turn looked like before the turn, to show the turn's diff."""

    baseline: dict[Path, str | None] = field(default_factory=lambda: {})
    known: dict[Path, tuple[str, str]] = field(default_factory=lambda: {})
    """Per file, (content, hunks) when the turn's diff of the file is already known: a patch that changed it from
    its baseline computed its own diff, which is the turn's as long as the file still holds what it wrote."""

    def note_patch(self, path: Path, before: str | None, after: str | None, git_diff: str) -> None:
        """A patch changed `path` from `before` to `after`, with `git_diff` (three lines of context)."""
        start = git_diff.find("\n@@ ")
        if after is None or before is None or before != self.baseline.get(path) or start < 0:
            self.known.pop(path, None)
            return
        self.known[path] = (after, git_diff[start + 1 :])

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
            known = self.known.get(path)
            if known is not None and known[0] == after:
                parts.append(f"--- a/{name}\n+++ b/{name}\n{known[1]}")
                continue
            parts.append(
                unified_diff(
                    (before or "").splitlines(keepends=True),
                    (after or "").splitlines(keepends=True),
                    fromfile=f"a/{name}" if before is not None else "/dev/null",
                    tofile=f"b/{name}" if after is not None else "/dev/null",
                )
            )
        return "".join(parts)
