"""Resolve the paths written in a patch the way Codex does: join onto the working directory, then normalise
lexically (`.` and empty components dropped, `..` pops a component and stops at the root), without touching the
file system."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def as_path(path: str) -> Path:
    """`Path(path)`, importing pathlib only when a caller asks for a `Path`: the library keeps paths as strings,
    and pathlib costs a `pycodex apply-patch` process several milliseconds of start-up."""
    from pathlib import Path

    return Path(path)


def resolve(path: str, cwd: str) -> str:
    """The absolute, lexically normalised form of `path` (relative paths are taken from `cwd`)."""
    joined = path if path.startswith("/") else f"{cwd}/{path}"
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def parent(path: str) -> str | None:
    """The parent of a normalised absolute path, or None for the root."""
    if path == "/":
        return None
    head = path.rsplit("/", 1)[0]
    return head or "/"


def relative_to(path: str, cwd: str) -> str:
    """`path` relative to `cwd` when it lies inside it, else `path` unchanged."""
    if cwd == "/":
        return path[1:] or "."
    if path.startswith(cwd + "/"):
        return path[len(cwd) + 1 :]
    return path
