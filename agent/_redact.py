"""Secret redaction for everything pycodex writes to disk or sends anywhere but the model.

`redact_secrets(text)` replaces secrets with `[REDACTED_SECRET]`. It covers Codex's four patterns (`sk-…` keys,
`Bearer` tokens, AWS access key ids, `api_key=`/`token:`/`secret=`/`password:` assignments) and goes further:

* the well-known token formats that secret scanners such as detect-secrets look for: OpenAI project, service-account
  and admin keys (`sk-proj-…`, which Codex's pattern misses), Anthropic keys, GitHub, GitLab, Slack (tokens and
  webhooks), Google API keys, Stripe, SendGrid, npm, PyPI, Hugging Face, Twilio, Discord and Telegram bot tokens,
  Mailchimp, JSON Web Tokens, private key blocks and passwords in URLs (`scheme://user:password@host`);
* the value of any assignment whose name has KEY, SECRET, TOKEN, PASSWORD (or PASSWD, PWD, CREDENTIAL) as a word
  (`OPENAI_API_KEY=…`, `export AWS_SECRET_ACCESS_KEY="…"`, `"clientSecret": "…"`, `db_password: …`), in env-file,
  shell, JSON and YAML forms. A word is a part of the name between `_`, `-`, `.` or a camelCase boundary, so
  `keyboard: us` and `tokenizer = cl100k` are left alone.

Speed matters: every tool output goes through here before it is persisted. All the rules form one RE2 expression
(linear time, one pass over the UTF-8 bytes); Python only looks at candidate matches, so text without secrets costs
one scan. `benchmarks/redaction.py` measures it (target: under 5 ms per MB).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, cast

import re2

if TYPE_CHECKING:
    from ._protocol import EventMsg

REDACTED = "[REDACTED_SECRET]"
_REDACTED_B = REDACTED.encode()

_TOKENS = (
    rb"\bsk-(?:(?:proj|svcacct|admin|ant|or)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20,})",
    rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    rb"\bgh[pousr]_[A-Za-z0-9]{30,}",
    rb"\bgithub_pat_[A-Za-z0-9_]{22,}",
    rb"\bglpat-[A-Za-z0-9_-]{20,}",
    rb"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    rb"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+",
    rb"\bAIza[0-9A-Za-z_-]{35}",
    rb"\b[rs]k_(?:live|test)_[0-9A-Za-z]{20,}",
    rb"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",
    rb"\bnpm_[A-Za-z0-9]{36}\b",
    rb"\bpypi-AgE[A-Za-z0-9_-]{50,}",
    rb"\bhf_[A-Za-z0-9]{30,}\b",
    rb"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    rb"\b(?:AC|SK)[0-9a-f]{32}\b",  # Twilio account SID and API key
    rb"\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}",  # Discord bot token
    rb"\b[0-9]{8,10}:A[A-Za-z0-9_-]{34}",  # Telegram bot token
    rb"\b[0-9a-f]{32}-us[0-9]{1,2}\b",  # Mailchimp API key
)
_SECRET_WORDS = rb"key|secret|token|passw|pwd|credential"
_SOURCE = (
    rb"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)"
    rb"|(" + rb"|".join(_TOKENS) + rb")"
    rb"|((?i:\bbearer)[ \t]+)[A-Za-z0-9._~+/-]{16,}=*"
    rb"|(://[^\s:/@\"']+:)[^\s/@\"']{3,}@"
    rb"|([A-Za-z0-9_.-]*(?i:" + _SECRET_WORDS + rb")[A-Za-z0-9_.-]*)"
    rb"(\\?[\"']?[ \t]*[=:][ \t]*)(\\?[\"']?)([^\s\"'\\,;}\]\x28\x29]{4,})"
)
# RE2 finds the matches in one linear pass (without capture groups, which would make it leave its fast DFA; the
# memory budget is raised so that the DFA of the whole alternation fits). Python's `re` then splits each short match
# into its groups: 1 private key header; 2 a token; 3 `Bearer ` then the token; 4 `://user:` then the password and
# `@`; 5 name, 6 separator, 7 opening quote, 8 value of an assignment.
# RE2 reads the bytes as Latin-1, one character per byte, as Python's `re` reads a bytes pattern: both engines then
# agree on every match (in UTF-8 mode `[^\s]{4,}` would count `…` as one character, `re` as three bytes).
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20
_OPTIONS.encoding = re2.Options.Encoding.LATIN1
_FIND = re2.compile(re.sub(rb"\((?!\?)", b"(?:", _SOURCE), _OPTIONS)
_GROUPS = re.compile(_SOURCE)
_SMALL = 12
_PRIVATE_KEY_BODY = re.compile(rb"[A-Za-z0-9+/=\s:,-]*")

_SECRET_NAME_WORDS = frozenset(
    {
        "key",
        "apikey",
        "secret",
        "token",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "credential",
        "credentials",
    }
)
_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd"})
# Values that are not secrets even under a secret-looking name: literals, and references in code
# (`api_key=self.api_key`, `token: config.token`).
_PLAIN_VALUES = frozenset({"true", "false", "null", "none", "undefined", "required", "optional"})
_CODE_REFERENCE = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


# The words of an identifier: runs of capitals (`API` in `APIKey`), capitalised or lower-case words, digits.
_NAME_WORDS = re.compile(rb"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


# A secret word may be followed by one of these and still name the secret itself (`SECRET_KEY_BASE`, `token_b64`).
_SECRET_SUFFIXES = frozenset({"base", "value", "b64", "base64", "hex", "raw", "str", "string", "data", "bytes"})


@lru_cache(maxsize=1024)
def _secret_name(name: bytes) -> tuple[bool, bool]:
    """Whether a name names a secret, and whether it names a password.

    The secret word must end the name (`OPENAI_API_KEY`, `clientSecret`), or come just before a suffix such as
    `base` or `b64`: `token_usage`, `key_file` or `secret_name` name something else.
    """
    words = [w.lower().decode() for w in _NAME_WORDS.findall(name)]
    if not words:
        return False, False
    last = words[-1]
    if last in _SECRET_SUFFIXES and len(words) > 1:
        last = words[-2]
    return last in _SECRET_NAME_WORDS, last in _PASSWORD_WORDS


def _is_secret_assignment(name: bytes, value: bytes, after: bytes) -> bool:
    secret, password = _secret_name(name)
    if not secret or after == b"(" or _CODE_REFERENCE.fullmatch(value):  # `token = get_token()` is code
        return False
    text = value.decode("utf-8", "replace")
    if text.lower() in _PLAIN_VALUES or text.startswith(("$", "<", ".", "[REDACTED", "http://", "https://")):
        return False
    return len(text) >= 8 or password


class _Found(Protocol):
    def span(self) -> tuple[int, int]: ...


_Search = Callable[[bytes, int], _Found | None]


class _Span:
    __slots__ = ("_span",)

    def __init__(self, span: tuple[int, int]) -> None:
        self._span = span

    def span(self) -> tuple[int, int]:
        return self._span


def _re2_search_function() -> _Search:
    """RE2's search; straight to the compiled program when this google-re2 exposes it (its Python wrapper costs
    a few microseconds per call, paid for each candidate)."""
    program: Any = getattr(_FIND, "_regexp", None)
    anchor: Any = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if program is None or anchor is None or not hasattr(program, "Match"):  # pragma: no cover - other versions
        return cast(_Search, _FIND.search)
    match = program.Match

    def search(data: bytes, pos: int) -> _Found | None:
        whole = match(anchor, data, pos, len(data))[0]
        return None if whole[0] < 0 else _Span(whole)

    return search


_RE2_SEARCH = _re2_search_function()


Edit = tuple[int, int, bytes]
"""A secret found: `data[start:end]` is to be replaced by the bytes (the part of the match that is no secret, such
as `Bearer ` or a name and its `=`, then the marker)."""


def secret_edits(data: bytes) -> list[Edit]:
    """The replacements that redact `data`, in order and not overlapping."""
    edits: list[Edit] = []
    # RE2 pays a fixed cost per call (about a microsecond) that Python's engine beats only on a few bytes: on
    # anything longer, its backtracking over names (`[A-Za-z0-9_.-]*key...`) costs far more.
    search: _Search = _RE2_SEARCH if len(data) > _SMALL else _GROUPS.search
    pos = 0
    while (found := search(data, pos)) is not None:
        start, end = found.span()
        match = _GROUPS.fullmatch(data, start, end)
        if match is None:  # pragma: no cover - both engines read the same expression
            pos = end + 1
            continue
        if match.start(1) >= 0:  # a private key: up to its END line, or to the end of the base64 that follows
            marker = b"-----END " + match.group(1)[len(b"-----BEGIN ") :]
            at = data.find(marker, end)
            body = _PRIVATE_KEY_BODY.match(data, end)
            end = at + len(marker) if at >= 0 else (body.end() if body is not None else end)
            edits.append((start, end, _REDACTED_B))
        elif match.start(2) >= 0:
            edits.append((start, end, _REDACTED_B))
        elif match.start(3) >= 0:
            edits.append((start, end, b"Bearer " + _REDACTED_B))
        elif match.start(4) >= 0:
            edits.append((start, end, data[start : match.end(4)] + _REDACTED_B + b"@"))
        elif _is_secret_assignment(match.group(5), match.group(8), data[end : end + 1]):
            edits.append((start, end, data[start : match.start(8)] + _REDACTED_B))
        else:
            # Not a secret's name: what follows the name may still hold a secret of its own.
            pos = match.end(5)
            continue
        pos = end
    return edits


def apply_edits(data: bytes, edits: list[Edit], stop: int | None = None) -> bytes:
    """`data[:stop]` with the edits that end by `stop` applied (none may straddle it)."""
    stop = len(data) if stop is None else stop
    out: list[bytes] = []
    done = 0
    for start, end, replacement in edits:
        if end > stop:
            break
        out += (data[done:start], replacement)
        done = end
    out.append(data[done:stop])
    return b"".join(out)


def _redact_bytes(data: bytes) -> bytes | None:
    """The redacted bytes, or None when there was nothing to redact."""
    edits = secret_edits(data)
    return apply_edits(data, edits) if edits else None


def redact_secrets(text: str) -> str:
    """`text` with every secret it recognises replaced by `[REDACTED_SECRET]`."""
    if not text:
        return text
    data = text.encode("utf-8", "surrogatepass")
    redacted = _redact_bytes(data)
    if redacted is None:
        return text
    return redacted.decode("utf-8", "surrogatepass")


def redact_value(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every string redacted; other values unchanged.

    Strings are redacted one by one, never the serialised JSON, so that a replacement cannot break an escape.
    """
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


