"""A text file as lines plus their line endings, the way Codex 0.169 edits it.

Codex treats LF, CRLF and a lone CR as line terminators, keeps each untouched line's own terminator, gives every
inserted line the file's preferred terminator (the first one found, LF when there is none) and terminates an
unterminated last line with it too. So a CRLF file stays CRLF and an update always leaves a final newline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def utf8(text: str) -> bytes:
    """`text` as UTF-8 by the engine's policy for text that is not valid Unicode (agent/_text.py; repeated here
    because this library imports nothing of ours): a surrogate pair split in two is joined, any other lone surrogate
    becomes U+FFFD. A model can send a lone surrogate in JSON; it must not make a write fail."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode()


# Compiled on first use (`re` caches it): most files have no CR, and start-up matters to `pycodex apply-patch`.
_TERMINATOR = r"(\r\n|\r|\n)"


class TextFile:
    """Line texts (without terminators) and, in parallel, each line's terminator ('' for an unterminated last line)."""

    __slots__ = ("endings", "preferred", "texts")

    def __init__(self, texts: list[str], endings: list[str], preferred: str) -> None:
        self.texts = texts
        self.endings = endings
        self.preferred = preferred

    @classmethod
    def parse(cls, content: str) -> TextFile:
        """Split `content` into lines and terminators."""
        if "\r" not in content:
            texts = content.split("\n")
            endings = ["\n"] * len(texts)
            if texts[-1] == "":
                texts.pop()
                endings.pop()
            else:
                endings[-1] = ""
            return cls(texts, endings, "\n")
        parts = re.split(_TERMINATOR, content)
        texts = parts[0::2]
        endings = [*parts[1::2], ""]
        if texts[-1] == "":
            texts.pop()
            endings.pop()
        preferred = endings[0] if endings and endings[0] else "\n"
        return cls(texts, endings, preferred)

    def tokens(self) -> list[str]:
        """Each line with its terminator, the unit a line diff compares."""
        return list(map(str.__add__, self.texts, self.endings))

    def render(self) -> str:
        """The file's content."""
        if not self.texts:
            return ""
        if self.endings.count("\n") == len(self.endings):
            return "\n".join(self.texts) + "\n"
        return "".join(map(str.__add__, self.texts, self.endings))


# A replacement line is its text and, for a context line kept from the file, that line's own terminator (None for
# an added line, which gets the file's preferred terminator).
NewLine = tuple[str, str | None]
Replacement = tuple[int, int, Sequence[NewLine]]


def apply_replacements(source: TextFile, replacements: list[Replacement]) -> TextFile:
    """Apply `(start, old_length, new_lines)` replacements sorted by start; every line ends up terminated."""
    preferred = source.preferred
    texts: list[str] = []
    endings: list[str] = []
    position = 0
    for start, length, new_lines in replacements:
        texts.extend(source.texts[position:start])
        endings.extend(source.endings[position:start])
        for text, ending in new_lines:
            texts.append(text)
            endings.append(preferred if ending is None else ending)
        position = start + length
    texts.extend(source.texts[position:])
    endings.extend(source.endings[position:])
    if source.endings and source.endings[-1] == "" and "" in endings:
        # The source's unterminated last line may now sit before inserted lines; it gets a terminator either way.
        endings[endings.index("")] = preferred
    return TextFile(texts, endings, preferred)
