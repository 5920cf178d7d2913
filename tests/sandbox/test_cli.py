"""`pycodex sandbox linux|macos|status`, run as whole processes through the real entry point and the typer-free
`main`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import detect
from sandbox._native import native_helper

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandbox")
FAST = "import sys; from cli._sandbox_cmd import main; sys.exit(main(sys.argv[1:]))"


def pycodex(*args: str, cwd: Path, fast: bool = False) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", FAST, *args] if fast else [sys.executable, "-m", "cli", "sandbox", *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def need_backend() -> None:
    if not detect().can_confine:
        pytest.skip(f"nothing can confine here: {'; '.join(detect().not_enforced)}")


@linux_only
@pytest.mark.parametrize("fast", [False, True], ids=["typer", "main"])
def test_exit_codes_of_the_command_pass_through(tmp_path: Path, fast: bool) -> None:
    need_backend()
    assert pycodex("linux", "--", "sh", "-c", "exit 7", cwd=tmp_path, fast=fast).returncode == 7
    assert pycodex("linux", "--", "sh", "-c", "kill -TERM $$", cwd=tmp_path, fast=fast).returncode == 143
    missing = pycodex("linux", "--", "/nonexistent/cmd", cwd=tmp_path, fast=fast)
    assert (missing.returncode, missing.stderr) == (127, "pycodex sandbox: command not found: /nonexistent/cmd\n")


@linux_only
@pytest.mark.parametrize("fast", [False, True], ids=["typer", "main"])
def test_default_is_read_only_and_full_auto_writes_the_workspace_but_not_git(tmp_path: Path, fast: bool) -> None:
    need_backend()
    (tmp_path / ".git").mkdir()
    denied = pycodex("linux", "--", "sh", "-c", "touch a", cwd=tmp_path, fast=fast)
    assert denied.returncode == 1 and not (tmp_path / "a").exists()
    script = "touch b && echo $CODEX_SANDBOX_NETWORK_DISABLED && touch .git/x"
    allowed = pycodex("linux", "--full-auto", "--", "sh", "-c", script, cwd=tmp_path, fast=fast)
    assert (allowed.returncode, allowed.stdout) == (1, "1\n")
    assert (tmp_path / "b").exists() and not (tmp_path / ".git" / "x").exists()


@linux_only
def test_config_overrides_choose_mode_network_and_extra_roots(tmp_path: Path) -> None:
    need_backend()
    extra = tmp_path / "extra"
    extra.mkdir()
    ws = tmp_path / "ws"
    ws.mkdir()
    args = [
        "linux",
        "-c",
        "sandbox_mode=workspace-write",
        "-c",
        "sandbox_workspace_write.network_access=true",
        "-c",
        f'sandbox_workspace_write.writable_roots=["{extra}"]',
        "--",
        "sh",
        "-c",
        f'touch {extra}/e && echo "[$CODEX_SANDBOX_NETWORK_DISABLED]"',
    ]
    result = pycodex(*args, cwd=ws)
    assert (result.returncode, result.stdout) == (0, "[]\n")
    assert (extra / "e").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("sandbox_mode=yolo", "-c sandbox_mode='yolo': expected one of read-only, workspace-write, danger-full-access"),
        ("sandbox_workspace_write.network_access=yes", "expected true or false"),
        ("sandbox_workspace_write.writable_roots=3", "expected a list of paths"),
        ("novalue", "expected key=value"),
    ],
)
def test_bad_overrides_are_usage_errors(tmp_path: Path, override: str, message: str) -> None:
    result = pycodex("linux", "-c", override, "--", "true", cwd=tmp_path, fast=True)
    if not sys.platform.startswith("linux"):
        pytest.skip("linux subcommand")
    assert result.returncode == 2 and message in result.stderr


@linux_only
def test_status_says_what_is_enforced_as_text_and_json(tmp_path: Path) -> None:
    text = pycodex("status", cwd=tmp_path)
    assert f"backend for confined policies: {detect().backend}" in text.stdout
    data = json.loads(pycodex("status", "--json", cwd=tmp_path, fast=True).stdout)
    assert data["backend"] == detect().backend and data["can_confine"] == detect().can_confine
    if detect().backend in ("bubblewrap", "landlock"):
        native = native_helper()
        line = next(x for x in text.stdout.splitlines() if x.startswith("inner layer (Landlock, guard): "))
        if native is None:
            assert data["helper"] == "Python script (no C compiler built the native one)" and data["helper"] in line
        else:
            # The same program; another process may have found another built copy (beside the package, or in the
            # user's cache) first.
            kind, _, path = str(data["helper"]).partition(" program ")
            assert kind == "native" and Path(path).name == Path(native).name and line.endswith(str(data["helper"]))


def test_macos_profile_can_be_printed_anywhere_and_running_it_elsewhere_is_refused(tmp_path: Path) -> None:
    printed = pycodex("macos", "--full-auto", "--print-profile", cwd=tmp_path, fast=True)
    assert printed.returncode == 0 and "(deny default)" in printed.stdout
    assert f"; -DWRITABLE_ROOT_0={tmp_path.resolve()}" in printed.stdout
    if sys.platform != "darwin":
        refused = pycodex("macos", "--", "true", cwd=tmp_path)
        assert refused.returncode == 1 and "runs on darwin only" in refused.stderr
