"""The parsed form of a patch: a list of file operations ("hunks" in Codex's vocabulary).

Named tuples rather than dataclasses: they are as immutable and far cheaper to define, which keeps the
`pycodex apply-patch` process quick to start.
"""

from __future__ import annotations

from typing import NamedTuple


class UpdateChunk(NamedTuple):
    """One `@@` section of an Update: replace `old_lines` with `new_lines`.

    Attributes:
        change_context: The text after `@@ `, used to find the region (None for a bare `@@`).
        old_lines: Context and removed lines, in order.
        new_lines: Context and added lines, in order.
        new_sources: For each of `new_lines`, the index in `old_lines` of the context line it repeats, or None
            for an added line. Context lines are written back as the file has them, not as the patch spells them.
        is_end_of_file: True when the chunk ended with `*** End of File`: the old lines must end the file.
        old_line_numbers: Patch line number of each entry of `old_lines` (1 = `*** Begin Patch`).
        line_number: Patch line number where the chunk starts (its `@@` header, or its first line).
    """

    change_context: str | None
    old_lines: tuple[str, ...]
    new_lines: tuple[str, ...]
    new_sources: tuple[int | None, ...]
    is_end_of_file: bool
    old_line_numbers: tuple[int, ...]
    line_number: int


class AddFile(NamedTuple):
    """`*** Add File: <path>` followed by `+` lines: create (or overwrite) a file."""

    path: str
    contents: str
    line_number: int


class DeleteFile(NamedTuple):
    """`*** Delete File: <path>`: remove a file."""

    path: str
    line_number: int


class UpdateFile(NamedTuple):
    """`*** Update File: <path>`, an optional `*** Move to: <path>`, then one or more chunks."""

    path: str
    move_path: str | None
    chunks: tuple[UpdateChunk, ...]
    line_number: int


Hunk = AddFile | DeleteFile | UpdateFile


class Patch(NamedTuple):
    """A parsed patch.

    Attributes:
        hunks: The file operations in patch order.
        text: The accepted patch lines joined with LF (a heredoc wrapper, if any, removed).
    """

    hunks: tuple[Hunk, ...]
    text: str
