"""Output truncation: the exact text Codex's models were trained on."""

from __future__ import annotations

from agent.tools._truncate import approx_tokens, format_exec_output, rust_float, rust_line_count, truncate_middle_tokens


def test_text_within_budget_is_unchanged() -> None:
    assert truncate_middle_tokens("abcd" * 10, 10) == ("abcd" * 10, False)
    assert format_exec_output("short\n", 10) == "short\n"


def test_middle_is_cut_at_half_the_byte_budget_each_side() -> None:
    text = "a" * 100 + "b" * 100
    out, cut = truncate_middle_tokens(text, 10)
    assert cut
    assert out == "a" * 20 + "\u202640 tokens truncated\u2026" + "b" * 20


def test_cut_never_splits_a_multibyte_character() -> None:
    text = "é" * 50  # two bytes each
    out, _ = truncate_middle_tokens(text, 5)
    head, _, tail = out.partition("\u2026")
    assert set(head) == {"é"} and len(head.encode()) <= 10
    assert tail.endswith("é") and "\ufffd" not in out


def test_zero_budget_leaves_only_the_marker() -> None:
    assert truncate_middle_tokens("abcdefgh", 0) == ("\u20262 tokens truncated\u2026", True)


def test_formatted_output_has_warning_and_line_count() -> None:
    text = "".join(f"{n}\n" for n in range(100))
    out = format_exec_output(text, 4)
    assert out.startswith(
        f"Warning: truncated output (original token count: {approx_tokens(text)})\nTotal output lines: 100\n\n"
    )


def test_rust_line_count_ignores_a_trailing_newline() -> None:
    assert (rust_line_count(""), rust_line_count("a"), rust_line_count("a\n"), rust_line_count("a\nb")) == (0, 1, 1, 2)


def test_rust_float_display_rounds_half_away_from_zero() -> None:
    assert [rust_float(v) for v in (0.0, 0.04, 0.05, 0.25, 1.0, 2.345, 12.0)] == [
        "0",
        "0",
        "0.1",
        "0.3",
        "1",
        "2.3",
        "12",
    ]
