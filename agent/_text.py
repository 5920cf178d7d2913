"""Writing text that may not be valid Unicode: one policy for every file, pipe and database pycodex writes.

A Python `str` can hold lone UTF-16 surrogates (U+D800–U+DFFF): JSON allows `"\\ud83d"`, so a model, an MCP server
or a hook can send one, and a stream can split a surrogate pair across two deltas. UTF-8 cannot encode them, and
`str.encode()` raises `UnicodeEncodeError`, which used to end a turn (or a whole MCP server) over one character.

The policy, everywhere text is encoded for writing (rollouts, the session index, exec's output, the MCP server's
wire, model requests, files written by apply_patch): a high surrogate followed by a low one becomes the character
the pair stands for, and every other surrogate becomes U+FFFD (the replacement character). Valid text is never
changed, and the output is always valid UTF-8 (never the raw bytes `surrogateescape` would produce, which would make
a JSON line unreadable).
"""

from __future__ import annotations

import codecs
from typing import Any, TypeVar, cast

_T = TypeVar("_T")

ERRORS = "pycodex-replace"
"""The name of the codec error handler implementing the policy: `open(..., errors=ERRORS)`,
`stream.reconfigure(errors=ERRORS)`, `text.encode("utf-8", ERRORS)`."""


def _replace(exc: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    # UTF-16 pairs adjacent surrogates into the character they stand for; the decoder replaces the lone ones.
    fixed = bad.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    try:
        # As bytes: the UTF-8 encoder accepts a non-ASCII replacement only in that form.
        return fixed.encode(exc.encoding), exc.end
    except (UnicodeError, LookupError):  # a stream in a narrower encoding (ASCII, Latin-1): what it cannot carry
        return "?" * len(fixed), exc.end


codecs.register_error(ERRORS, _replace)


def encode_text(text: str) -> bytes:
    """`text` as UTF-8, with surrogates handled by the policy above."""
    return text.encode("utf-8", ERRORS)


def clean_text(text: str) -> str:
    """`text` with surrogates handled by the policy above (the same object when there are none)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return encode_text(text).decode("utf-8")
    return text


def clean_values(value: _T) -> _T:
    """A JSON-like value (dicts, lists, tuples, strings) with every string cleaned by `clean_text`."""
    return cast(_T, _clean(value))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        items = cast(dict[Any, Any], value).items()
        return {_clean(k): _clean(v) for k, v in items}
    if isinstance(value, list | tuple):
        return type(cast(Any, value))(_clean(v) for v in cast(list[Any], value))
    return value
