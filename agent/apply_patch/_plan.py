"""Verify a patch against the files on disk without changing anything: the first half of a transaction."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._changes import ApplyResult, FileChange, summary_text
from ._compute import update_text
from ._model import AddFile, DeleteFile, Patch, UpdateFile
from ._overlay import Entry, Overlay, Seen
from ._parser import check_path, parse_patch
from ._paths import as_path, resolve
from .errors import NoChangesError

if TYPE_CHECKING:
    from pathlib import Path

    from ._confined import WriteRoots


class PatchPlan:
    """A patch whose every operation has been resolved in memory; call `apply()` to write it.

    Attributes:
        patch: The parsed patch.
        cwd: The absolute directory relative paths were resolved against.
        changes: One entry per file operation, in patch order.
    """

    __slots__ = ("_created_dirs", "_cwd", "_final", "_seen", "changes", "patch")

    def __init__(
        self,
        patch: Patch,
        cwd: str,
        changes: tuple[FileChange, ...],
        final: dict[str, Entry],
        seen: dict[str, Seen],
        created_dirs: frozenset[str],
    ) -> None:
        self.patch = patch
        self._cwd = cwd
        self.changes = changes
        # What to write (text, or None for "absent"), what the disk held when verified, and which directories
        # the writes need that do not exist yet.
        self._final = final
        self._seen = seen
        self._created_dirs = created_dirs

    def __repr__(self) -> str:
        return f"PatchPlan(cwd={self.cwd!r}, changes={list(self.changes)!r})"

    @property
    def cwd(self) -> Path:
        """The absolute directory relative paths were resolved against."""
        return as_path(self._cwd)

    @property
    def summary(self) -> str:
        """The summary `apply()` will report."""
        return summary_text(self.changes)

    @property
    def affected_paths(self) -> tuple[Path, ...]:
        """Every absolute path that will be created, overwritten or removed (move sources and destinations too),
        in first-touched order: the list a safety check should vet."""
        return tuple(as_path(path) for path in self._final)

    @property
    def git_diff(self) -> str:
        """All changes as one `diff --git` style text."""
        return "".join(change.git_diff for change in self.changes)

    def apply(self, roots: WriteRoots | None = None) -> ApplyResult:
        """Write every change, or nothing.

        Args:
            roots: The directories the changes must stay beneath (see `WriteRoots`); None allows the whole file
                system. Either way no link is followed by the kernel in a path that is changed.

        Raises:
            StaleFileError: A touched file changed on disk since verification; nothing was written.
            WriteError: The disk refused a write, or a path led outside `roots`; everything already written was
                rolled back.
        """
        from ._confined import WriteRoots
        from ._writer import commit

        if roots is None:
            with WriteRoots(["/"]) as everywhere:
                commit(self._final, self._seen, self._created_dirs, everywhere)
        else:
            commit(self._final, self._seen, self._created_dirs, roots)
        return ApplyResult(self.changes)


def verify_patch(patch: str | Patch, cwd: Path | str) -> PatchPlan:
    """Parse (if needed) and resolve a patch against the files under `cwd`, changing nothing on disk.

    Args:
        patch: Patch text or an already parsed patch.
        cwd: The directory relative paths in the patch are resolved against.

    Returns:
        The plan: every change with its old and new content, ready to `apply()`.

    Raises:
        PatchParseError: The patch text is malformed.
        PatchApplyError: An operation would fail (missing file, unmatched lines, ...); the first such failure in
            patch order, with Codex's message.
    """
    parsed = parse_patch(patch) if isinstance(patch, str) else patch
    if not parsed.hunks:
        raise NoChangesError()
    root = resolve(os.fspath(cwd), os.getcwd())
    overlay = Overlay()
    changes: list[FileChange] = []
    for hunk in parsed.hunks:
        # A hand-built `Patch` skipped the parser's check; a NUL byte would make the OS calls raise ValueError.
        check_path(hunk.path, hunk.line_number)
        if isinstance(hunk, UpdateFile) and hunk.move_path is not None:
            check_path(hunk.move_path, hunk.line_number)
        path = resolve(hunk.path, root)
        if isinstance(hunk, AddFile):
            old = overlay.current_text(path)
            mode = overlay.mode(path)
            overlay.write(path, hunk.contents, mode)
            changes.append(FileChange("add", hunk.path, path, None, None, old, hunk.contents, root, mode))
        elif isinstance(hunk, DeleteFile):
            old = overlay.current_text(path)
            mode = overlay.mode(path)
            overlay.delete(path)
            changes.append(FileChange("delete", hunk.path, path, None, None, old, None, root, mode))
        else:
            changes.append(_update(overlay, hunk, path, root))
    return PatchPlan(
        parsed, root, tuple(changes), dict(overlay.entries), dict(overlay.seen), frozenset(overlay.created_dirs)
    )


def _update(overlay: Overlay, hunk: UpdateFile, path: str, root: str) -> FileChange:
    old = overlay.read(path)
    mode = overlay.mode(path)
    updated = update_text(old, hunk.chunks, path, hunk.path)
    new = updated.after.render()
    destination = resolve(hunk.move_path, root) if hunk.move_path is not None else None
    if destination is None or destination == path:
        # A move onto the file itself is an in-place update. (Codex writes the destination and then removes
        # the source, which deletes the file; we do not reproduce that.)
        overlay.write(path, new, mode)
    else:
        overlay.write(destination, new, mode)
        overlay.delete(path, "Failed to remove original")
    return FileChange(
        "update",
        hunk.path,
        path,
        hunk.move_path,
        destination,
        old,
        new,
        root,
        mode,
        regions=updated.regions,
    )


def apply_patch(patch: str | Patch, cwd: Path | str) -> ApplyResult:
    """Verify a patch, then write it: all of it or nothing.

    Raises:
        ApplyPatchError: Any parse, verification or write failure; nothing on disk changed.
    """
    return verify_patch(patch, cwd).apply()
