"""Truncating tool output for the model, byte for byte as Codex does (models are trained on this text)."""

from __future__ import annotations

import math

BYTES_PER_TOKEN = 4


def approx_tokens(data: bytes | str) -> int:
    """Codex's token estimate: one token per four bytes, rounded up."""
    size = len(data.encode() if isinstance(data, str) else data)
    return math.ceil(size / BYTES_PER_TOKEN)


def rust_line_count(text: str) -> int:
    """Number of lines as Rust's `str::lines()` counts them (no empty last line for a trailing newline)."""
    if not text:
        return 0
    count = text.count("\n")
    return count if text.endswith("\n") else count + 1


def truncate_middle_tokens(text: str, max_tokens: int) -> tuple[str, bool]:
    """Keep the head and tail of `text` within `max_tokens`, marking the cut with `…N tokens truncated…`."""
    data = text.encode()
    budget = max(0, max_tokens) * BYTES_PER_TOKEN
    if len(data) <= budget:
        return text, False
    removed = math.ceil((len(data) - budget) / BYTES_PER_TOKEN)
    marker = f"\u2026{removed} tokens truncated\u2026"
    if budget == 0:
        return marker, True
    head_budget = budget // 2
    tail_budget = budget - head_budget
    head = data[:head_budget].decode("utf-8", errors="ignore")
    start = len(data) - tail_budget
    while start < len(data) and (data[start] & 0xC0) == 0x80:
        start += 1
    tail = data[start:].decode("utf-8", errors="replace")
    return head + marker + tail, True


def format_exec_output(text: str, max_tokens: int) -> str:
    """The `Output:` section of an exec_command result: as is, or truncated with Codex's warning header."""
    truncated, did = truncate_middle_tokens(text, max_tokens)
    if not did:
        return text
    return (
        f"Warning: truncated output (original token count: {approx_tokens(text)})\n"
        f"Total output lines: {rust_line_count(text)}\n\n{truncated}"
    )


def rust_float(value: float) -> str:
    """Rust's `Display` for an f64 rounded to one decimal: `0`, `2`, `1.3` (half away from zero)."""
    rounded = math.floor(abs(value) * 10 + 0.5) / 10
    rounded = math.copysign(rounded, value) if value else 0.0
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"
