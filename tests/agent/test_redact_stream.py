"""Streams redacted in pieces: a secret split anywhere across the pieces is found, and the joined parts are the
redacted whole; events redacted for a front door, deltas as streams flushed before the event that ends them."""

from __future__ import annotations

import random

import pytest

from agent import EventRedactor, SecretStream, redact_secrets
from agent import protocol as p

R = "[REDACTED_SECRET]"
SK_PROJ = "sk-proj-" + "Ab3_dE-f" * 6
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n" + ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY" * 2 + "\n") * 20
) + "-----END OPENSSH PRIVATE KEY-----\n"

TEXTS = [
    f"line one\nexport OPENAI_API_KEY={SK_PROJ}\nline three\n",
    f"The key is {SK_PROJ} and nothing more.",
    f"The setting reads OPENAI_API_KEY = '{SK_PROJ}' here",
    "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345 sent",
    '{"clientSecret": "s3cr3tvalue99xx", "other": 1}',
    "clone https://deploy:hunter2pass@example.com/repo.git done",
    f"before\n{PRIVATE_KEY}after\n",
    "é" * 300 + f" {SK_PROJ} " + "ü" * 300,
    "x" * 2000 + "/" + SK_PROJ + "/" + "y" * 900,
    "word " * 300 + f"token: {SK_PROJ}",
]


def test_both_engines_agree_on_non_ascii_values() -> None:
    """A short piece goes to Python's engine, a long text to RE2: both read bytes, so `…` is three of them."""
    line = "the form `db_password: …`), in"
    assert redact_secrets(line) == redact_secrets("filler " * 100 + line)[len("filler " * 100) :]
    joined, _ = _streamed("filler " * 100 + line, list(range(7, 730, 7)))
    assert joined == redact_secrets("filler " * 100 + line)


def _streamed(text: str, cuts: list[int]) -> tuple[str, list[str]]:
    stream = SecretStream()
    edges = [0, *cuts, len(text)]
    parts = [stream.push(text[a:b]) for a, b in zip(edges, edges[1:], strict=False)]
    parts.append(stream.flush())
    return "".join(parts), parts


@pytest.mark.parametrize("text", TEXTS)
def test_pieces_cut_anywhere_join_to_the_redacted_whole(text: str) -> None:
    expected = redact_secrets(text)
    assert R in expected
    chance = random.Random(19)
    for size in (1, 2, 5, 7, 64, 511, 513):
        joined, _ = _streamed(text, list(range(size, len(text), size)))
        assert joined == expected, size
    for _ in range(200):
        cuts = sorted(chance.sample(range(1, len(text)), chance.randint(1, min(30, len(text) - 1))))
        joined, _ = _streamed(text, cuts)
        assert joined == expected, cuts


def test_complete_lines_go_out_at_once_and_the_unfinished_tail_waits() -> None:
    stream = SecretStream()
    # The last three words of the unfinished line wait (`NAME = value` is three words).
    assert stream.push("first line\nsecond line\nthe key is sk-proj-Ab3") == "first line\nsecond line\nthe "
    assert stream.push("_dE-fAb3_dE-fAb3_dE-f") == ""
    assert stream.push(" in the middle of a sentence that goes on") == f"key is {R} in the middle of a sentence "
    assert stream.flush() == "that goes on"
    assert stream.flush() == ""


def test_a_long_line_is_not_held_back_whole() -> None:
    stream = SecretStream()
    out = stream.push("a" * 5000)
    assert len(out) >= 5000 - 512
    assert out + stream.flush() == "a" * 5000


def test_an_open_private_key_block_is_held_until_its_end_line() -> None:
    stream = SecretStream()
    head, rest = PRIVATE_KEY[:200], PRIVATE_KEY[200:]
    assert stream.push("ok\n" + head) == "ok\n"
    assert stream.push(rest) == f"{R}\n"


def test_events_stream_per_item_and_flush_before_the_end() -> None:
    redactor = EventRedactor()
    out: list[p.EventMsg] = []
    for piece in ("the key ", SK_PROJ[:12], SK_PROJ[12:], " ok"):
        out += redactor.feed(p.AgentMessageDelta(item_id="m1", delta=piece))
        out += redactor.feed(p.ExecCommandOutputDelta(call_id="c1", chunk=piece))
    out += redactor.feed(p.AgentMessage(message=f"the key {SK_PROJ} ok"))
    out += redactor.feed(
        p.ExecCommandEnd(
            call_id="c1",
            command=("sh",),
            cwd="/",
            exit_code=0,
            aggregated_output=f"the key {SK_PROJ} ok",
            duration_ms=1,
        )
    )
    message = "".join(m.delta for m in out if isinstance(m, p.AgentMessageDelta))
    output = "".join(m.chunk for m in out if isinstance(m, p.ExecCommandOutputDelta))
    assert message == output == f"the key {R} ok"
    ends = [m for m in out if isinstance(m, p.AgentMessage | p.ExecCommandEnd)]
    assert [type(m) for m in out[-2:]] == [p.ExecCommandOutputDelta, p.ExecCommandEnd]  # flushed, then the end
    assert ends[0].message == f"the key {R} ok"  # type: ignore[union-attr]
    assert ends[1].aggregated_output == f"the key {R} ok"  # type: ignore[union-attr]


def test_the_end_of_a_turn_flushes_every_stream() -> None:
    redactor = EventRedactor()
    assert redactor.feed(p.AgentReasoningDelta(delta="thinking about token")) == []
    assert redactor.feed(p.ExecCommandOutputDelta(call_id="c9", chunk="partial")) == []
    out = redactor.feed(p.TurnAborted(turn_id="t1"))
    assert out == [
        p.AgentReasoningDelta(delta="thinking about token"),
        p.ExecCommandOutputDelta(call_id="c9", chunk="partial"),
        p.TurnAborted(turn_id="t1"),
    ]


def test_an_event_without_secrets_is_passed_on_as_it_is() -> None:
    event = p.Warning(message="nothing to hide")
    assert EventRedactor().feed(event)[0] is event
    assert EventRedactor().feed(p.Warning(message=f"key {SK_PROJ}")) == [p.Warning(message=f"key {R}")]
