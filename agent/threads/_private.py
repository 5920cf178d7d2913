"""Files under `$CODEX_HOME` are private: directories 0700, files 0600.

The home holds every session's prompts and outputs (rollouts, the SQLite index), approved command rules and MCP
credentials, so nobody else on the machine may read it. `mkdir -p` (`Path.mkdir(parents=True)`) gives the parents it
creates the default 0755; `private_dirs` creates each missing directory 0700 instead.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dirs(path: Path) -> None:
    """Create `path` and its missing parents, each with mode 0700 (existing ones are left as they are).

    Raises `OSError` when one cannot be created.
    """
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:  # pragma: no cover - the root always exists
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:  # made meanwhile by another process (or a file: the next step names it)
            continue


def private_file(path: Path) -> None:
    """Make sure `path` exists and only its owner can read or write it (an older one is tightened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
