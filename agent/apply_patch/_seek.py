"""Find where a chunk's old lines sit in a file: Codex's four passes, from strict to lenient."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._rust import normalise, trim, trim_end


def _identity(text: str) -> str:
    return text


# The passes in the order Codex tries them: exact, then ignoring trailing whitespace, then ignoring whitespace at
# both ends, then also folding typographic punctuation to ASCII. Each pass scans every candidate before the next
# pass starts, so an exact match late in the file beats a fuzzy match early in it.
PASSES: tuple[Callable[[str], str], ...] = (_identity, trim_end, trim, normalise)


class LineIndex:
    """The lines of one file plus, computed on first use, their forms for each seek pass."""

    __slots__ = ("_forms", "lines")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._forms: list[list[str] | None] = [lines, None, None, None]

    def form(self, pass_index: int) -> list[str]:
        """The file's lines as seen by seek pass `pass_index` (0..3)."""
        cached = self._forms[pass_index]
        if cached is None:
            transform = PASSES[pass_index]
            cached = [transform(line) for line in self.lines]
            self._forms[pass_index] = cached
        return cached


def seek(index: LineIndex, pattern: Sequence[str], start: int, eof: bool) -> int | None:
    """Return where `pattern` starts in the file at or after line `start` (0-based), or None.

    With `eof`, the only candidate is the position that makes the pattern end the file (if it is not before
    `start`); there is no fallback to an earlier position.
    """
    if not pattern:
        return start
    count = len(pattern)
    last = len(index.lines) - count
    if last < 0:
        return None
    # Anchored at the end of the file, the only candidate is the last `count` lines, and only when the search has
    # not already moved past them.
    first = last if eof else start
    if start > last:
        return None
    for pass_index, transform in enumerate(PASSES):
        found = _scan(index.form(pass_index), [transform(line) for line in pattern], first, last)
        if found is not None:
            return found
    return None


def _scan(lines: list[str], pattern: list[str], first: int, last: int) -> int | None:
    head = pattern[0]
    rest = pattern[1:]
    width = len(pattern)
    position = first
    while position <= last:
        try:
            # list.index does the scanning in C; the rest of the pattern is checked only at its hits.
            position = lines.index(head, position, last + 1)
        except ValueError:
            return None
        if not rest or lines[position + 1 : position + width] == rest:
            return position
        position += 1
    return None
