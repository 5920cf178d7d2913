"""What a review looks at, the diff that goes with it, and the one user message the reviewer receives.

The diff is collected here with git (read-only commands run by us, not by the model) and placed in the message, so
that the reviewer starts from the change itself; it may still run read-only commands for context.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import AgentError

MAX_DIFF_BYTES = 200_000
MAX_UNTRACKED_FILE_BYTES = 20_000
GIT_TIMEOUT_S = 30


class ReviewTargetError(AgentError):
    """The review target cannot be resolved: not a repository, an unknown branch or commit, an empty prompt."""


@dataclass(frozen=True)
class ReviewTarget:
    """`kind` is `uncommitted`, `base` (with `branch`), `commit` (with `sha`, optional `title`) or `custom`
    (with `instructions`: the user's own request, no diff collected)."""

    kind: Literal["uncommitted", "base", "commit", "custom"]
    branch: str | None = None
    sha: str | None = None
    title: str | None = None
    instructions: str | None = None

    @property
    def hint(self) -> str:
        """A short description for people (Codex's user-facing hint)."""
        if self.kind == "uncommitted":
            return "current changes"
        if self.kind == "base":
            return f"changes against '{self.branch}'"
        if self.kind == "commit":
            short = (self.sha or "")[:7]
            return f"commit {short}: {self.title}" if self.title else f"commit {short}"
        return (self.instructions or "").strip()

    def as_json(self) -> dict[str, Any]:
        """The target as the app-server protocol spells it (`{"type": "baseBranch", "branch": ...}`)."""
        if self.kind == "uncommitted":
            return {"type": "uncommittedChanges"}
        if self.kind == "base":
            return {"type": "baseBranch", "branch": self.branch}
        if self.kind == "commit":
            return {"type": "commit", "sha": self.sha, "title": self.title}
        return {"type": "custom", "instructions": self.instructions}


@dataclass(frozen=True)
class ReviewRequest:
    """A resolved target: the message for the reviewer, and whether there is anything to review."""

    target: ReviewTarget
    message: str
    empty: bool


def _git(cwd: Path, *args: str, check: bool = True) -> str:
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise ReviewTargetError("git is not installed; a review of changes needs it") from None
    except subprocess.TimeoutExpired:
        raise ReviewTargetError(f"`git {' '.join(args)}` took longer than {GIT_TIMEOUT_S} s") from None
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReviewTargetError(f"`git {' '.join(args)}` failed: {detail[-1] if detail else proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def _clip(text: str) -> str:
    data = text.encode()
    if len(data) <= MAX_DIFF_BYTES:
        return text
    cut = data[:MAX_DIFF_BYTES].decode("utf-8", "ignore")
    return cut + f"\n[… diff cut at {MAX_DIFF_BYTES} bytes of {len(data)}; run git yourself to read the rest]\n"


def _untracked(cwd: Path) -> str:
    """The untracked (not ignored) files, each as a new-file section with its text."""
    names = [n for n in _git(cwd, "ls-files", "--others", "--exclude-standard", "-z").split("\0") if n]
    parts: list[str] = []
    for name in names:
        path = cwd / name
        try:
            data = path.read_bytes()[: MAX_UNTRACKED_FILE_BYTES + 1]
        except OSError as exc:
            parts.append(f"--- untracked file {name} (unreadable: {exc.strerror})")
            continue
        if b"\0" in data:
            parts.append(f"--- untracked file {name} (binary)")
            continue
        text = data[:MAX_UNTRACKED_FILE_BYTES].decode("utf-8", "replace")
        more = "\n[… cut]" if len(data) > MAX_UNTRACKED_FILE_BYTES else ""
        parts.append(f"--- untracked file {name}\n{text}{more}")
    return "\n\n".join(parts)


def _repo_root(cwd: Path) -> Path:
    if not cwd.is_dir():
        raise ReviewTargetError(f"{cwd} is not a directory")
    out = _git(cwd, "rev-parse", "--show-toplevel", check=False).strip()
    if not out:
        raise ReviewTargetError(f"{cwd} is not inside a git repository; a review of changes needs one")
    return Path(out)


def _has_head(root: Path) -> bool:
    return bool(_git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip())


def _uncommitted(root: Path) -> tuple[str, bool]:
    diff = _git(root, "diff", "HEAD") if _has_head(root) else _git(root, "diff", "--cached")
    untracked = _untracked(root)
    body = "\n".join(part for part in (_clip(diff), untracked) if part.strip())
    message = (
        f"Review the uncommitted changes in the repository at {root}: staged and unstaged edits and untracked "
        "files. Their diff against HEAD, and the untracked files, follow.\n\n"
        f"<diff>\n{body}\n</diff>"
    )
    return message, not body.strip()


def _against_base(root: Path, branch: str) -> tuple[str, bool]:
    if not _git(root, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}", check=False).strip():
        raise ReviewTargetError(f"no branch or commit named `{branch}` in {root}")
    upstream = _git(root, "rev-parse", "--verify", "--quiet", f"{branch}@{{upstream}}", check=False).strip()
    base_ref = upstream or branch
    merge_base = _git(root, "merge-base", "HEAD", base_ref, check=False).strip()
    if not merge_base:
        raise ReviewTargetError(f"HEAD and `{branch}` have no common ancestor in {root}")
    diff = _git(root, "diff", merge_base)
    message = (
        f"Review the changes of the current branch against `{branch}` in the repository at {root}. Their merge base "
        f"is {merge_base}; the diff from it to the working tree follows (`git diff {merge_base}`).\n\n"
        f"<diff>\n{_clip(diff)}\n</diff>"
    )
    return message, not diff.strip()


def _commit(root: Path, sha: str, title: str | None) -> tuple[str, str]:
    full = _git(root, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", check=False).strip()
    if not full:
        raise ReviewTargetError(f"no commit `{sha}` in {root}")
    shown = _git(root, "show", "--format=fuller", "--patch", full)
    named = f' ("{title}")' if title else ""
    message = (
        f"Review commit {full}{named} in the repository at {root}: the change it makes to its parent. "
        f"`git show {full}` follows.\n\n<diff>\n{_clip(shown)}\n</diff>"
    )
    return message, full


def resolve_target(target: ReviewTarget, cwd: Path, instructions: str | None = None) -> ReviewRequest:
    """The reviewer's user message for `target`, with its diff. `instructions` adds the user's own focus.

    Raises:
        ReviewTargetError: outside a git repository, an unknown branch or commit, or empty custom instructions.
    """
    extra = (instructions or "").strip()
    if target.kind == "custom":
        text = (target.instructions or "").strip()
        if not text:
            raise ReviewTargetError("the review prompt is empty")
        return ReviewRequest(target, text, empty=False)
    root = _repo_root(cwd)
    if target.kind == "uncommitted":
        message, empty = _uncommitted(root)
    elif target.kind == "base":
        message, empty = _against_base(root, target.branch or "")
    else:
        message, full = _commit(root, target.sha or "", target.title)
        target = ReviewTarget("commit", sha=full, title=target.title)
        empty = False
    if extra:
        message += f"\n\nThe user also asks:\n{extra}"
    return ReviewRequest(target, message, empty=empty)
