"""Edge cases of the file system, the diff and the diagnostics, each checked against what Codex prints."""
# pyright: reportPrivateUsage=false

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.apply_patch import (
    ContextNotFoundError,
    DeleteError,
    FileReadError,
    LinesNotFoundError,
    PatchParseError,
    WriteError,
    _overlay,
    _writer,
    apply_patch,
    verify_patch,
)
from agent.apply_patch._diff import opcodes, unified_hunks
from agent.apply_patch._paths import parent, relative_to, resolve

from .tree import snapshot, write_tree


def _patch(body: str) -> str:
    return f"*** Begin Patch\n{body}\n*** End Patch"


def _fails(root: Path, body: str, kind: type[Exception] = Exception) -> str:
    with pytest.raises(kind) as caught:
        apply_patch(_patch(body), root)
    return str(caught.value)


def _refusing_access(suffix: str) -> Callable[[str, int], bool]:
    """An `os.access` that says no for paths ending in `suffix` (root may write anything, so refusal is simulated)."""
    real_access = os.access

    def access(path: str, mode: int) -> bool:
        return not str(path).endswith(suffix) and real_access(path, mode)

    return access


def _failing_open(*args: object, **kwargs: object) -> io.StringIO:
    raise OSError


def _status_without_umask(*args: object, **kwargs: object) -> io.StringIO:
    return io.StringIO("Name:\tpython\n")


# -- the file system -------------------------------------------------------------------------------------------------


def test_a_fifo_cannot_be_updated_but_can_be_deleted(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    message = _fails(tmp_path, "*** Update File: pipe\n@@\n-x\n+y", FileReadError)
    assert message == f"Failed to read file to update {tmp_path}/pipe: path `{tmp_path}/pipe` is not a file"
    apply_patch(_patch("*** Delete File: pipe"), tmp_path)
    assert snapshot(tmp_path) == {}


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the wording checked is musl's, as in Codex's Linux build"
)
def test_io_errors_use_the_wording_of_codexs_linux_build(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    loop = _fails(tmp_path, "*** Update File: a\n@@\n-x\n+y", FileReadError)
    assert loop == f"Failed to read file to update {tmp_path}/a: Symbolic link loop (os error 40)"
    long_name = "x" * 300
    too_long = _fails(tmp_path, f"*** Update File: {long_name}\n@@\n-x\n+y", FileReadError)
    assert too_long == f"Failed to read file to update {tmp_path}/{long_name}: Filename too long (os error 36)"
    blocked = _fails(tmp_path, "*** Add File: a\n+x", WriteError)
    assert blocked.startswith(f"Failed to write file {tmp_path}/a\n\npycodex: {tmp_path}/a: Symbolic link loop")


def test_a_truncated_utf8_sequence_is_reported_like_rust(tmp_path: Path) -> None:
    write_tree(tmp_path, {"t.txt": b"ok\xe2\x82"})
    message = _fails(tmp_path, "*** Update File: t.txt\n@@\n-ok\n+fine", FileReadError)
    assert message == f"Failed to read file to update {tmp_path}/t.txt: incomplete utf-8 byte sequence from index 2"


def test_an_unreadable_file_reports_the_os_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"secret.txt": b"x\n"})

    def refuse(path: str, mode: str = "r") -> object:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    # Root reads everything, so the refusal is simulated where the overlay opens the file.
    monkeypatch.setattr(_overlay, "open", refuse, raising=False)
    message = _fails(tmp_path, "*** Update File: secret.txt\n@@\n-x\n+y", FileReadError)
    assert message == f"Failed to read file to update {tmp_path}/secret.txt: Permission denied (os error 13)"


def test_a_file_inside_a_directory_the_patch_creates_cannot_be_read(tmp_path: Path) -> None:
    message = _fails(tmp_path, "*** Add File: d/a.txt\n+a\n*** Update File: d/b.txt\n@@\n-x\n+y", FileReadError)
    assert message.startswith(f"Failed to read file to update {tmp_path}/d/b.txt: No such file or directory")


