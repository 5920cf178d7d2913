"""The parser: grammar, leniencies and error texts of Codex's apply_patch parser."""

from __future__ import annotations

import pytest

from agent.apply_patch import AddFile, DeleteFile, Patch, PatchParseError, UpdateChunk, UpdateFile, parse_patch


def _patch(body: str) -> str:
    return f"*** Begin Patch\n{body}\n*** End Patch"


def _error(text: str) -> PatchParseError:
    with pytest.raises(PatchParseError) as caught:
        parse_patch(text)
    return caught.value


def test_all_three_operations_parse_with_their_paths_and_line_numbers() -> None:
    patch = parse_patch(
        _patch("*** Add File: a.txt\n+one\n+two\n*** Delete File: b.txt\n*** Update File: c.txt\n@@\n-x\n+y")
    )
    assert patch.hunks == (
        AddFile("a.txt", "one\ntwo\n", 2),
        DeleteFile("b.txt", 5),
        UpdateFile(
            "c.txt",
            None,
            (UpdateChunk(None, ("x",), ("y",), (None,), False, (8,), 7),),
            6,
        ),
    )


def test_context_lines_record_which_old_line_they_repeat() -> None:
    (hunk,) = parse_patch(_patch("*** Update File: f\n@@ def f():\n a\n-b\n+B\n\n c")).hunks
    assert isinstance(hunk, UpdateFile)
    (chunk,) = hunk.chunks
    assert chunk.change_context == "def f():"
    assert chunk.old_lines == ("a", "b", "", "c")
    assert chunk.new_lines == ("a", "B", "", "c")
    assert chunk.new_sources == (0, None, 2, 3)
    assert chunk.old_line_numbers == (4, 5, 7, 8)


def test_the_accepted_text_drops_a_heredoc_wrapper_and_surrounding_whitespace() -> None:
    inner = _patch("*** Delete File: x")
    assert parse_patch(f"\n  <<'EOF'\n{inner}\nEOF\n\n").text == inner
    assert parse_patch(f'<<"EOF"\n{inner}\nEOF').text == inner
    assert parse_patch(f"<<EOF\n{inner}\nEOF").text == inner


def test_a_heredoc_wrapper_with_mismatched_quotes_is_not_accepted() -> None:
    inner = _patch("*** Delete File: x")
    assert (
        str(_error(f"<<\"EOF'\n{inner}\nEOF")) == "Invalid patch: The first line of the patch must be '*** Begin Patch'"
    )


def test_envelope_errors_use_codex_texts() -> None:
    assert str(_error("")) == "Invalid patch: The last line of the patch must be '*** End Patch'"
    assert str(_error("*** Begin Patch")) == "Invalid patch: The last line of the patch must be '*** End Patch'"
    assert str(_error("hello\n*** End Patch")) == "Invalid patch: The first line of the patch must be '*** Begin Patch'"


def test_crlf_patch_text_parses_like_lf() -> None:
    text = _patch("*** Update File: f\n@@\n-a\n+b")
    assert parse_patch(text.replace("\n", "\r\n")).hunks == parse_patch(text).hunks


def test_lines_split_only_on_line_feeds_like_rust() -> None:
    # Python's splitlines would also split on these; Rust's lines() does not.
    (hunk,) = parse_patch(_patch("*** Add File: f\n+a\x0bb\x1cc\u2028d\x85e")).hunks
    assert isinstance(hunk, AddFile)
    assert hunk.contents == "a\x0bb\x1cc\u2028d\x85e\n"


def test_marker_lines_tolerate_padding_but_paths_keep_inner_spaces() -> None:
    (hunk,) = parse_patch(
        " *** Begin Patch \n  *** Update File:  spaced.txt  \n*** Move to:  dest\n@@\n-a\n+b\n*** End Patch "
    ).hunks
    assert isinstance(hunk, UpdateFile)
    assert (hunk.path, hunk.move_path) == (" spaced.txt", " dest")


