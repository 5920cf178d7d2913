"""Verify first, apply later: the plan, its diffs, and the all-or-nothing write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agent.apply_patch import (
    DeleteError,
    FileChange,
    StaleFileError,
    WriteError,
    apply_patch,
    parse_patch,
    verify_patch,
)

from .tree import snapshot, write_tree

PATCH = """*** Begin Patch
*** Add File: new/added.txt
+hello
*** Update File: src/app.py
*** Move to: src/main.py
@@ def run():
-    return 1
+    return 2
*** Delete File: old.txt
*** End Patch"""


def _tree(root: Path) -> None:
    write_tree(root, {"src/app.py": b"import os\n\ndef run():\n    return 1\n", "old.txt": b"bye\n"})


def test_verifying_resolves_every_change_and_touches_nothing(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(tmp_path)
    plan = verify_patch(PATCH, tmp_path)
    assert snapshot(tmp_path) == before
    assert [(c.kind, c.path, c.abs_path, c.move_path) for c in plan.changes] == [
        ("add", "new/added.txt", tmp_path / "new/added.txt", None),
        ("update", "src/app.py", tmp_path / "src/app.py", "src/main.py"),
        ("delete", "old.txt", tmp_path / "old.txt", None),
    ]
    update = plan.changes[1]
    assert update.abs_move_path == tmp_path / "src/main.py"
    assert (update.old_content, update.new_content) == (
        "import os\n\ndef run():\n    return 1\n",
        "import os\n\ndef run():\n    return 2\n",
    )
    assert plan.changes[2].old_content == "bye\n"
    assert plan.summary == "Success. Updated the following files:\nA new/added.txt\nM src/main.py\nD old.txt\n"
    assert set(plan.affected_paths) == {
        tmp_path / "new/added.txt",
        tmp_path / "src/app.py",
        tmp_path / "src/main.py",
        tmp_path / "old.txt",
    }


def test_applying_a_plan_writes_every_change(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = verify_patch(PATCH, tmp_path).apply()
    assert result.summary == "Success. Updated the following files:\nA new/added.txt\nM src/main.py\nD old.txt\n"
    assert (result.added, result.modified, result.deleted) == (("new/added.txt",), ("src/main.py",), ("old.txt",))
    assert snapshot(tmp_path) == {
        "new/": b"",
        "src/": b"",
        "new/added.txt": b"hello\n",
        "src/main.py": b"import os\n\ndef run():\n    return 2\n",
    }


def test_a_parsed_patch_and_a_relative_cwd_are_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    plan = verify_patch(parse_patch(PATCH), "repo")
    assert plan.cwd == tmp_path / "repo"
    assert plan.changes[0].abs_path == tmp_path / "repo/new/added.txt"


def test_paths_are_given_as_pathlib_paths(tmp_path: Path) -> None:
    _tree(tmp_path)
    plan = verify_patch(PATCH, tmp_path)
    move = plan.changes[1]
    assert (move.cwd, move.abs_path, move.abs_move_path) == (
        tmp_path,
        tmp_path / "src/app.py",
        tmp_path / "src/main.py",
    )
    assert all(type(path) is type(tmp_path) for path in (plan.cwd, move.cwd, move.abs_path, move.abs_move_path))
    assert plan.changes[0].abs_move_path is None


def test_a_file_changed_after_verification_stops_the_apply_before_any_write(tmp_path: Path) -> None:
    _tree(tmp_path)
    plan = verify_patch(PATCH, tmp_path)
    (tmp_path / "old.txt").write_text("edited meanwhile\n", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(StaleFileError) as caught:
        plan.apply()
    assert caught.value.path == tmp_path / "old.txt"
    assert snapshot(tmp_path) == before


def test_a_file_appearing_where_one_will_be_added_also_counts_as_a_change(tmp_path: Path) -> None:
    _tree(tmp_path)
    plan = verify_patch(PATCH, tmp_path)
    (tmp_path / "new").mkdir()
    (tmp_path / "new/added.txt").write_text("someone else's\n", encoding="utf-8")
    with pytest.raises(StaleFileError):
        plan.apply()
    assert (tmp_path / "new/added.txt").read_text(encoding="utf-8") == "someone else's\n"


@pytest.mark.parametrize(
    "change",
    ["same size, other bytes", "longer", "mode", "now a directory", "now a fifo", "removed", "unreadable"],
)
def test_any_change_to_a_verified_file_stops_the_apply(
    change: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    plan = verify_patch(PATCH, tmp_path)
    old = tmp_path / "old.txt"
    if change == "same size, other bytes":
        old.write_bytes(b"BYE\n")
    elif change == "longer":
        old.write_bytes(b"bye\nbye\n")
    elif change == "mode":
        old.chmod(0o600)
    elif change == "now a directory":
        old.unlink()
        old.mkdir()
    elif change == "now a fifo":
        old.unlink()
        os.mkfifo(old)
    elif change == "removed":
        old.unlink()
    else:
        real_read = os.read

        def refuse(handle: int, size: int) -> bytes:
            if os.readlink(f"/proc/self/fd/{handle}") == str(old):
                raise OSError(5, "Input/output error")
            return real_read(handle, size)

        monkeypatch.setattr(os, "read", refuse)
    with pytest.raises(StaleFileError) as caught:
        plan.apply()
    monkeypatch.undo()
    assert caught.value.path == old
    # Nothing was written: no added file, no move (a snapshot of the whole tree would block reading the FIFO).
    assert snapshot(tmp_path / "src") == {"app.py": b"import os\n\ndef run():\n    return 1\n"}
    assert not (tmp_path / "new").exists()


def test_a_plan_cannot_be_applied_twice(tmp_path: Path) -> None:
    _tree(tmp_path)
    plan = verify_patch(PATCH, tmp_path)
    plan.apply()
    with pytest.raises(StaleFileError):
        plan.apply()


def test_a_failed_write_rolls_back_what_was_already_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n", "b.txt": b"b\n", "c.txt": b"c\n"})
    before = snapshot(tmp_path)
    plan = verify_patch(
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Update File: b.txt\n@@\n-b\n+B\n"
        "*** Delete File: c.txt\n*** Add File: d/new.txt\n+n\n*** End Patch",
        tmp_path,
    )
    real_rename = os.rename
    calls: list[str] = []

    def flaky_rename(source: str, target: str, **dir_fds: int) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_rename(source, target, **dir_fds)

    monkeypatch.setattr(os, "rename", flaky_rename)
    with pytest.raises(WriteError) as caught:
        plan.apply()
    assert caught.value.message == f"Failed to write file {tmp_path}/{calls[1]}"
    assert caught.value.diagnostic == "pycodex: No space left on device (os error 28)."
    assert snapshot(tmp_path) == before


def test_a_failed_delete_rolls_back_the_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n", "gone.txt": b"g\n"})
    before = snapshot(tmp_path)
    plan = verify_patch(
        "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Delete File: gone.txt\n*** End Patch", tmp_path
    )

    def refuse(path: str, **_: int) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.raises(DeleteError) as caught:
        plan.apply()
    monkeypatch.undo()
    assert caught.value.message == f"Failed to delete file {tmp_path}/gone.txt"
    assert snapshot(tmp_path) == before


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n"})
    apply_patch("*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch", tmp_path)
    assert snapshot(tmp_path) == {"a.txt": b"b\n"}


def test_an_updated_file_keeps_its_permissions_and_a_moved_one_takes_them_along(tmp_path: Path) -> None:
    write_tree(tmp_path, {"run.sh": b"echo 1\n", "tool.sh": b"echo 2\n"})
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "tool.sh").chmod(0o700)
    apply_patch(
        "*** Begin Patch\n*** Update File: run.sh\n@@\n-echo 1\n+echo one\n"
        "*** Update File: tool.sh\n*** Move to: bin/tool.sh\n@@\n-echo 2\n+echo two\n*** End Patch",
        tmp_path,
    )
    assert stat.S_IMODE((tmp_path / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "bin/tool.sh").stat().st_mode) == 0o700


def test_a_new_file_gets_the_default_mode_for_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    os.umask(previous)
    apply_patch("*** Begin Patch\n*** Add File: n.txt\n+x\n*** End Patch", tmp_path)
    assert stat.S_IMODE((tmp_path / "n.txt").stat().st_mode) == 0o666 & ~previous


def test_an_update_through_a_symbolic_link_changes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real.txt": b"x\n"})
    (tmp_path / "link.txt").symlink_to("real.txt")
    apply_patch("*** Begin Patch\n*** Update File: link.txt\n@@\n-x\n+y\n*** End Patch", tmp_path)
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_bytes() == b"y\n"


def test_deleting_a_symbolic_link_removes_the_link_only(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real.txt": b"x\n"})
    (tmp_path / "link.txt").symlink_to("real.txt")
    apply_patch("*** Begin Patch\n*** Delete File: link.txt\n*** End Patch", tmp_path)
    assert snapshot(tmp_path) == {"real.txt": b"x\n"}


def test_a_file_that_is_not_utf8_can_still_be_deleted(tmp_path: Path) -> None:
    write_tree(tmp_path, {"blob.bin": b"\xff\xfe\x00"})
    plan = verify_patch("*** Begin Patch\n*** Delete File: blob.bin\n*** End Patch", tmp_path)
    assert plan.changes[0].old_content is None
    assert plan.changes[0].git_diff == (
        "diff --git a/blob.bin b/blob.bin\ndeleted file mode 100644\nBinary files a/blob.bin and /dev/null differ\n"
    )
    plan.apply()
    assert snapshot(tmp_path) == {}


def test_a_move_onto_the_same_file_is_an_update_in_place(tmp_path: Path) -> None:
    # Codex writes the destination and then removes the source, losing the file; we keep it.
    write_tree(tmp_path, {"same.txt": b"1\n"})
    result = apply_patch(
        "*** Begin Patch\n*** Update File: same.txt\n*** Move to: ./same.txt\n@@\n-1\n+2\n*** End Patch", tmp_path
    )
    assert result.summary == "Success. Updated the following files:\nM ./same.txt\n"
    assert snapshot(tmp_path) == {"same.txt": b"2\n"}


def test_a_file_the_process_may_not_write_is_refused_at_verification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n", "ro.txt": b"r\n"})
    real_access = os.access

    # Root may write anything, so the refusal is simulated where the check asks the OS.
    def access(path: str, mode: int) -> bool:
        return not str(path).endswith("ro.txt") and real_access(path, mode)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(WriteError, match=r"^Failed to write file .*/ro\.txt"):
        verify_patch(
            "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Update File: ro.txt\n@@\n-r\n+R\n*** End Patch",
            tmp_path,
        )


def test_the_codex_style_diff_has_one_line_of_context_and_gnu_ranges(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": b"1\n2\n3\n4\n5\n6\n7\n"})
    plan = verify_patch("*** Begin Patch\n*** Update File: f.txt\n@@\n-2\n+two\n@@\n 5\n+5.5\n*** End Patch", tmp_path)
    assert plan.changes[0].unified_diff == "@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n@@ -5,2 +5,3 @@\n 5\n+5.5\n 6\n"


def test_the_diff_marks_a_line_that_gains_its_final_newline(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": b"a\nb"})
    plan = verify_patch("*** Begin Patch\n*** Update File: f.txt\n@@\n-a\n+A\n*** End Patch", tmp_path)
    assert plan.changes[0].unified_diff == "@@ -1,2 +1,2 @@\n-a\n-b\n\\ No newline at end of file\n+A\n+b\n"


def test_the_git_style_diff_names_files_relative_to_the_cwd_with_blob_ids(tmp_path: Path) -> None:
    write_tree(tmp_path, {"out.txt": b"hi\n"})
    plan = verify_patch(
        "*** Begin Patch\n*** Add File: added.txt\n+line one\n+line two\n"
        "*** Update File: out.txt\n@@\n-hi\n+hello\n*** End Patch",
        tmp_path,
    )
    assert plan.git_diff == (
        "diff --git a/added.txt b/added.txt\n"
        "new file mode 100644\n"
        "index 0000000000000000000000000000000000000000..e5c5c5583f49a34e86ce622b59363df99e09d4c6\n"
        "--- /dev/null\n"
        "+++ b/added.txt\n"
        "@@ -0,0 +1,2 @@\n"
        "+line one\n"
        "+line two\n"
        "diff --git a/out.txt b/out.txt\n"
        "index 45b983be36b73c0788dc9cbcb76cbb80fc7bb057..ce013625030ba8dba906f756967f9e9ca394464a\n"
        "--- a/out.txt\n"
        "+++ b/out.txt\n"
        "@@ -1 +1 @@\n"
        "-hi\n"
        "+hello\n"
    )


def test_the_git_style_diff_shows_a_move_and_a_delete(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"x\n", "d.txt": b"gone\n"})
    plan = verify_patch(
        "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n-x\n+y\n"
        "*** Delete File: d.txt\n*** End Patch",
        tmp_path,
    )
    move, delete = plan.changes
    assert move.git_diff.startswith("diff --git a/a.txt b/b.txt\nrename from a.txt\nrename to b.txt\nindex ")
    assert move.git_diff.endswith("--- a/a.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-x\n+y\n")
    assert delete.git_diff.startswith("diff --git a/d.txt b/d.txt\ndeleted file mode 100644\nindex ")
    assert delete.git_diff.endswith("--- a/d.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n")


def test_a_diff_only_covers_the_regions_the_chunks_touched(tmp_path: Path) -> None:
    lines = [f"line {n}\n" for n in range(2000)]
    write_tree(tmp_path, {"big.txt": "".join(lines).encode()})
    plan = verify_patch(
        "*** Begin Patch\n*** Update File: big.txt\n@@\n-line 1000\n+LINE 1000\n*** End Patch", tmp_path
    )
    change: FileChange = plan.changes[0]
    assert change.unified_diff == "@@ -1000,3 +1000,3 @@\n line 999\n-line 1000\n+LINE 1000\n line 1001\n"
