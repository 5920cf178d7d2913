"""Shell words and Rust-style string rendering, byte-compatible with what Codex prints.

Codex renders commands with the Rust `shlex` crate (`try_join`), splits string examples with `shlex::split`, and
puts Rust `Debug` renderings of strings into some error messages. Python's `shlex` quotes and splits differently
(always single quotes; no `#` comments), so the few rules are reproduced here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

_WHITESPACE = (" ", "\t", "\n")

# ASCII characters a word may contain unquoted (everything else forces quoting).
_UNQUOTED_OK = frozenset("+-./:@]_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_UNQUOTED, _SINGLE, _DOUBLE = 1, 2, 4


def split_words(text: str) -> list[str] | None:
    """Split `text` into words like POSIX `sh` would without expansions; None on an unterminated quote or escape.

    `#` at the start of a word starts a comment to the end of the line. Inside double quotes a backslash escapes
    only `$`, a backtick, `"`, `\\` and a newline.
    """
    words: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and (text[i] in _WHITESPACE or text[i] == "#"):
            if text[i] == "#":
                while i < n and text[i] != "\n":
                    i += 1
            i += 1
        if i >= n:
            return words
        word: list[str] = []
        while i < n and text[i] not in _WHITESPACE:
            ch = text[i]
            i += 1
            if ch == "'":
                end = text.find("'", i)
                if end < 0:
                    return None
                word.append(text[i:end])
                i = end + 1
            elif ch == '"':
                closed = False
                while i < n:
                    ch = text[i]
                    i += 1
                    if ch == '"':
                        closed = True
                        break
                    if ch == "\\":
                        if i >= n:
                            return None
                        escaped = text[i]
                        i += 1
                        if escaped in '$`"\\':
                            word.append(escaped)
                        elif escaped != "\n":
                            word.append("\\" + escaped)
                    else:
                        word.append(ch)
                if not closed:
                    return None
            elif ch == "\\":
                if i >= n:
                    return None
                if text[i] != "\n":
                    word.append(text[i])
                i += 1
            else:
                word.append(ch)
        words.append("".join(word))


def quote_word(word: str) -> str | None:
    """Quote one word the way Rust's `shlex::try_quote` does; None if it contains a NUL byte."""
    if not word:
        return "''"
    if "\0" in word:
        return None
    out: list[str] = []
    rest = word
    while rest:
        length, strategy = _quoting_strategy(rest)
        chunk, rest = rest[:length], rest[length:]
        if strategy == _UNQUOTED:
            if not out and not rest:
                return word
            out.append(chunk)
        elif strategy == _SINGLE:
            out.append(f"'{chunk}'")
        else:
            escaped = "".join("\\" + c if c in '$`"\\' else c for c in chunk)
            out.append(f'"{escaped}"')
    return "".join(out)


def _quoting_strategy(text: str) -> tuple[int, int]:
    ok = _UNQUOTED | _SINGLE | _DOUBLE
    i = 0
    if text[0] == "^":
        # A leading caret is only safe right after an opening single quote.
        ok, i = _SINGLE, 1
    while i < len(text):
        ch = text[i]
        current = ok
        if ord(ch) >= 0x80:
            current &= ~_UNQUOTED
        else:
            if ch not in _UNQUOTED_OK:
                current &= ~_UNQUOTED
            if ch in "'^\\":
                current &= ~_SINGLE
            if ch in "`$!^":
                current &= ~_DOUBLE
        if current == 0:
            break
        ok = current
        i += 1
    if ok & _UNQUOTED:
        return i, _UNQUOTED
    if ok & _SINGLE:
        return i, _SINGLE
    return i, _DOUBLE


def try_join(words: Iterable[str]) -> str | None:
    """Join words into one shell-safe string (Rust `shlex::try_join`); None if a word contains a NUL byte."""
    quoted: list[str] = []
    for word in words:
        rendered = quote_word(word)
        if rendered is None:
            return None
        quoted.append(rendered)
    return " ".join(quoted)


def render_command(words: Sequence[str]) -> str:
    """A command for a human-readable message: shell-quoted, or space-joined if it cannot be quoted."""
    joined = try_join(words)
    return joined if joined is not None else " ".join(words)


def debug_str(text: str) -> str:
    """Render a string as Rust's `{:?}` does: double quotes, backslash escapes, `\\u{..}` for unprintables."""
    out = ['"']
    for ch in text:
        if ch == "\0":
            out.append("\\0")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch in '\\"':
            out.append("\\" + ch)
        elif ch != " " and (not ch.isprintable() or unicodedata.category(ch) in ("Mn", "Me")):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def debug_str_list(items: Iterable[str]) -> str:
    """Render a list of strings as Rust's `{:?}` does: `["a", "b"]`."""
    return "[" + ", ".join(debug_str(item) for item in items) + "]"
