"""Work out the new content of one file from an Update section's chunks (Codex's `compute_replacements`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ._model import UpdateChunk
from ._seek import LineIndex, seek
from ._textfile import NewLine, Replacement, TextFile, apply_replacements
from .errors import ContextNotFoundError, LinesNotFoundError

Region = tuple[int, int, int, int]


class Updated(NamedTuple):
    """The outcome of applying chunks to a file's text.

    Attributes:
        before: The file as read.
        after: The file as it will be written.
        regions: `(old_start, old_end, new_start, new_end)` line ranges the chunks replaced, in file order.
    """

    before: TextFile
    after: TextFile
    regions: tuple[Region, ...]


def update_text(content: str, chunks: Sequence[UpdateChunk], abs_path: str, patch_path: str) -> Updated:
    """Apply `chunks` to `content`.

    Raises:
        ContextNotFoundError: An `@@ <context>` line is missing.
        LinesNotFoundError: A chunk's old lines are missing.
    """
    before = TextFile.parse(content)
    index = LineIndex(before.texts)
    replacements: list[Replacement] = []
    cursor = 0
    for chunk in chunks:
        if chunk.change_context is not None:
            found = seek(index, [chunk.change_context], cursor, False)
            if found is None:
                from ._diagnose import explain_missing_context

                raise ContextNotFoundError(
                    f"Failed to find context '{chunk.change_context}' in {abs_path}",
                    path=abs_path,
                    context=chunk.change_context,
                    diagnostic=explain_missing_context(index, chunk, cursor, patch_path),
                )
            cursor = found + 1
        if not chunk.old_lines:
            # A chunk with only added lines appends at the end of the file, whatever its `@@` context says.
            replacements.append((len(index.lines), 0, [(line, None) for line in chunk.new_lines]))
            continue
        pattern: Sequence[str] = chunk.old_lines
        new_lines: Sequence[str] = chunk.new_lines
        found = seek(index, pattern, cursor, chunk.is_end_of_file)
        if found is None and pattern[-1] == "":
            # A trailing empty context line usually stands for the file's final newline, which is not a line of
            # its own here; try again without it.
            pattern = pattern[:-1]
            if new_lines and new_lines[-1] == "":
                new_lines = new_lines[:-1]
            found = seek(index, pattern, cursor, chunk.is_end_of_file)
        if found is None:
            from ._diagnose import explain_missing_lines

            explanation = explain_missing_lines(index, chunk, cursor, patch_path)
            raise LinesNotFoundError(
                f"Failed to find expected lines in {abs_path}:\n" + "\n".join(chunk.old_lines),
                path=abs_path,
                expected=chunk.old_lines,
                failed_line=explanation.failed_patch_line,
                candidate_line=explanation.candidate_file_line,
                diagnostic=explanation.text,
            )
        replacements.append((found, len(pattern), _with_file_context(chunk, new_lines, before, found, len(pattern))))
        cursor = found + len(pattern)
    replacements.sort(key=lambda replacement: replacement[0])
    after = apply_replacements(before, replacements)
    return Updated(before, after, _regions(replacements))


def _with_file_context(
    chunk: UpdateChunk, new_lines: Sequence[str], before: TextFile, found: int, matched: int
) -> list[NewLine]:
    """The chunk's new lines, with each context line kept exactly as the file has it (text and terminator): a
    context line that matched only after whitespace or punctuation folding keeps the file's spelling."""
    out: list[NewLine] = []
    for line, source in zip(new_lines, chunk.new_sources, strict=False):
        if source is not None and source < matched:
            out.append((before.texts[found + source], before.endings[found + source]))
        else:
            out.append((line, None))
    return out


def _regions(replacements: list[Replacement]) -> tuple[Region, ...]:
    regions: list[Region] = []
    shift = 0
    for start, length, new_lines in replacements:
        regions.append((start, start + length, start + shift, start + shift + len(new_lines)))
        shift += len(new_lines) - length
    return tuple(regions)
