"""`pycodex sandbox linux` follows the configured policy: config.toml layers, profiles and `-c`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import detect

pytestmark = pytest.mark.skipif(not detect().can_confine, reason="this machine cannot confine commands")


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "sandbox", "linux", *args, "--", "touch", "made.txt"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_config_file_sandbox_mode_applies(tmp_path: Path, codex_home: Path) -> None:
    assert _run(tmp_path).returncode != 0
    assert not (tmp_path / "made.txt").exists()
    (codex_home / "config.toml").write_text('sandbox_mode = "workspace-write"\n')
    assert _run(tmp_path).returncode == 0
    assert (tmp_path / "made.txt").exists()


def test_dash_c_beats_the_config_file(tmp_path: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('sandbox_mode = "workspace-write"\n')
    result = _run(tmp_path, "-c", "sandbox_mode=read-only")
    assert result.returncode != 0 and "Read-only file system" in result.stderr


def test_a_broken_config_file_is_a_usage_error(tmp_path: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text("sandbox_mode = \n")
    result = _run(tmp_path)
    assert result.returncode == 2 and "not valid TOML" in result.stderr
