"""The turn diff's line diff: anchored on unique lines, and always a diff that turns the old text into the new."""

from __future__ import annotations

import difflib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.tools._line_diff import changed_regions, unified_diff

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _apply(old: list[str], diff: str) -> list[str]:
    """Apply a unified diff to `old` (a test's own small applier)."""
    lines = diff.splitlines(keepends=True)[2:]
    out: list[str] = []
    at = 0
    index = 0
    while index < len(lines):
        match = _HUNK.match(lines[index])
        assert match, lines[index]
        start = int(match.group(1)) - (0 if match.group(2) == "0" else 1)
        out.extend(old[at:start])
        at = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            tag, text = lines[index][0], lines[index][1:]
            if tag in " -":
                assert old[at] == text
                at += 1
            if tag in " +":
                out.append(text)
            index += 1
    out.extend(old[at:])
    return out


def test_a_many_hunk_change_of_a_long_file_matches_difflib() -> None:
    old = [f"line {n}\n" for n in range(5000)]
    new = list(old)
    for n in range(100, 5000, 250):
        new[n] = f"changed {n}\n"
    new.insert(2000, "inserted\n")
    ours = unified_diff(old, new, "a/f", "b/f")
    theirs = "".join(difflib.unified_diff(old, new, "a/f", "b/f"))
    assert ours == theirs
    assert len(changed_regions(old, new)) == 21


def test_equal_texts_have_no_diff() -> None:
    assert unified_diff(["a\n"], ["a\n"], "a/f", "b/f") == ""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a\n", "b\n", "c\n", "}\n", "x\n", "y\n", "\n"]), max_size=40),
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 3), st.lists(st.sampled_from(["a\n", "z\n", "}\n"]), max_size=3))
    ),
)
def test_the_diff_always_turns_old_into_new(old: list[str], edits: list[tuple[int, int, list[str]]]) -> None:
    new = list(old)
    for at, remove, insert in edits:
        at = min(at, len(new))
        new[at : at + remove] = insert
    diff = unified_diff(old, new, "a/f", "b/f")
    assert _apply(old, diff) == new if diff else old == new
