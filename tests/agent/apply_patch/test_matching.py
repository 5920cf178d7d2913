"""Where chunks land: the four seek passes, end-of-file anchoring, line endings and the final newline."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.apply_patch import LinesNotFoundError, apply_patch
from agent.apply_patch._rust import RUST_WHITESPACE, lines, trim
from agent.apply_patch._seek import LineIndex, seek
from agent.apply_patch._textfile import TextFile


def _update(tmp_path: Path, content: bytes, body: str) -> bytes:
    target = tmp_path / "f.txt"
    target.write_bytes(content)
    apply_patch(f"*** Begin Patch\n*** Update File: f.txt\n{body}\n*** End Patch", tmp_path)
    return target.read_bytes()


def test_an_exact_match_later_in_the_file_beats_a_fuzzy_match_earlier() -> None:
    index = LineIndex(["x  ", "y", "x"])
    assert seek(index, ["x"], 0, False) == 2


def test_each_pass_is_tried_in_turn() -> None:
    assert seek(LineIndex(["a", "b  "]), ["b"], 0, False) == 1
    assert seek(LineIndex(["a", "   b"]), ["b"], 0, False) == 1
    assert seek(LineIndex(["a", "\u201cq\u201d \u2014 it\u2019s\u00a0ok"]), ['"q" - it\'s ok'], 0, False) == 1
    assert seek(LineIndex(["a", "b"]), ["c"], 0, False) is None


def test_the_search_starts_at_the_cursor() -> None:
    assert seek(LineIndex(["a", "b", "a"]), ["a"], 1, False) == 2
    assert seek(LineIndex(["a", "b"]), ["a"], 1, False) is None


def test_an_end_of_file_pattern_only_matches_the_last_lines_and_never_before_the_cursor() -> None:
    index = LineIndex(["a", "b", "a", "b"])
    assert seek(index, ["a"], 0, True) is None
    assert seek(index, ["a", "b"], 0, True) == 2
    assert seek(index, ["a", "b"], 3, True) is None


def test_an_empty_pattern_matches_at_the_cursor_and_a_long_one_nowhere() -> None:
    assert seek(LineIndex(["a"]), [], 1, False) == 1
    assert seek(LineIndex(["a"]), ["a", "a"], 0, False) is None


def test_whitespace_is_rusts_white_space_not_pythons_isspace() -> None:
    assert "\x1c" not in RUST_WHITESPACE and "\x85" in RUST_WHITESPACE and "\u3000" in RUST_WHITESPACE
    assert trim("\x1cx\x1f") == "\x1cx\x1f"
    assert trim("\u2003x\x85") == "x"
    assert seek(LineIndex(["a\x1c"]), ["a"], 0, False) is None


def test_rust_lines_strip_one_carriage_return_and_no_trailing_empty_line() -> None:
    assert lines("a\r\nb\r\r\nc\n") == ["a", "b\r", "c"]
    assert lines("") == []
    assert lines("\n") == [""]


def test_files_split_on_lf_crlf_and_lone_cr_and_keep_each_terminator() -> None:
    parsed = TextFile.parse("a\r\nb\rc\nd")
    assert (parsed.texts, parsed.endings, parsed.preferred) == (["a", "b", "c", "d"], ["\r\n", "\r", "\n", ""], "\r\n")


def test_context_lines_keep_the_files_spelling_while_added_lines_use_the_patchs(tmp_path: Path) -> None:
    result = _update(tmp_path, b"    keep\nold\n", "@@\n keep\n-old\n+  new")
    assert result == b"    keep\n  new\n"


def test_an_added_line_identical_to_a_removed_one_takes_the_patch_spelling(tmp_path: Path) -> None:
    assert _update(tmp_path, b"  foo\n", "@@\n-foo\n+foo") == b"foo\n"


def test_crlf_files_stay_crlf_and_inserted_lines_follow_the_first_terminator(tmp_path: Path) -> None:
    assert _update(tmp_path, b"a\r\nb\nc\r\n", "@@\n a\n+x\n b") == b"a\r\nx\r\nb\nc\r\n"
    assert _update(tmp_path, b"a\nb\r\n", "@@\n-b\n+B") == b"a\nB\n"


def test_an_update_always_leaves_a_final_newline(tmp_path: Path) -> None:
    assert _update(tmp_path, b"one\ntwo", "@@\n-one\n+1") == b"1\ntwo\n"
    assert _update(tmp_path, b"one\ntwo", "@@\n+three") == b"one\ntwo\nthree\n"


def test_a_pure_addition_appends_even_after_trailing_blank_lines(tmp_path: Path) -> None:
    assert _update(tmp_path, b"a\n\n", "@@\n+b") == b"a\n\nb\n"


def test_a_trailing_empty_context_line_is_dropped_when_the_file_has_none(tmp_path: Path) -> None:
    assert _update(tmp_path, b"a\nb\na\nb\n", "@@\n-b\n+X\n") == b"a\nX\na\nb\n"


def test_removing_every_line_leaves_an_empty_file(tmp_path: Path) -> None:
    assert _update(tmp_path, b"a\nb\n", "@@\n-a\n-b") == b""


def test_the_missing_lines_error_quotes_all_old_lines_like_codex(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\n", encoding="utf-8")
    with pytest.raises(LinesNotFoundError) as caught:
        apply_patch("*** Begin Patch\n*** Update File: f.txt\n@@\n x\n-y\n\n*** End Patch", tmp_path)
    assert caught.value.message == f"Failed to find expected lines in {tmp_path}/f.txt:\nx\ny\n"
    assert caught.value.expected == ("x", "y", "")
