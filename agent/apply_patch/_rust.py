"""Text helpers that reproduce Rust's standard library behaviour byte for byte.

Codex is written in Rust, and the patch format inherits Rust's notions of whitespace, line splitting and error text.
Python's own equivalents differ in small ways (``str.splitlines`` splits on form feeds and U+2028, ``str.isspace``
counts U+001C..U+001F), so everything that decides whether a patch matches goes through this module.
"""

from __future__ import annotations

import errno
import os
import sys

# Rust's `char::is_whitespace` is the Unicode White_Space property. Python's `str.isspace` agrees except that it also
# treats the information separators U+001C..U+001F as spaces, so the set is spelled out.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

# Seek pass four maps typographic punctuation to ASCII so that a patch typed with plain quotes and dashes still
# matches a file that uses curly quotes or em dashes.
_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys(["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"], "-"),
        **dict.fromkeys(["\u2018", "\u2019", "\u201a", "\u201b"], "'"),
        **dict.fromkeys(["\u201c", "\u201d", "\u201e", "\u201f"], '"'),
        **dict.fromkeys(
            [
                "\xa0",
                "\u2002",
                "\u2003",
                "\u2004",
                "\u2005",
                "\u2006",
                "\u2007",
                "\u2008",
                "\u2009",
                "\u200a",
                "\u202f",
                "\u205f",
                "\u3000",
            ],
            " ",
        ),
    }
)


def trim(text: str) -> str:
    """Rust `str::trim`: strip Unicode White_Space from both ends."""
    return text.strip(RUST_WHITESPACE)


def trim_end(text: str) -> str:
    """Rust `str::trim_end`."""
    return text.rstrip(RUST_WHITESPACE)


def normalise(text: str) -> str:
    """Trim, then map typographic dashes, quotes and odd spaces to ASCII (the last seek pass)."""
    return trim(text).translate(_PUNCTUATION)


def lines(text: str) -> list[str]:
    """Rust `str::lines`: split on LF, drop one CR before each LF, no empty element after a final newline."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [part[:-1] if part.endswith("\r") else part for part in parts]


# Codex's Linux build links musl, whose wording differs from glibc's for some errors a file operation can hit.
_MUSL_WORDING = {
    errno.EIO: "I/O error",
    errno.EBUSY: "Resource busy",
    errno.EXDEV: "Cross-device link",
    errno.EMFILE: "No file descriptors available",
    errno.ENAMETOOLONG: "Filename too long",
    errno.ELOOP: "Symbolic link loop",
    errno.EOVERFLOW: "Value too large for data type",
    errno.EDQUOT: "Quota exceeded",
}


def os_error_text(code: int) -> str:
    """Format an OS error number the way Rust's `io::Error` displays it: `<strerror> (os error N)`."""
    wording = _MUSL_WORDING.get(code) if sys.platform.startswith("linux") else None
    return f"{wording or os.strerror(code)} (os error {code})"


def utf8_error_text(error: UnicodeDecodeError) -> str:
    """Format a decoding failure the way Rust's `Utf8Error` displays it."""
    if error.reason == "unexpected end of data":
        return f"incomplete utf-8 byte sequence from index {error.start}"
    return f"invalid utf-8 sequence of {error.end - error.start} bytes from index {error.start}"
