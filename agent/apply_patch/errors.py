"""Errors raised by the apply_patch library.

```
ApplyPatchError                 base: `message` is Codex's text, `diagnostic` our addition, str() joins them
├── PatchParseError             the patch text is malformed ("Invalid patch: ...", "Invalid patch hunk on line N: ...")
└── PatchApplyError             the patch does not fit the files on disk; `path` is the absolute path involved
    ├── NoChangesError          the patch holds no file operations ("No files were modified.")
    ├── FileReadError           a file to update cannot be read ("Failed to read file to update <abs>: <io error>")
    ├── ContextNotFoundError    an `@@ <context>` line is not in the file ("Failed to find context '<ctx>' in <abs>")
    ├── LinesNotFoundError      a chunk's old lines are not in the file ("Failed to find expected lines in <abs>:...")
    ├── DeleteError             a file to delete is missing or is a directory ("Failed to delete file <abs>")
    ├── WriteError              a file cannot be written ("Failed to write file <abs>")
    └── StaleFileError          a file changed between verification and writing (ours; Codex has no such check)
```

Every error keeps Codex's message intact as a prefix, because models trained on Codex recognise it; our own
diagnostics (which line failed, the nearest candidate in the file) follow after a blank line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar

from ._paths import as_path

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "ApplyPatchError",
    "ContextNotFoundError",
    "DeleteError",
    "FileReadError",
    "LinesNotFoundError",
    "NoChangesError",
    "PatchApplyError",
    "PatchParseError",
    "StaleFileError",
    "WriteError",
]


class ApplyPatchError(Exception):
    """Base class: a patch could not be parsed or applied. Nothing on disk was changed."""

    code: ClassVar[str] = "apply_patch_error"

    def __init__(self, message: str, *, diagnostic: str | None = None) -> None:
        self.message = message
        self.diagnostic = diagnostic
        super().__init__(self.text)

    @property
    def text(self) -> str:
        """Codex's message, then our diagnostic (if any) after a blank line."""
        if self.diagnostic:
            return f"{self.message}\n\n{self.diagnostic}"
        return self.message

    def __str__(self) -> str:
        return self.text


class PatchParseError(ApplyPatchError):
    """The patch text does not follow the grammar.

    Attributes:
        reason: Codex's description of the problem, without the prefix.
        line_number: 1-based line of the patch where the bad hunk starts, or None for an envelope error.
    """

    code: ClassVar[str] = "invalid_patch"

    def __init__(self, reason: str, line_number: int | None = None) -> None:
        self.reason = reason
        self.line_number = line_number
        if line_number is None:
            message = f"Invalid patch: {reason}"
        else:
            message = f"Invalid patch hunk on line {line_number}: {reason}"
        super().__init__(message)

    @property
    def codex_display(self) -> str:
        """The form Codex uses inside `apply_patch verification failed: ...` tool output."""
        if self.line_number is None:
            return f"invalid patch: {self.reason}"
        return f"invalid hunk at line {self.line_number}, {self.reason}"


class PatchApplyError(ApplyPatchError):
    """The patch is well formed but does not fit the files on disk.

    Attributes:
        path: The absolute path the failure is about (None when the patch is empty).
    """

    code: ClassVar[str] = "apply_failed"

    def __init__(self, message: str, *, path: Path | str | None = None, diagnostic: str | None = None) -> None:
        self.path = None if path is None else as_path(os.fspath(path))
        super().__init__(message, diagnostic=diagnostic)


class NoChangesError(PatchApplyError):
    """The patch has no Add, Delete or Update sections."""

    code: ClassVar[str] = "no_changes"

    def __init__(self) -> None:
        super().__init__("No files were modified.")


class FileReadError(PatchApplyError):
    """A file named in an Update section cannot be read as UTF-8 text."""

    code: ClassVar[str] = "read_failed"


class ContextNotFoundError(PatchApplyError):
    """An `@@ <context>` header line does not occur in the file (after the previous chunk).

    Attributes:
        context: The header text that was searched for.
    """

    code: ClassVar[str] = "context_not_found"

    def __init__(self, message: str, *, path: Path | str, context: str, diagnostic: str | None = None) -> None:
        self.context = context
        super().__init__(message, path=path, diagnostic=diagnostic)


class LinesNotFoundError(PatchApplyError):
    """The context and removed lines of a chunk do not occur in the file (after the previous chunk).

    Attributes:
        expected: The chunk's old lines, as they appear in Codex's message.
        failed_line: 1-based line of the patch holding the first old line that did not match, when known.
        candidate_line: 1-based line of the file where the closest candidate region starts, when there is one.
    """

    code: ClassVar[str] = "lines_not_found"

    def __init__(
        self,
        message: str,
        *,
        path: Path | str,
        expected: tuple[str, ...],
        failed_line: int | None = None,
        candidate_line: int | None = None,
        diagnostic: str | None = None,
    ) -> None:
        self.expected = expected
        self.failed_line = failed_line
        self.candidate_line = candidate_line
        super().__init__(message, path=path, diagnostic=diagnostic)


class DeleteError(PatchApplyError):
    """A file named in a Delete section does not exist or is not a regular file."""

    code: ClassVar[str] = "delete_failed"


class WriteError(PatchApplyError):
    """A file cannot be written: its path is a directory, a parent is a file, or the disk refused."""

    code: ClassVar[str] = "write_failed"


class StaleFileError(PatchApplyError):
    """A file changed on disk after the patch was verified; nothing was written."""

    code: ClassVar[str] = "stale_file"