def test_a_file_below_an_added_file_cannot_be_read_or_written(tmp_path: Path) -> None:
    message = _fails(tmp_path, "*** Add File: f\n+a\n*** Update File: f/g\n@@\n-x\n+y", FileReadError)
    assert message == f"Failed to read file to update {tmp_path}/f/g: Not a directory (os error 20)"
    blocked = _fails(tmp_path, "*** Add File: f\n+a\n*** Add File: f/g\n+b", WriteError)
    assert blocked.startswith(f"Failed to write file {tmp_path}/f/g\n\npycodex: {tmp_path}/f is not a directory")


def test_a_directory_the_patch_creates_cannot_be_overwritten_by_a_file(tmp_path: Path) -> None:
    message = _fails(tmp_path, "*** Add File: d/x\n+1\n*** Add File: d\n+2", WriteError)
    assert message == f"Failed to write file {tmp_path}/d\n\npycodex: {tmp_path}/d is a directory."


def test_a_deleted_file_can_make_room_for_a_directory(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f": b"file\n"})
    result = apply_patch(_patch("*** Delete File: f\n*** Add File: f/x\n+2"), tmp_path)
    assert result.summary == "Success. Updated the following files:\nA f/x\nD f\n"
    assert snapshot(tmp_path) == {"f/": b"", "f/x": b"2\n"}


def test_a_deleted_file_can_be_deleted_only_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f": b"x\n"})
    message = _fails(tmp_path, "*** Delete File: f\n*** Delete File: f", DeleteError)
    assert message.startswith(f"Failed to delete file {tmp_path}/f\n")
    assert snapshot(tmp_path) == {"f": b"x\n"}


def test_missing_paths_get_a_suggestion_or_a_note_about_their_directory(tmp_path: Path) -> None:
    write_tree(tmp_path, {"config.py": b"x\n"})
    similar = _fails(tmp_path, "*** Delete File: confg.py", DeleteError)
    assert similar.endswith(f"Similar names in that directory: {tmp_path}/config.py.")
    nowhere = _fails(tmp_path, "*** Delete File: no/such/file", DeleteError)
    assert nowhere.endswith(f"nor does its directory {tmp_path}/no/such.")


def test_a_directory_that_may_not_be_written_is_refused_at_verification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"locked/f": b"x\n"})
    monkeypatch.setattr(os, "access", _refusing_access("locked"))
    assert _fails(tmp_path, "*** Delete File: locked/f", DeleteError).endswith("Permission denied (os error 13).")
    assert _fails(tmp_path, "*** Add File: locked/g\n+y", WriteError).endswith("Permission denied (os error 13).")


def test_an_add_with_the_content_already_on_disk_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"same.txt": b"x\n"})
    before = (tmp_path / "same.txt").stat().st_ino
    apply_patch(_patch("*** Add File: same.txt\n+x"), tmp_path)
    assert (tmp_path / "same.txt").stat().st_ino == before


def test_a_temporary_name_already_taken_is_skipped(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n"})
    taken = tmp_path / f".a.txt.pycodex-{os.getpid()}-0.tmp"
    taken.write_text("someone else's", encoding="utf-8")
    apply_patch(_patch("*** Update File: a.txt\n@@\n-a\n+b"), tmp_path)
    assert snapshot(tmp_path) == {"a.txt": b"b\n", taken.name: b"someone else's"}


@pytest.mark.parametrize("failing", ["mkdir", "open", "fchmod"])
def test_a_failure_while_staging_removes_what_was_staged(
    failing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"f": b"file\n", "a.txt": b"a\n"})
    before = snapshot(tmp_path)
    plan = verify_patch(
        _patch("*** Delete File: f\n*** Add File: f/new/x\n+1\n*** Update File: a.txt\n@@\n-a\n+A"), tmp_path
    )
    real = getattr(os, failing)

    def broken(*args: object, **kwargs: object) -> object:
        if failing == "open" and "pycodex" not in str(args[0]):
            return real(*args, **kwargs)
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(WriteError) as caught:
        plan.apply()
    monkeypatch.undo()
    assert caught.value.diagnostic == "pycodex: Read-only file system (os error 30)."
    assert snapshot(tmp_path) == before