def test_an_empty_update_reports_the_header_line() -> None:
    error = _error(_patch("*** Update File: foo.txt"))
    assert (error.line_number, error.reason) == (2, "Update file hunk for path 'foo.txt' is empty")
    assert str(error) == "Invalid patch hunk on line 2: Update file hunk for path 'foo.txt' is empty"
    assert error.codex_display == "invalid hunk at line 2, Update file hunk for path 'foo.txt' is empty"


def test_an_unknown_header_is_rejected_with_the_list_of_valid_headers() -> None:
    error = _error(_patch("*** Add File: ok\n+x\n*** Frobnicate File: f"))
    assert error.line_number == 4
    assert error.reason == (
        "'*** Frobnicate File: f' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', "
        "'*** Delete File: {path}', '*** Update File: {path}'"
    )


def test_stacked_context_headers_are_rejected_at_the_second_one() -> None:
    error = _error(_patch("*** Update File: f\n@@ class A:\n@@ def m():\n-x\n+y"))
    assert error.line_number == 4
    assert error.reason.startswith("Unexpected line found in update hunk: '@@ def m():'.")


def test_a_second_chunk_must_start_with_a_context_marker() -> None:
    error = _error(_patch("*** Update File: f\n-x\n+y\n*** End of File\n-z"))
    assert (error.line_number, error.reason) == (
        6,
        "Expected update hunk to start with a @@ context marker, got: '-z'",
    )


def test_a_header_without_body_lines_is_rejected_at_the_line_after_it() -> None:
    assert _error(_patch("*** Update File: f\n@@\n-x\n@@")).line_number == 6
    assert _error(_patch("*** Update File: f\n@@\n*** End of File")).line_number == 4


def test_a_first_chunk_may_omit_its_header_and_an_indented_marker_is_a_context_line() -> None:
    (hunk,) = parse_patch(_patch("*** Update File: f\n  @@\n-x\n  *** End of File")).hunks
    assert isinstance(hunk, UpdateFile)
    assert hunk.chunks[0].old_lines == (" @@", "x", " *** End of File")
    assert hunk.chunks[0].change_context is None


def test_context_headers_ignore_trailing_whitespace() -> None:
    (hunk,) = parse_patch(_patch("*** Update File: f\n@@ def g(): \t\n-x\n@@ \n-y")).hunks
    assert isinstance(hunk, UpdateFile)
    assert [chunk.change_context for chunk in hunk.chunks] == ["def g():", None]


def test_end_of_file_marks_the_chunk_and_blank_lines_after_it_are_skipped() -> None:
    (hunk, add) = parse_patch(_patch("*** Update File: f\n@@\n-x\n*** End of File\n\n\t\n*** Add File: g\n+1")).hunks
    assert isinstance(hunk, UpdateFile)
    assert hunk.chunks[0].is_end_of_file
    assert add == AddFile("g", "1\n", 8)


def test_a_blank_line_before_the_first_chunk_is_an_empty_context_line() -> None:
    (hunk,) = parse_patch(_patch("*** Update File: f\n\n@@\n-x")).hunks
    assert isinstance(hunk, UpdateFile)
    assert [chunk.old_lines for chunk in hunk.chunks] == [("",), ("x",)]


def test_an_add_file_without_plus_lines_is_an_empty_file() -> None:
    assert parse_patch(_patch("*** Add File: empty")).hunks == (AddFile("empty", "", 2),)


def test_an_early_end_marker_may_only_be_followed_by_blank_lines() -> None:
    assert len(parse_patch(_patch("*** Delete File: a\n*** End Patch\n  ")).hunks) == 1
    error = _error(_patch("*** Delete File: a\n*** End Patch\n*** Delete File: b"))
    assert str(error) == "Invalid patch: The last line of the patch must be '*** End Patch'"


def test_begin_and_end_alone_parse_to_no_hunks() -> None:
    assert parse_patch("*** Begin Patch\n*** End Patch") == Patch((), "*** Begin Patch\n*** End Patch")
