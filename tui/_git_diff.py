"""`/diff`: the working tree's changes against HEAD, and the untracked files, as `git` reports them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkingTreeDiff:
    diff: str
    untracked: list[str]


class NotARepository(Exception):
    pass


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=30,
        check=False,
    )


def working_tree_diff(cwd: Path) -> WorkingTreeDiff:
    """Staged and unstaged changes (against HEAD when there is one) and untracked files. Blocking.

    Raises:
        NotARepository: `cwd` is not inside a git work tree (or git is missing).
    """
    try:
        inside = _git(cwd, "rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NotARepository(f"git could not be run: {exc}") from exc
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise NotARepository(f"{cwd} is not inside a git repository")
    has_head = _git(cwd, "rev-parse", "--verify", "-q", "HEAD").returncode == 0
    if has_head:
        diff = _git(cwd, "diff", "--no-color", "--no-ext-diff", "HEAD").stdout
    else:
        diff = _git(cwd, "diff", "--no-color", "--no-ext-diff", "--cached").stdout
        diff += _git(cwd, "diff", "--no-color", "--no-ext-diff").stdout
    untracked = [p for p in _git(cwd, "ls-files", "--others", "--exclude-standard").stdout.splitlines() if p]
    for path in untracked[:50]:
        # `--no-index` exits 1 when the files differ, which they always do here.
        diff += _git(cwd, "diff", "--no-color", "--no-index", "--", "/dev/null", path).stdout
    return WorkingTreeDiff(diff, untracked[50:])
