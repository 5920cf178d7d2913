"""Policies on disk: writable roots, protected paths, what may be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import DangerFullAccess, ReadOnly, WorkspaceWrite, is_path_writable, plan_for_policy, writable_roots
from sandbox._plan import plan_for_mode, protected_subpaths


@pytest.fixture(autouse=True)
def no_tmpdir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)


def test_workspace_write_roots_are_cwd_extra_roots_slash_tmp_and_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "t"))
    roots = [r.root for r in writable_roots(WorkspaceWrite(writable_roots=(Path("extra"),)), tmp_path / "ws")]
    assert roots == [tmp_path / "ws", tmp_path / "ws" / "extra", Path("/tmp"), tmp_path / "t"]


def test_excluding_slash_tmp_and_tmpdir_leaves_only_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "t"))
    policy = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    assert [r.root for r in writable_roots(policy, tmp_path)] == [tmp_path]


def test_read_only_has_no_roots_and_danger_full_access_has_slash() -> None:
    assert writable_roots(ReadOnly(), Path("/w")) == []
    assert [r.root for r in writable_roots(DangerFullAccess(), Path("/w"))] == [Path("/")]


def test_codex_is_protected_in_the_cwd_even_when_missing_but_not_elsewhere(tmp_path: Path) -> None:
    assert protected_subpaths(tmp_path, is_cwd=True) == (tmp_path / ".codex",)
    assert protected_subpaths(tmp_path, is_cwd=False) == ()


def test_protected_paths_come_in_codexs_order_with_the_real_git_dir_first(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / ".git").write_text("gitdir: real\n", encoding="utf-8")
    (tmp_path / ".agents").mkdir()
    (tmp_path / ".codex").mkdir()
    assert protected_subpaths(tmp_path, is_cwd=False) == (
        tmp_path / "real",
        tmp_path / ".git",
        tmp_path / ".agents",
        tmp_path / ".codex",
    )


def test_a_gitdir_pointer_to_a_missing_directory_protects_only_the_pointer(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("gitdir: /nonexistent/x\n", encoding="utf-8")
    assert protected_subpaths(tmp_path, is_cwd=False) == (tmp_path / ".git",)


def test_agents_file_is_not_protected_only_a_directory(tmp_path: Path) -> None:
    (tmp_path / ".agents").write_text("x", encoding="utf-8")
    assert protected_subpaths(tmp_path, is_cwd=False) == ()


def test_is_path_writable_honours_roots_and_protected_paths(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    policy = WorkspaceWrite(exclude_slash_tmp=True)
    assert is_path_writable(policy, tmp_path, Path("src/a.py"))
    assert not is_path_writable(policy, tmp_path, Path(".git/config"))
    assert not is_path_writable(policy, tmp_path, Path(".codex"))
    assert not is_path_writable(policy, tmp_path, Path("../elsewhere"))
    assert not is_path_writable(ReadOnly(), tmp_path, Path("a"))
    assert is_path_writable(DangerFullAccess(), tmp_path, Path("/etc/x"))


def test_plans_say_what_to_enforce() -> None:
    assert plan_for_policy(ReadOnly(), Path("/w")).network is False
    assert plan_for_policy(ReadOnly(network_access=True), Path("/w")).network is True
    assert plan_for_policy(DangerFullAccess(), Path("/w")).unconfined
    ww = plan_for_policy(WorkspaceWrite(network_access=True), Path("/w"))
    assert (ww.full_write, ww.network, ww.unconfined) == (False, True, False)


def test_an_unknown_mode_is_refused_with_the_valid_names() -> None:
    with pytest.raises(ValueError, match="read-only, workspace-write or danger-full-access"):
        plan_for_mode("yolo", Path("/w"))


def test_is_path_writable_follows_symlinks_out_of_the_roots(tmp_path: Path) -> None:
    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    (work / "link").symlink_to(outside)
    policy = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    assert is_path_writable(policy, work, Path("inside.txt"))
    assert not is_path_writable(policy, work, Path("link/escaped.txt"))
    assert not is_path_writable(policy, work, Path("../outside/x.txt"))
    assert is_path_writable(DangerFullAccess(), work, Path("link/escaped.txt"))