# ---- streams ------------------------------------------------------------------------------------------------------

_HOLD_WORDS = 3  # `NAME = value`, `Bearer token`, `"key": "value"`: a secret's context is at most three words back
_HOLD_CAP = 512  # bytes of an unfinished line held back at most (beyond it, only a secret found is still held)
_KEY_CAP = 16_384  # bytes held back after `-----BEGIN ` while its END line has not come
_SPACE = frozenset(b" \t\r\n\f\v")


def _hold_from(data: bytes) -> int:
    """Where the part of `data` starts that a later piece could still turn into (part of) a secret."""
    size = len(data)
    floor = max(data.rfind(b"\n") + 1, size - _HOLD_CAP)
    hold = size
    for _ in range(_HOLD_WORDS):  # back over the last words of the unfinished line, and the spaces before each
        while hold > floor and data[hold - 1] in _SPACE:
            hold -= 1
        while hold > floor and data[hold - 1] not in _SPACE:
            hold -= 1
    begin = data.rfind(b"-----BEGIN ")
    if 0 <= begin and size - begin <= _KEY_CAP and data.find(b"-----END ", begin) < 0:
        hold = min(hold, begin)  # a private key block is multi-line: held whole until its END line
    while 0 < hold < size and data[hold] & 0xC0 == 0x80:  # never inside a UTF-8 character
        hold -= 1
    return hold


