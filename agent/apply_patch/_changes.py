"""What a verified patch will do to each file, and what an applied patch did."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from ._paths import as_path, relative_to
from ._textfile import TextFile, utf8

if TYPE_CHECKING:
    from pathlib import Path

    from ._diff import Region

ChangeKind = Literal["add", "update", "delete"]

_LETTERS: dict[ChangeKind, str] = {"add": "A", "update": "M", "delete": "D"}
_ZERO_ID = "0" * 40


class FileChange:
    """One file operation of a patch, resolved against the files on disk (read-only once built).

    Attributes:
        kind: "add", "update" or "delete".
        path: The path as written in the patch.
        abs_path: The absolute path it resolves to.
        move_path: For an update with `*** Move to:`, the destination as written in the patch.
        abs_move_path: The absolute destination of a move.
        old_content: The text before the change; None when the file did not exist (or, for a delete, is not UTF-8).
        new_content: The text after the change; None for a delete.
        cwd: The directory relative paths were resolved against.
        file_mode: The file's permission bits before the change, when it existed.
        regions: For an update, the `(old_start, old_end, new_start, new_end)` line ranges its chunks replaced.
    """

    __slots__ = (
        "_abs_move_path",
        "_abs_path",
        "_cwd",
        "_git_diff",
        "_unified_diff",
        "file_mode",
        "kind",
        "move_path",
        "new_content",
        "old_content",
        "path",
        "regions",
    )

    def __init__(
        self,
        kind: ChangeKind,
        path: str,
        abs_path: str,
        move_path: str | None,
        abs_move_path: str | None,
        old_content: str | None,
        new_content: str | None,
        cwd: str,
        file_mode: int | None = None,
        regions: tuple[Region, ...] | None = None,
    ) -> None:
        self.kind: ChangeKind = kind
        self.path = path
        # The absolute paths are kept as strings and made `Path`s on request: the command line never asks for
        # them, and pathlib costs it several milliseconds of start-up.
        self._abs_path = abs_path
        self.move_path = move_path
        self._abs_move_path = abs_move_path
        self.old_content = old_content
        self.new_content = new_content
        self._cwd = cwd
        self.file_mode = file_mode
        self.regions = regions
        self._unified_diff: str | None = None
        self._git_diff: str | None = None

    def __repr__(self) -> str:
        return f"FileChange({self.kind!r}, {self.path!r}, move_path={self.move_path!r})"

    @property
    def abs_path(self) -> Path:
        """The absolute path the patch's path resolves to."""
        return as_path(self._abs_path)

    @property
    def abs_move_path(self) -> Path | None:
        """The absolute destination of a move, or None."""
        return as_path(self._abs_move_path) if self._abs_move_path is not None else None

    @property
    def cwd(self) -> Path:
        """The directory relative paths were resolved against."""
        return as_path(self._cwd)

    @property
    def summary_path(self) -> str:
        """The path Codex prints in its summary: the destination of a move, else the path, as written."""
        return self.move_path if self.move_path is not None else self.path

    @property
    def summary_line(self) -> str:
        """`A <path>`, `M <path>` or `D <path>`."""
        return f"{_LETTERS[self.kind]} {self.summary_path}"

    @property
    def unified_diff(self) -> str:
        """Codex's internal diff form: hunks with one line of context and no `---`/`+++` header."""
        if self._unified_diff is None:
            self._unified_diff = self._hunks(1)
        return self._unified_diff

    @property
    def git_diff(self) -> str:
        """A `diff --git` style diff of this change with three lines of context, for people."""
        if self._git_diff is None:
            self._git_diff = self._render_git_diff()
        return self._git_diff

    def _render_git_diff(self) -> str:
        old_name = _display(relative_to(self._abs_path, self._cwd), "a/")
        target = self._abs_move_path if self._abs_move_path is not None else self._abs_path
        new_name = _display(relative_to(target, self._cwd), "b/")
        mode = f"{0o100000 | (self.file_mode if self.file_mode is not None else 0o644):o}"
        head = [f"diff --git {old_name} {new_name}\n"]
        if self.kind == "add" and self.old_content is None:
            head.append(f"new file mode {mode}\n")
        elif self.kind == "delete":
            head.append(f"deleted file mode {mode}\n")
        if self._abs_move_path is not None:
            head.append(f"rename from {old_name[2:]}\nrename to {new_name[2:]}\n")
        if self.kind == "delete" and self.old_content is None:
            return "".join(head) + f"Binary files {old_name} and /dev/null differ\n"
        body = self._hunks(3)
        if not body and self._abs_move_path is None and self.kind == "update":
            return ""
        old_id = _blob_id(self.old_content)
        new_id = _blob_id(self.new_content)
        head.append(f"index {old_id}..{new_id}\n")
        head.append(f"--- {old_name if self.old_content is not None else '/dev/null'}\n")
        head.append(f"+++ {new_name if self.new_content is not None else '/dev/null'}\n")
        return "".join(head) + body

    def _hunks(self, context: int) -> str:
        from ._diff import opcodes, unified_hunks

        before = TextFile.parse(self.old_content or "").tokens()
        after = TextFile.parse(self.new_content or "").tokens()
        regions = self.regions if self.kind == "update" else None
        return unified_hunks(before, after, opcodes(before, after, regions), context)


def _display(name: str, prefix: str) -> str:
    return name if name.startswith("/") else prefix + name


def _blob_id(content: str | None) -> str:
    if content is None:
        return _ZERO_ID
    import hashlib

    data = utf8(content)
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def summary_text(changes: tuple[FileChange, ...]) -> str:
    """Codex's success summary: adds, then modifications, then deletions, in patch order within each group."""
    lines = ["Success. Updated the following files:\n"]
    for kind in ("add", "update", "delete"):
        lines.extend(change.summary_line + "\n" for change in changes if change.kind == kind)
    return "".join(lines)


class ApplyResult(NamedTuple):
    """The outcome of writing a verified patch.

    Attributes:
        changes: One entry per file operation, in patch order.
    """

    changes: tuple[FileChange, ...]

    @property
    def summary(self) -> str:
        """`Success. Updated the following files:` and one `A/M/D <path>` line per operation."""
        return summary_text(self.changes)

    @property
    def added(self) -> tuple[str, ...]:
        """Paths (as written in the patch) of added files."""
        return tuple(change.summary_path for change in self.changes if change.kind == "add")

    @property
    def modified(self) -> tuple[str, ...]:
        """Paths (as written; the destination for a move) of updated files."""
        return tuple(change.summary_path for change in self.changes if change.kind == "update")

    @property
    def deleted(self) -> tuple[str, ...]:
        """Paths (as written) of deleted files."""
        return tuple(change.summary_path for change in self.changes if change.kind == "delete")
