"""Writes confined to root directories by descriptor walks (issue 14, item 1): links inside the roots still work,
links out of them are refused, and a folder swapped for a link while a patch is applied never carries a write out."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from agent.apply_patch import ApplyPatchError, DeleteError, WriteError, WriteRoots, verify_patch

from .tree import snapshot, write_tree


def _patch(body: str) -> str:
    return f"*** Begin Patch\n{body}\n*** End Patch"


@pytest.fixture
def arena(tmp_path: Path) -> tuple[Path, Path]:
    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    return work, outside


def test_a_link_that_stays_inside_the_roots_is_written_through(arena: tuple[Path, Path]) -> None:
    work, _ = arena
    write_tree(work, {"real/a.txt": b"a\n"})
    (work / "alias").symlink_to("real")
    (work / "file_link").symlink_to("real/a.txt")
    plan = verify_patch(_patch("*** Add File: alias/b.txt\n+b\n*** Update File: file_link\n@@\n-a\n+A"), work)
    with WriteRoots([work]) as roots:
        plan.apply(roots)
    assert (work / "real" / "b.txt").read_text(encoding="utf-8") == "b\n"
    assert (work / "real" / "a.txt").read_text(encoding="utf-8") == "A\n"
    assert (work / "file_link").is_symlink()


def test_a_directory_link_out_of_the_roots_is_refused_and_nothing_is_written(arena: tuple[Path, Path]) -> None:
    work, outside = arena
    write_tree(work, {"a.txt": b"a\n"})
    (work / "out").symlink_to(outside)
    plan = verify_patch(_patch("*** Update File: a.txt\n@@\n-a\n+A\n*** Add File: out/x.txt\n+x"), work)
    with WriteRoots([work]) as roots, pytest.raises(WriteError) as caught:
        plan.apply(roots)
    assert caught.value.message == f"Failed to write file {work}/out/x.txt"
    assert caught.value.diagnostic == (
        f"pycodex: {outside}/x.txt is outside the directories this patch may write: the symbolic link {work}/out "
        "leads there; nothing was written."
    )
    assert list(outside.iterdir()) == []
    assert (work / "a.txt").read_text(encoding="utf-8") == "a\n"


def test_a_file_link_out_of_the_roots_is_not_written_through(arena: tuple[Path, Path]) -> None:
    work, outside = arena
    write_tree(outside, {"victim.txt": b"v\n"})
    (work / "link").symlink_to(outside / "victim.txt")
    plan = verify_patch(_patch("*** Update File: link\n@@\n-v\n+pwned"), work)
    with WriteRoots([work]) as roots, pytest.raises(WriteError):
        plan.apply(roots)
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "v\n"


def test_deleting_through_a_link_out_of_the_roots_is_refused(arena: tuple[Path, Path]) -> None:
    work, outside = arena
    write_tree(outside, {"victim.txt": b"v\n"})
    (work / "out").symlink_to(outside)
    plan = verify_patch(_patch("*** Delete File: out/victim.txt"), work)
    with WriteRoots([work]) as roots, pytest.raises(DeleteError) as caught:
        plan.apply(roots)
    assert "the symbolic link" in str(caught.value.diagnostic)
    assert (outside / "victim.txt").exists()


def test_a_path_under_no_root_is_refused(arena: tuple[Path, Path]) -> None:
    work, outside = arena
    plan = verify_patch(_patch(f"*** Add File: {outside}/x.txt\n+x"), work)
    with WriteRoots([work, work / "missing-root"]) as roots, pytest.raises(WriteError) as caught:
        plan.apply(roots)
    assert roots.roots == () or str(work) in roots.roots
    assert "is outside the directories this patch may write" in str(caught.value.diagnostic)
    assert list(outside.iterdir()) == []


def test_a_link_loop_ends_like_a_kernel_lookup_with_eloop(arena: tuple[Path, Path]) -> None:
    work, _ = arena
    (work / "loop").symlink_to("loop")
    with WriteRoots([work]) as roots, pytest.raises(OSError) as caught:
        roots.locate(f"{work}/loop/x.txt", follow=False)
    assert caught.value.errno == errno.ELOOP


def test_a_folder_flipping_between_directory_and_link_never_lets_a_write_out(arena: tuple[Path, Path]) -> None:
    """A background thread swaps `sub` for a link to the outside folder and back as fast as it can while patches
    are applied; whatever each apply does, nothing ever appears outside."""
    work, outside = arena
    (work / "sub").mkdir()
    stop = threading.Event()

    def swapper() -> None:
        while not stop.is_set():
            try:
                os.rename(work / "sub", work / "sub.real")
                os.symlink(outside, work / "sub")
                os.unlink(work / "sub")
                os.rename(work / "sub.real", work / "sub")
            except OSError:
                continue

    thread = threading.Thread(target=swapper)
    thread.start()
    written = 0
    try:
        for n in range(300):
            try:
                plan = verify_patch(_patch(f"*** Add File: sub/f{n}.txt\n+{n}"), work)
                with WriteRoots([work]) as roots:
                    plan.apply(roots)
                written += 1
            except (ApplyPatchError, OSError):
                continue
    finally:
        stop.set()
        thread.join()
    assert list(outside.iterdir()) == []
    landed = [p for d in ("sub", "sub.real") if (work / d).is_dir() for p in (work / d).iterdir()]
    assert len(landed) == written
    assert snapshot(outside) == {}
