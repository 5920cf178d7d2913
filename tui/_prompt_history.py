"""What the person typed before: Up/Down walks it, Ctrl+R searches it."""

from __future__ import annotations

from collections.abc import Iterable


class PromptHistory:
    """Submitted prompts, oldest first, with a cursor for walking back and forth.

    Walking starts at the draft being typed (position `len(entries)`); the draft is given back when the walk
    returns past the newest entry.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries: list[str] = [e for e in entries if e.strip()]
        self._position = len(self.entries)
        self._draft = ""

    def add(self, text: str) -> None:
        """Remember a submitted prompt (a repeat of the newest entry is not stored twice)."""
        if text.strip() and (not self.entries or self.entries[-1] != text):
            self.entries.append(text)
        self.reset()

    def reset(self) -> None:
        self._position = len(self.entries)
        self._draft = ""

    @property
    def walking(self) -> bool:
        return self._position < len(self.entries)

    def older(self, current: str) -> str | None:
        """The entry before the current one, or None at the oldest."""
        if self._position == 0:
            return None
        if not self.walking:
            self._draft = current
        self._position -= 1
        return self.entries[self._position]

    def newer(self) -> str | None:
        """The entry after the current one, the draft after the newest, or None when not walking."""
        if not self.walking:
            return None
        self._position += 1
        if self._position == len(self.entries):
            return self._draft
        return self.entries[self._position]

    def search(self, query: str, before: int | None = None) -> int | None:
        """The index of the newest entry containing `query` (case-insensitive), older than `before` if given."""
        if not query:
            return None
        needle = query.lower()
        start = len(self.entries) if before is None else before
        for index in range(start - 1, -1, -1):
            if needle in self.entries[index].lower():
                return index
        return None
