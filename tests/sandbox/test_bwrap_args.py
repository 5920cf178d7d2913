"""The bubblewrap command line and the placeholders for missing protected paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import SandboxSetupError
from sandbox._linux_bwrap import PLACEHOLDER_MODE, Placeholders, bwrap_argv
from sandbox._plan import Plan, WritableRoot


def pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_read_only_binds_root_read_only_and_cuts_the_network() -> None:
    argv = bwrap_argv("bwrap", Plan(False, False), ["true"], cwd=Path("/w"), placeholders=Placeholders(), seccomp_fd=5)
    assert argv == [
        "bwrap",
        "--new-session",
        "--die-with-parent",
        *("--ro-bind", "/", "/", "--dev", "/dev"),
        *("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--cap-drop", "ALL"),
        *("--proc", "/proc", "--seccomp", "5", "--chdir", "/w", "--", "true"),
    ]


def test_roots_are_bound_parents_first_each_followed_by_its_protected_paths(tmp_path: Path) -> None:
    inner = tmp_path / "a" / "b"
    (inner / ".git").mkdir(parents=True)
    (tmp_path / ".agents").mkdir()
    plan = Plan(
        False,
        True,
        (WritableRoot(inner, (inner / ".git",)), WritableRoot(tmp_path, (tmp_path / ".agents",))),
    )
    argv = bwrap_argv(
        "bwrap", plan, ["x"], cwd=tmp_path, placeholders=Placeholders(), seccomp_fd=None, new_session=False
    )
    kinds = ("--bind", "--ro-bind", "--ro-bind-try")
    mounts = [a for a in argv if a in kinds]
    binds = [argv[i + 1] for i, a in enumerate(argv) if a in kinds]
    # Protected paths with `-try`: one that vanishes before bubblewrap mounts it must not fail the command.
    assert list(zip(mounts, binds, strict=True)) == [
        ("--ro-bind", "/"),
        ("--bind", str(tmp_path)),
        ("--ro-bind-try", str(tmp_path / ".agents")),
        ("--bind", str(inner)),
        ("--ro-bind-try", str(inner / ".git")),
    ]
    assert "--unshare-net" not in argv and "--new-session" not in argv and "--seccomp" not in argv


def test_missing_roots_are_skipped(tmp_path: Path) -> None:
    plan = Plan(False, False, (WritableRoot(tmp_path / "gone", ()),))
    argv = bwrap_argv("bwrap", plan, ["x"], cwd=tmp_path, placeholders=Placeholders(), seccomp_fd=None)
    assert pairs(argv, "--bind") == []


def test_a_missing_protected_path_gets_a_read_only_placeholder_that_is_removed_after(tmp_path: Path) -> None:
    plan = Plan(False, False, (WritableRoot(tmp_path, (tmp_path / ".codex",)),))
    holders = Placeholders()
    argv = bwrap_argv("bwrap", plan, ["x"], cwd=tmp_path, placeholders=holders, seccomp_fd=None)
    assert pairs(argv, "--ro-bind") == ["/"]
    assert pairs(argv, "--ro-bind-try") == [str(tmp_path / ".codex")]
    assert (tmp_path / ".codex").stat().st_mode & 0o777 == PLACEHOLDER_MODE
    holders.release()
    assert not (tmp_path / ".codex").exists()
    holders.release()  # idempotent


def test_a_placeholder_stays_while_another_sandbox_still_holds_it(tmp_path: Path) -> None:
    first, second = Placeholders(), Placeholders()
    assert first.hold(tmp_path / ".codex") and second.hold(tmp_path / ".codex")
    first.release()
    assert (tmp_path / ".codex").is_dir()
    second.release()
    assert not (tmp_path / ".codex").exists()


def test_a_real_empty_codex_directory_of_the_user_is_never_removed(tmp_path: Path) -> None:
    (tmp_path / ".codex").mkdir(mode=0o755)
    os.chmod(tmp_path / ".codex", 0o755)
    holders = Placeholders()
    assert holders.hold(tmp_path / ".codex")
    holders.release()
    assert (tmp_path / ".codex").is_dir()


def test_a_symlinked_protected_path_is_refused_rather_than_left_replaceable(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".codex").symlink_to(tmp_path / "elsewhere")
    plan = Plan(False, False, (WritableRoot(tmp_path, (tmp_path / ".codex",)),))
    with pytest.raises(SandboxSetupError, match="symbolic link") as info:
        bwrap_argv("bwrap", plan, ["x"], cwd=tmp_path, placeholders=Placeholders(), seccomp_fd=None)
    assert info.value.path == tmp_path / ".codex"


def test_without_a_proc_mount_an_empty_read_only_proc_hides_the_hosts() -> None:
    argv = bwrap_argv(
        "bwrap",
        Plan(False, False),
        ["x"],
        cwd=Path("/"),
        placeholders=Placeholders(),
        seccomp_fd=None,
        mount_proc=False,
    )
    assert "--proc" not in argv
    assert argv[argv.index("--tmpfs") : argv.index("--tmpfs") + 4] == ["--tmpfs", "/proc", "--remount-ro", "/proc"]


def test_the_guard_checks_that_the_workspace_codex_is_read_only_inside(tmp_path: Path) -> None:
    from sandbox._linux_bwrap import guard_args
    from sandbox._plan import plan_for_mode

    plan = plan_for_mode("workspace-write", tmp_path, exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    assert guard_args(plan) == ["--guard-present", str(Path(os.path.realpath(tmp_path)) / ".codex")]
    assert guard_args(Plan(True, False)) == []


@pytest.mark.parametrize("kind", ["python", "native"])
def test_the_helper_refuses_to_start_a_command_when_a_guarded_path_is_unprotected(tmp_path: Path, kind: str) -> None:
    import subprocess
    import sys

    from sandbox._confine import LANDLOCK_HELPER
    from sandbox._landlock import GUARD_MESSAGE
    from sandbox._native import native_helper

    native = native_helper()
    if kind == "native" and native is None:
        pytest.skip("no C compiler here to build the native sandbox helper")
    helper = [native] if kind == "native" and native else [sys.executable, "-I", "-S", LANDLOCK_HELPER]
    (tmp_path / "writable").mkdir()
    for guarded in (tmp_path / "missing", tmp_path / "writable"):
        argv = [*helper, "--no-landlock", "--guard-present", str(guarded)]
        result = subprocess.run([*argv, "--", "true"], capture_output=True, text=True, timeout=60, check=False)
        assert (result.returncode, result.stderr) == (1, f"{GUARD_MESSAGE} {guarded}\n")