def test_rolling_back_restores_the_mode_of_a_replaced_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.sh": b"a\n", "gone": b"g\n"})
    (tmp_path / "a.sh").chmod(0o750)
    plan = verify_patch(_patch("*** Update File: a.sh\n@@\n-a\n+A\n*** Delete File: gone"), tmp_path)

    def busy(path: str, **_: object) -> None:
        raise OSError(errno.EBUSY, "busy")

    monkeypatch.setattr(os, "unlink", busy)
    with pytest.raises(DeleteError):
        plan.apply()
    monkeypatch.undo()
    assert (tmp_path / "a.sh").read_bytes() == b"a\n"
    assert (tmp_path / "a.sh").stat().st_mode & 0o777 == 0o750


def test_paths_resolve_lexically_and_display_relative_to_the_cwd() -> None:
    assert resolve("../../x/./y//z/..", "/a/b") == "/x/y"
    assert resolve("/abs/../p", "/ignored") == "/p"
    assert resolve("../../..", "/a") == "/"
    assert relative_to("/a/b/c", "/a") == "b/c"
    assert relative_to("/elsewhere/c", "/a") == "/elsewhere/c"
    assert relative_to("/c", "/") == "c"


def test_parents_are_found_lexically_up_to_the_root() -> None:
    assert [parent("/a/b"), parent("/a"), parent("/")] == ["/a", "/", None]


# -- diffs -----------------------------------------------------------------------------------------------------------


def _replay(old: list[str], new: list[str], regions: list[tuple[int, int, int, int]] | None = None) -> list[str]:
    rebuilt: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes(old, new, regions):
        rebuilt.extend(old[i1:i2] if tag == "equal" else new[j1:j2])
    return rebuilt


def test_opcodes_always_rebuild_the_new_text() -> None:
    cases: list[tuple[list[str], list[str]]] = [
        (["a\n", "b\n", "c\n"], ["a\n", "c\n", "d\n"]),
        ([], ["x\n"]),
        (["x\n"], []),
        (["a\n"] * 5, ["b\n"] * 3),
        ([f"{n}\n" for n in range(600)], [f"{n}\n" for n in range(300, 900)]),
    ]
    for old, new in cases:
        assert _replay(old, new) == new


def test_regions_that_disagree_with_the_text_are_still_diffed_correctly() -> None:
    old = ["a\n", "b\n", "c"]
    new = ["A\n", "b\n", "c\n"]
    assert _replay(old, new, [(0, 1, 0, 1)]) == new
    assert _replay(old, new, [(0, 0, 0, 1)]) == new


def test_a_large_rewrite_is_shown_as_removals_then_additions() -> None:
    old = [f"old {n}\n" for n in range(500)]
    new = [f"new {n}\n" for n in range(500)]
    assert opcodes(old, new) == [("replace", 0, 500, 0, 500)]


def test_lines_ended_by_a_lone_cr_are_shown_one_per_diff_line() -> None:
    old, new = ["a\r", "b\r"], ["a\r", "B\r"]
    assert unified_hunks(old, new, opcodes(old, new), 1) == "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\r\n"


def test_far_apart_changes_become_separate_hunks_and_identical_texts_none() -> None:
    old = [f"{n}\n" for n in range(10)]
    new = [*old[:1], "x\n", *old[2:8], "y\n", *old[9:]]
    assert unified_hunks(old, new, opcodes(old, new), 1) == (
        "@@ -1,3 +1,3 @@\n 0\n-1\n+x\n 2\n@@ -8,3 +8,3 @@\n 7\n-8\n+y\n 9\n"
    )
    assert unified_hunks(old, old, opcodes(old, old), 3) == ""


