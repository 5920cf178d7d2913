"""The native sandbox helper (`_helper.c`, built by `_native`) behaves as the Python helper it replaces: the same
exit codes and messages for the same options, Landlock as strict; and it is used only where it is safe to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sandbox._native
from sandbox._detect import detect
from sandbox._native import PYTHON_HELPER, helper_argv, native_helper

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox helper is Linux-only")

PYTHON = [sys.executable, "-I", "-S", PYTHON_HELPER]


@pytest.fixture
def native() -> list[str]:
    built = native_helper()
    if built is None:
        pytest.skip("no C compiler here to build the native sandbox helper (the Python helper is used)")
    return [built]


def run(helper: list[str], *args: str) -> tuple[int, str, str]:
    done = subprocess.run([*helper, *args], capture_output=True, text=True, timeout=60, check=False)
    return done.returncode, done.stdout, done.stderr


def test_the_native_helper_is_built_writable_only_by_us_and_reused(native: list[str]) -> None:
    info = os.stat(native[0])
    assert info.st_mode & 0o022 == 0 and info.st_uid == os.getuid()
    assert native_helper() == native[0]
    assert helper_argv() == native


@pytest.mark.parametrize(
    "case",
    [
        ("--no-landlock", "--", "sh", "-c", "echo out; echo err >&2; exit 7"),
        ("--no-landlock", "--", "/nonexistent/program"),
        ("--no-landlock", "--guard-present", "/nonexistent/guarded", "--", "true"),
        ("--no-landlock", "--unknown-flag", "--", "echo", "ignored flag"),
        ("--no-landlock", "--new-session", "--", "sh", "-c", "test $(ps -o sid= -p $$) -eq $$ && echo leader"),
    ],
    ids=["exit-code-and-streams", "cannot-run", "guard", "unknown-flag", "new-session"],
)
def test_both_helpers_answer_the_same_options_with_the_same_codes_and_messages(
    native: list[str], case: tuple[str, ...]
) -> None:
    assert run(native, *case) == run(PYTHON, *case)


def test_under_landlock_both_helpers_allow_writes_only_beneath_the_writable_roots(
    native: list[str], tmp_path: Path
) -> None:
    if detect().landlock_abi < 1:
        pytest.skip("kernel has no Landlock")
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    script = f"echo a > {inside}/f && echo wrote-inside; echo b > {outside}/f 2>/dev/null || echo denied-outside"
    for helper in (native, PYTHON):
        code, out, _ = run(helper, "--rw", str(inside), "--", "sh", "-c", script)
        assert (code, out) == (0, "wrote-inside\ndenied-outside\n"), helper
        assert not (outside / "f").exists()


def test_the_ready_byte_is_written_once_confinement_is_in_place(native: list[str]) -> None:
    for helper in (native, PYTHON):
        read, write = os.pipe()
        try:
            done = subprocess.run(
                [*helper, "--no-landlock", "--ready-fd", str(write), "--", "true"],
                pass_fds=(write,),
                timeout=60,
                check=False,
            )
            os.close(write)
            assert done.returncode == 0 and os.read(read, 8) == b"1", helper
        finally:
            os.close(read)


def test_a_native_helper_beneath_a_writable_root_is_not_used(native: list[str]) -> None:
    folder = Path(native[0]).parent
    assert helper_argv([folder.parent]) == PYTHON  # a sandboxed command could replace it there
    assert helper_argv([Path("/nonexistent-root")]) == native


def test_pycodex_sandbox_helper_python_forces_the_python_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYCODEX_SANDBOX_HELPER", "python")
    sandbox._native.native_helper.cache_clear()
    try:
        assert native_helper() is None and helper_argv() == PYTHON
    finally:
        monkeypatch.delenv("PYCODEX_SANDBOX_HELPER")
        sandbox._native.native_helper.cache_clear()


def test_a_helper_file_someone_else_could_write_is_not_trusted(tmp_path: Path) -> None:
    built = tmp_path / "helper"
    built.write_text("#!/bin/sh\n")
    built.chmod(0o700)
    tmp_path.chmod(0o700)
    assert sandbox._native._trusted(built)  # pyright: ignore[reportPrivateUsage]
    built.chmod(0o722)
    assert not sandbox._native._trusted(built)  # pyright: ignore[reportPrivateUsage]
    built.chmod(0o700)
    tmp_path.chmod(0o777)
    assert not sandbox._native._trusted(built)  # pyright: ignore[reportPrivateUsage]


def test_a_source_that_does_not_build_leaves_the_python_helper_and_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sandbox._native._compiler() is None:  # pyright: ignore[reportPrivateUsage]
        pytest.skip("no C compiler here")
    broken = tmp_path / "_helper.c"
    broken.write_text("this is not C\n")
    monkeypatch.setattr(sandbox._native, "SOURCE", broken)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    sandbox._native.native_helper.cache_clear()
    try:
        assert native_helper() is None and helper_argv() == PYTHON
    finally:
        sandbox._native.native_helper.cache_clear()
    leftovers = [
        p.name for p in Path(sandbox._native.__file__).with_name("__pycache__").iterdir() if p.name.endswith(".tmp")
    ]
    assert leftovers == [] and not any((tmp_path / "cache").rglob("*helper*"))
