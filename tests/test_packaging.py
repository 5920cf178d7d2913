"""The installed package carries its data files (a non-editable install is what a new user gets)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_the_prompt_styles_and_canned_answers(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("pycodex-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "agent/prompts/base_instructions.md",
        "agent/prompts/review_rubric.md",
        "agent/review/__init__.py",
        "tui/pycodex.tcss",
        "mcp_server/_fast_answers.json",
        "acp_agent/_initialize.json",
    ):
        assert data in names, data
    assert not any(name.startswith("tests/") for name in names)
