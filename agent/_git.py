"""The repository's branch and commit, read from `.git` directly (no subprocess on the session's start path)."""

from __future__ import annotations

from pathlib import Path


def _git_dir(cwd: Path) -> Path | None:
    for directory in (cwd, *cwd.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (directory / target)
            return None
    return None


def _resolve_ref(git_dir: Path, ref: str) -> str | None:
    loose = git_dir / ref
    try:
        return loose.read_text(encoding="utf-8").strip() or None
    except OSError:
        pass
    try:
        packed = (git_dir / "packed-refs").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in packed.splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2 and parts[1] == ref:
            return parts[0]
    return None


def git_info(cwd: Path) -> dict[str, str | None] | None:
    """`{"branch", "commit"}` of the repository containing `cwd`, or None outside one (values may be None)."""
    git_dir = _git_dir(cwd)
    if git_dir is None:
        return None
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return {"branch": None, "commit": None}
    if head.startswith("ref:"):
        ref = head.removeprefix("ref:").strip()
        branch = ref.removeprefix("refs/heads/")
        common = git_dir
        commondir = git_dir / "commondir"
        if commondir.is_file():
            common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
        return {"branch": branch, "commit": _resolve_ref(git_dir, ref) or _resolve_ref(common, ref)}
    return {"branch": None, "commit": head}