class SecretStream:
    """Redacts a text that arrives in pieces (a command's output, a model's message), so that a secret split
    across pieces is still found: each `push` returns the redacted part that no later piece can change, and holds
    back the unfinished tail (the last few words of the unfinished line, at most a few hundred bytes; an open
    private key block whole). `flush` returns the rest when the text ends. Joined, the parts equal
    `redact_secrets` of the whole text, with one limit: past `_HOLD_CAP` bytes without a space the tail is cut
    anyway (never inside a secret already found), so an assignment whose value had not arrived yet is not seen as
    one (a token of a known format still is)."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = b""

    def push(self, text: str) -> str:
        piece = text.encode("utf-8", "surrogatepass")
        data = self._pending + piece
        if len(data) <= _HOLD_CAP and not _SPACE.intersection(piece):
            # The piece only lengthens the last word: nothing held back can be given out yet.
            self._pending = data
            return ""
        hold = _hold_from(data)
        edits = secret_edits(data)
        for start, end, _ in edits:  # a secret found across the cut is held back whole
            if start < hold < end or (end == len(data) and start < hold):
                hold = start
        if hold == 0 and len(data) > _KEY_CAP:  # a pathological run of one growing match: give it out redacted
            hold = len(data)
        self._pending = data[hold:]
        return apply_edits(data, edits, hold).decode("utf-8", "surrogatepass")

    def flush(self) -> str:
        data, self._pending = self._pending, b""
        return apply_edits(data, secret_edits(data)).decode("utf-8", "surrogatepass")


class EventRedactor:
    """Redacts a session's events for a front door that sends them anywhere but the model.

    Streamed deltas (`agent_message_delta` per item, `agent_reasoning_delta`, `exec_command_output_delta` per call)
    go through one `SecretStream` each; a stream is flushed, as one more delta, just before the event that ends it
    (`agent_message`, `agent_reasoning`, `exec_command_end`; every stream at the end of a turn or an error). Other
    events are redacted field by field. `feed` returns the events to send: none for a delta wholly held back.
    """

    def __init__(self) -> None:
        self._streams: dict[tuple[str, str], SecretStream] = {}

    def feed(self, msg: EventMsg) -> list[EventMsg]:
        # Imported here: the redactor alone (the index, the Responses API proxy) needs no event models.
        from ._protocol import (
            AgentMessage,
            AgentMessageDelta,
            AgentReasoning,
            AgentReasoningDelta,
            Error,
            ExecCommandEnd,
            ExecCommandOutputDelta,
            TaskComplete,
            TurnAborted,
        )

        match msg:
            case AgentMessageDelta():
                text = self._stream("message", msg.item_id).push(msg.delta)
                return [AgentMessageDelta(item_id=msg.item_id, delta=text)] if text else []
            case AgentReasoningDelta():
                text = self._stream("reasoning", "").push(msg.delta)
                return [AgentReasoningDelta(delta=text)] if text else []
            case ExecCommandOutputDelta():
                text = self._stream("exec", msg.call_id).push(msg.chunk)
                return [ExecCommandOutputDelta(call_id=msg.call_id, chunk=text)] if text else []
            case AgentMessage():
                ends = self._flush("message")
            case AgentReasoning():
                ends = self._flush("reasoning")
            case ExecCommandEnd():
                ends = self._flush("exec", msg.call_id)
            case TaskComplete() | TurnAborted() | Error():
                ends = self._flush(None)
            case _:
                ends = []
        return [*ends, redact_event(msg)]

    def _stream(self, kind: str, key: str) -> SecretStream:
        stream = self._streams.get((kind, key))
        if stream is None:
            stream = self._streams[kind, key] = SecretStream()
        return stream

    def _flush(self, kind: str | None, key: str | None = None) -> list[EventMsg]:
        from ._protocol import AgentMessageDelta, AgentReasoningDelta, ExecCommandOutputDelta

        out: list[EventMsg] = []
        for stream_kind, stream_key in [k for k in self._streams if kind in (None, k[0]) and key in (None, k[1])]:
            text = self._streams.pop((stream_kind, stream_key)).flush()
            if not text:
                continue
            if stream_kind == "message":
                out.append(AgentMessageDelta(item_id=stream_key, delta=text))
            elif stream_kind == "reasoning":
                out.append(AgentReasoningDelta(delta=text))
            else:
                out.append(ExecCommandOutputDelta(call_id=stream_key, chunk=text))
        return out


def redact_event(msg: EventMsg) -> EventMsg:
    """The event with every string in it redacted (the same object when there was nothing to redact)."""
    data = msg.model_dump(mode="json")
    redacted = redact_value(data)
    return msg if redacted == data else type(msg).model_validate(redacted)