def test_an_update_that_changes_nothing_has_an_empty_git_diff(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": b"a\n"})
    plan = verify_patch(_patch("*** Update File: f.txt\n@@\n a"), tmp_path)
    assert (plan.changes[0].git_diff, plan.changes[0].unified_diff) == ("", "")
    assert repr(plan.changes[0]) == "FileChange('update', 'f.txt', move_path=None)"
    assert repr(plan).startswith("PatchPlan(cwd=")


# -- diagnostics -----------------------------------------------------------------------------------------------------


def test_a_chunk_for_an_empty_file_says_the_file_is_empty(tmp_path: Path) -> None:
    write_tree(tmp_path, {"e.txt": b""})
    with pytest.raises(LinesNotFoundError) as caught:
        apply_patch(_patch("*** Update File: e.txt\n@@\n-x\n+y"), tmp_path)
    assert caught.value.diagnostic is not None
    assert caught.value.diagnostic.endswith("The file is empty: add its lines with a chunk of '+' lines only.")
    assert (caught.value.failed_line, caught.value.candidate_line) == (4, None)


def test_a_chunk_running_past_the_end_says_so(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": b"a\nb\n"})
    with pytest.raises(LinesNotFoundError) as caught:
        apply_patch(_patch("*** Update File: f.txt\n@@\n a\n b\n-c\n+d"), tmp_path)
    assert caught.value.failed_line == 6
    assert caught.value.candidate_line == 1
    assert "the file has only 2 lines, so the chunk would run past its end." in str(caught.value)


def test_a_miss_before_the_cursor_points_at_the_file_order(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": b"one\ntwo\nthree\nfour\n"})
    with pytest.raises(LinesNotFoundError) as caught:
        apply_patch(_patch("*** Update File: f.txt\n@@\n-four\n+4\n@@\n one\n-tw0\n+2"), tmp_path)
    text = str(caught.value)
    assert "Closest region: file lines 1-2 (1 of 2 lines match); there, file line 2 is\n  |two" in text
    assert "That region is before line 5, where the search for this chunk starts." in text


def test_a_context_line_found_only_earlier_says_where_it_is(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.py": b"def a():\n    pass\ndef b():\n    pass\n"})
    with pytest.raises(ContextNotFoundError) as caught:
        apply_patch(_patch("*** Update File: f.py\n@@ def b():\n-    pass\n+    return\n@@ def a():\n+x"), tmp_path)
    assert caught.value.context == "def a():"
    assert "It is at file line 1, before where the search for this chunk starts." in str(caught.value)


def test_a_context_line_like_nothing_in_the_file_says_so(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.py": b"alpha\n"})
    with pytest.raises(ContextNotFoundError) as caught:
        apply_patch(_patch("*** Update File: f.py\n@@ zzzzzz\n+x"), tmp_path)
    assert str(caught.value).endswith("No line of the file resembles it; an @@ line must repeat a line of the file.")


def test_a_long_region_is_shown_around_the_first_mismatch_and_long_lines_are_clipped(tmp_path: Path) -> None:
    lines = [f"line {n} " + "y" * (250 if n == 15 else 0) for n in range(40)]
    write_tree(tmp_path, {"f.txt": "".join(line + "\n" for line in lines).encode()})
    body = (
        "\n".join(" " + line for line in lines[:14])
        + "\n-line 15 WRONG\n"
        + "\n".join(" " + line for line in lines[16:30])
    )
    with pytest.raises(LinesNotFoundError) as caught:
        apply_patch(_patch(f"*** Update File: f.txt\n@@\n{body}\n+new"), tmp_path)
    text = str(caught.value)
    assert "First line that does not match: patch line 18, which expects\n  |line 15 WRONG\n" in text
    assert "(14 of 29 lines match); there, file line 15 is\n  |line 14 \nFile lines 9-20:\n" in text
    assert "line 15 " + "y" * 192 + "…" in text


def test_the_envelope_error_has_codex_display_form() -> None:
    with pytest.raises(PatchParseError) as caught:
        apply_patch("nope", "/")
    assert caught.value.codex_display == "invalid patch: The first line of the patch must be '*** Begin Patch'"


def test_the_writer_reads_the_umask_from_proc_or_by_setting_it(monkeypatch: pytest.MonkeyPatch) -> None:
    current = os.umask(0o022)
    os.umask(current)
    assert _writer._read_umask() == current
    monkeypatch.setattr(_writer, "open", _failing_open, raising=False)
    assert _writer._read_umask() == current


def test_a_region_needing_too_many_edits_is_shown_as_one_block() -> None:
    old = [f"old {n}\n" for n in range(300)]
    new = [f"new {n}\n" for n in range(300)]
    assert opcodes(old, new) == [("replace", 0, 300, 0, 300)]


def test_a_diff_is_computed_once_and_reused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": b"a\n"})
    change = verify_patch(_patch("*** Update File: f.txt\n@@\n-a\n+b"), tmp_path).changes[0]
    assert change.unified_diff is change.unified_diff
    assert change.git_diff is change.git_diff


def test_a_stray_end_of_file_after_move_to_is_ignored(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"x\n"})
    apply_patch(_patch("*** Update File: a.txt\n*** Move to: b.txt\n*** End of File\n-x\n+y"), tmp_path)
    assert snapshot(tmp_path) == {"b.txt": b"y\n"}


def test_a_file_added_and_deleted_by_the_same_patch_never_appears(tmp_path: Path) -> None:
    result = apply_patch(_patch("*** Add File: brief.txt\n+x\n*** Delete File: brief.txt"), tmp_path)
    assert result.summary == "Success. Updated the following files:\nA brief.txt\nD brief.txt\n"
    assert snapshot(tmp_path) == {}


def test_a_rollback_that_fails_too_still_reports_the_first_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n", "b.txt": b"b\n"})
    plan = verify_patch(
        _patch("*** Add File: new.txt\n+n\n*** Update File: a.txt\n@@\n-a\n+A\n*** Update File: b.txt\n@@\n-b\n+B"),
        tmp_path,
    )
    real_rename = os.rename
    calls: list[str] = []

    def flaky_rename(source: str, target: str, **dir_fds: int) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.EIO, "I/O error")
        real_rename(source, target, **dir_fds)

    def refuse(*args: object, **kwargs: object) -> object:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "rename", flaky_rename)
    # Every undo step fails as well; the error reported is still the one that stopped the apply.
    monkeypatch.setattr(os, "unlink", refuse)
    monkeypatch.setattr(os, "rmdir", refuse)
    with pytest.raises(WriteError) as caught:
        plan.apply()
    assert caught.value.diagnostic == "pycodex: I/O error (os error 5)."


def test_the_umask_is_found_without_a_umask_line_in_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    current = os.umask(0o022)
    os.umask(current)
    monkeypatch.setattr(_writer, "open", _status_without_umask, raising=False)
    assert _writer._read_umask() == current


@pytest.mark.parametrize(
    "script", ["apply_patch << \n*** Begin Patch\n", 'cd "unterminated && apply_patch <<EOF\nx\nEOF']
)
def test_malformed_heredoc_and_cd_forms_are_not_apply_patch(script: str) -> None:
    from agent.apply_patch import extract_shell_invocation

    assert extract_shell_invocation(["bash", "-lc", script]) is None


def test_a_move_whose_source_cannot_be_removed_uses_codexs_wording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"locked/a.txt": b"x\n"})
    monkeypatch.setattr(os, "access", _refusing_access("locked"))
    message = _fails(tmp_path, "*** Update File: locked/a.txt\n*** Move to: b.txt\n@@\n-x\n+y", DeleteError)
    assert message.startswith(f"Failed to remove original {tmp_path}/locked/a.txt\n")
