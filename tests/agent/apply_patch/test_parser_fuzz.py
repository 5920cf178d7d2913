"""Fuzzing the patch parser and the verifier (issue 14): any text at all either parses or raises `PatchParseError`,
and verifying it against a real directory either gives a plan or raises an `ApplyPatchError`; never anything else
(no ValueError from a NUL byte, no IndexError from a truncated hunk, no RecursionError)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.apply_patch import ApplyPatchError, PatchParseError, apply_patch, parse_patch, verify_patch

MARKERS = [
    "*** Begin Patch",
    "*** End Patch",
    "*** Add File: ",
    "*** Delete File: ",
    "*** Update File: ",
    "*** Move to: ",
    "*** End of File",
    "@@",
    "@@ ",
    "+",
    "-",
    " ",
    "",
    "<<EOF",
    "EOF",
]
PIECES = st.sampled_from(["a.txt", "dir/b.txt", "../up.txt", "/abs.txt", "x", "\0", "\ud83d", "é", "\t", " ", ".", "/"])


def _line(marker: str, rest: list[str]) -> str:
    return marker + "".join(rest)


def _wrapped(lines: list[str]) -> str:
    return "\n".join(["*** Begin Patch", *lines, "*** End Patch"])


LINES = st.builds(_line, st.sampled_from(MARKERS), st.lists(PIECES, max_size=4))
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(LINES, max_size=14).map("\n".join),
    st.lists(LINES, max_size=12).map(_wrapped),
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(TEXTS)
def test_any_text_parses_or_raises_a_patch_parse_error(text: str) -> None:
    try:
        parse_patch(text)
    except PatchParseError:
        pass


@FUZZ
@given(text=TEXTS)
def test_any_text_verifies_or_raises_an_apply_patch_error(tmp_path: Path, text: str) -> None:
    # Verification only reads, so one directory serves every example.
    (tmp_path / "a.txt").write_text("a\nb\n", encoding="utf-8")
    try:
        verify_patch(text, tmp_path)
    except ApplyPatchError:
        pass


@pytest.mark.parametrize("kind", ["Add", "Update", "Delete"])
def test_a_path_with_a_lone_surrogate_is_an_apply_patch_error_and_the_tree_is_untouched(
    tmp_path: Path, kind: str
) -> None:
    # JSON lets a model send "\ud83d" on its own; no file system can hold such a name (found by the fuzz test).
    body = {"Add": "+x\n", "Update": "@@\n-a\n+b\n", "Delete": ""}[kind]
    text = f"*** Begin Patch\n*** Add File: ok.txt\n+ok\n*** {kind} File: \ud83d\n{body}*** End Patch"
    with pytest.raises(ApplyPatchError):
        apply_patch(text, tmp_path)
    assert list(tmp_path.iterdir()) == []
