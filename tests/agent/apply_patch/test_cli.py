"""`pycodex apply-patch`: arguments, stdin, output and exit codes like Codex's apply_patch."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import pytest

from cli._apply_patch_cmd import USAGE, run

from .tree import run_pycodex, snapshot, write_tree

ADD = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch"


def test_a_patch_argument_is_applied_and_summarised(tmp_path: Path) -> None:
    done = run_pycodex(["apply-patch", ADD], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        b"Success. Updated the following files:\nA hello.txt\n",
        b"",
    )
    assert snapshot(tmp_path) == {"hello.txt": b"hi\n"}


def test_a_dash_or_no_argument_reads_the_patch_from_stdin(tmp_path: Path) -> None:
    assert run_pycodex(["apply-patch", "-"], tmp_path, stdin=ADD.encode()).returncode == 0
    again = ADD.replace("hello.txt", "two.txt")
    assert run_pycodex(["apply-patch"], tmp_path, stdin=again.encode()).stdout.endswith(b"A two.txt\n")
    assert snapshot(tmp_path) == {"hello.txt": b"hi\n", "two.txt": b"hi\n"}


def test_empty_stdin_is_a_usage_error(tmp_path: Path) -> None:
    done = run_pycodex(["apply-patch"], tmp_path, stdin=b"")
    assert (done.returncode, done.stdout, done.stderr) == (2, b"", f"{USAGE}\n".encode())
    assert USAGE == "Usage: apply_patch 'PATCH'\n       echo 'PATCH' | apply_patch"


def test_two_arguments_are_a_usage_error(tmp_path: Path) -> None:
    done = run_pycodex(["apply-patch", ADD, ADD], tmp_path)
    assert (done.returncode, done.stderr) == (2, b"Error: apply_patch accepts exactly one argument.\n")
    assert snapshot(tmp_path) == {}


def test_a_failing_patch_exits_1_with_the_message_on_stderr_and_changes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n"})
    patch = "*** Begin Patch\n*** Add File: b.txt\n+b\n*** Delete File: missing.txt\n*** End Patch"
    done = run_pycodex(["apply-patch", patch], tmp_path)
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode().startswith(f"Failed to delete file {tmp_path}/missing.txt\n")
    assert snapshot(tmp_path) == {"a.txt": b"a\n"}


def test_a_parse_error_is_printed_with_codex_prefix(tmp_path: Path) -> None:
    done = run_pycodex(["apply-patch", "nonsense"], tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        b"Invalid patch: The first line of the patch must be '*** Begin Patch'\n",
    )


def test_stdin_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    done = run_pycodex(["apply-patch"], tmp_path, stdin=b"\xff\xfe")
    assert (done.returncode, done.stderr) == (
        1,
        b"Error: Failed to read PATCH from stdin.\nstream did not contain valid UTF-8\n",
    )


def test_an_argument_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    from .tree import pycodex_command

    command = [part.encode() for part in pycodex_command()]
    done = subprocess.run([*command, b"apply-patch", b"\xff"], cwd=tmp_path, capture_output=True, check=False)
    assert (done.returncode, done.stderr) == (1, b"Error: apply_patch requires a UTF-8 PATCH argument.\n")


def test_no_argument_with_a_terminal_on_stdin_does_not_wait_for_input(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    assert run([], stdin=Terminal(b"never read"), cwd=str(tmp_path)) == 2
    assert capfd.readouterr().err == f"{USAGE}\n"


def test_help_describes_the_command(tmp_path: Path) -> None:
    done = run_pycodex(["apply-patch", "--help"], tmp_path)
    assert done.returncode == 0
    assert b"all of it or nothing" in done.stdout


def test_the_command_module_imports_nothing_heavy() -> None:
    path = Path(__file__).parents[3] / "cli" / "_apply_patch_cmd.py"
    probe = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('probe', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted(name for name in ('typer', 'agent', 'pydantic', 'httpx2') if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
    assert importlib.util.find_spec("cli._apply_patch_cmd") is not None
