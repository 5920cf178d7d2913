"""Helpers shared by the apply_patch tests: build a file tree, snapshot it byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "scenarios"


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Create `files` under `root`; a name ending in '/' is an (empty) directory."""
    for name, data in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file and directory under `root`: files map to their bytes, directories ('name/') to b''."""
    out: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root) + "/"] = b""
        for name in files:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def files_only(tree: dict[str, bytes]) -> dict[str, bytes]:
    """The files of a snapshot, without directory entries."""
    return {name: data for name, data in tree.items() if not name.endswith("/")}


def copy_tree(source: Path, target: Path) -> None:
    """Copy the directory `source` (if it exists) to `target`, which is created."""
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)


def pycodex_command() -> list[str]:
    """The installed `pycodex` console script next to the running interpreter, or `python -m cli`."""
    script = Path(sys.executable).with_name("pycodex")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def run_pycodex(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run `pycodex ARGS` as a separate process in `cwd`."""
    return subprocess.run(
        [*pycodex_command(), *args], cwd=cwd, input=stdin, capture_output=True, timeout=60, check=False
    )
