"""The workspace's files for `@` mentions: listed once (git's view when in a repository, so .gitignore is
respected), then matched fuzzily as the person types."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

MAX_FILES = 100_000
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", "target"})
_BOUNDARY = frozenset("/_-. ")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"})


def list_workspace_files(root: Path) -> list[str]:
    """Paths relative to `root`: tracked and untracked-but-not-ignored files in a git work tree, else a walk
    that skips hidden and dependency directories. Blocking: run it in a thread."""
    listed = _git_files(root)
    if listed is not None:
        return listed
    found: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        rel = os.path.relpath(directory, root)
        for name in sorted(files):
            found.append(name if rel == "." else f"{rel}/{name}")
            if len(found) >= MAX_FILES:
                return found
    return found


def _git_files(root: Path) -> list[str] | None:
    try:
        result = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    paths = [p for p in result.stdout.decode("utf-8", "replace").split("\0") if p]
    return sorted(set(paths))[:MAX_FILES]


def fuzzy_score(query: str, path: str) -> int | None:
    """How well `path` matches `query` as a subsequence (higher is better), or None when it does not.

    Matches in the file name beat matches in directories; consecutive letters and letters at the start of a
    word (after `/ _ - .`) score extra; shorter paths win ties.
    """
    if not query:
        return -len(path)
    q = query.lower()
    p = path.lower()
    name_start = p.rfind("/") + 1
    score = 0
    position = 0
    previous = -2
    for char in q:
        found = p.find(char, position)
        if found < 0:
            return None
        score += 1
        if found == previous + 1:
            score += 5
        if found == 0 or p[found - 1] in _BOUNDARY:
            score += 8
        if found >= name_start:
            score += 3
        previous = found
        position = found + 1
    name = p[name_start:]
    if q in name:
        score += 20 + (15 if name.startswith(q) else 0)
    elif q in p:
        score += 10
    return score * 100 - len(path)


@dataclass(frozen=True)
class Match:
    path: str
    score: int


def search_files(files: list[str], query: str, limit: int = 12) -> list[Match]:
    """The best `limit` matches for `query`, best first."""
    matches: list[Match] = []
    for path in files:
        score = fuzzy_score(query, path)
        if score is not None:
            matches.append(Match(path, score))
    matches.sort(key=lambda m: (-m.score, m.path))
    return matches[:limit]


def is_image(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES
