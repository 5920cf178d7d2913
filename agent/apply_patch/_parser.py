"""Parse patch text into hunks, with exactly the leniencies and error texts of Codex's parser."""

from __future__ import annotations

from ._model import AddFile, DeleteFile, Hunk, Patch, UpdateChunk, UpdateFile
from ._rust import lines as rust_lines
from ._rust import trim, trim_end
from .errors import PatchParseError

BEGIN_PATCH = "*** Begin Patch"
END_PATCH = "*** End Patch"
ADD_FILE = "*** Add File: "
DELETE_FILE = "*** Delete File: "
UPDATE_FILE = "*** Update File: "
MOVE_TO = "*** Move to: "
END_OF_FILE = "*** End of File"
CONTEXT_MARKER = "@@ "
EMPTY_CONTEXT_MARKER = "@@"

_HEREDOC_OPENERS = ("<<EOF", "<<'EOF'", '<<"EOF"')
_NO_LINES = "Update hunk does not contain any lines"
_LAST_LINE = "The last line of the patch must be '*** End Patch'"
_HUNK_MARKERS = (ADD_FILE, DELETE_FILE, UPDATE_FILE)


def parse_patch(text: str) -> Patch:
    """Parse patch text.

    Args:
        text: The whole patch, from `*** Begin Patch` to `*** End Patch`.

    Returns:
        The parsed patch.

    Raises:
        PatchParseError: With Codex's message and, for a bad hunk, its line number.
    """
    all_lines = rust_lines(trim(text))
    body = _patch_body(all_lines)
    hunks: list[Hunk] = []
    line_number = 2
    start, end = body
    index = start
    while index < end:
        if trim(all_lines[index]) == END_PATCH:
            # An early `*** End Patch` ends the patch; only blank lines may follow it.
            if any(trim(line) for line in all_lines[index + 1 : end]):
                raise PatchParseError(_LAST_LINE)
            break
        hunk, used = _parse_hunk(all_lines, index, end, line_number)
        hunks.append(hunk)
        line_number += used
        index += used
    return Patch(hunks=tuple(hunks), text="\n".join(all_lines[start - 1 : end + 1]))


def check_path(path: str, line_number: int) -> str:
    """`path` unchanged, or a parse error when no file system could hold it (a NUL byte ends a C string, so the
    operating system would read a different, shorter path or refuse the call)."""
    if "\0" in path:
        shown = path.replace("\0", "\\0")
        raise PatchParseError(f"path '{shown}' contains a NUL byte, which no file name can hold", line_number)
    return path


def _patch_body(all_lines: list[str]) -> tuple[int, int]:
    """Check the envelope; return the [start, end) range of the hunk lines inside it."""
    try:
        _check_envelope(all_lines, 0, len(all_lines))
        return 1, len(all_lines) - 1
    except PatchParseError as strict_error:
        # Lenient mode: some models wrap the patch in the heredoc syntax they would type into a shell.
        if len(all_lines) >= 4 and all_lines[0] in _HEREDOC_OPENERS and all_lines[-1].endswith("EOF"):
            _check_envelope(all_lines, 1, len(all_lines) - 1)
            return 2, len(all_lines) - 2
        raise strict_error from None


def _check_envelope(all_lines: list[str], start: int, end: int) -> None:
    first = trim(all_lines[start]) if end > start else None
    last = trim(all_lines[end - 1]) if end > start else None
    if first == BEGIN_PATCH and last == END_PATCH:
        return
    if first is not None and first != BEGIN_PATCH:
        raise PatchParseError("The first line of the patch must be '*** Begin Patch'")
    raise PatchParseError(_LAST_LINE)


def _parse_hunk(all_lines: list[str], index: int, end: int, line_number: int) -> tuple[Hunk, int]:
    """Parse the hunk starting at `all_lines[index]`; return it and the number of lines it used."""
    first = trim(all_lines[index])
    if first.startswith(ADD_FILE):
        contents: list[str] = []
        cursor = index + 1
        while cursor < end and all_lines[cursor].startswith("+"):
            contents.append(all_lines[cursor][1:] + "\n")
            cursor += 1
        return AddFile(check_path(first[len(ADD_FILE) :], line_number), "".join(contents), line_number), cursor - index
    if first.startswith(DELETE_FILE):
        return DeleteFile(check_path(first[len(DELETE_FILE) :], line_number), line_number), 1
    if first.startswith(UPDATE_FILE):
        return _parse_update(all_lines, index, end, line_number, check_path(first[len(UPDATE_FILE) :], line_number))
    raise PatchParseError(
        f"'{first}' is not a valid hunk header. Valid hunk headers: "
        "'*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'",
        line_number,
    )


def _parse_update(all_lines: list[str], index: int, end: int, line_number: int, path: str) -> tuple[UpdateFile, int]:
    cursor = index + 1
    move_path: str | None = None
    # Stray `*** End of File` lines right after the header are ignored, even before `*** Move to:`.
    while cursor < end and trim_end(all_lines[cursor]) == END_OF_FILE:
        cursor += 1
    if cursor < end and all_lines[cursor].startswith(MOVE_TO):
        move_path = check_path(all_lines[cursor][len(MOVE_TO) :], line_number)
        cursor += 1
    chunks: list[UpdateChunk] = []
    while cursor < end:
        line = all_lines[cursor]
        # Only the start of another file section, or the end of the patch, ends an Update.
        if line.startswith(_HUNK_MARKERS) or trim_end(line) == END_PATCH:
            break
        # Blank lines after a chunk closed by `*** End of File` are skipped, and so is a stray `*** End of File`
        # before the first chunk. Any other line starts a chunk (a blank line as the first chunk's first line).
        if chunks and chunks[-1].is_end_of_file and not trim(line):
            cursor += 1
            continue
        if not chunks and trim_end(line) == END_OF_FILE:
            cursor += 1
            continue
        chunk, used = _parse_chunk(all_lines, cursor, end, line_number + (cursor - index), not chunks)
        chunks.append(chunk)
        cursor += used
    if not chunks:
        raise PatchParseError(f"Update file hunk for path '{path}' is empty", line_number)
    return UpdateFile(path, move_path, tuple(chunks), line_number), cursor - index


def _parse_chunk(
    all_lines: list[str], index: int, end: int, line_number: int, first_chunk: bool
) -> tuple[UpdateChunk, int]:
    header = trim_end(all_lines[index])
    context: str | None
    if header == EMPTY_CONTEXT_MARKER:
        context, body_start = None, index + 1
    elif header.startswith(CONTEXT_MARKER):
        context, body_start = header[len(CONTEXT_MARKER) :], index + 1
    elif first_chunk:
        # The first chunk may omit its `@@` line and start with diff lines directly.
        context, body_start = None, index
    else:
        raise PatchParseError(
            f"Expected update hunk to start with a @@ context marker, got: '{all_lines[index]}'", line_number
        )
    # Errors inside the chunk point at its first body line.
    body_line = line_number + (body_start - index)
    if body_start >= end:
        raise PatchParseError(_NO_LINES, body_line)

    old: list[str] = []
    new: list[str] = []
    sources: list[int | None] = []
    old_numbers: list[int] = []
    is_end_of_file = False
    # Patch line number of all_lines[cursor] is cursor + shift.
    shift = line_number - index
    cursor = body_start
    while cursor < end:
        line = all_lines[cursor]
        marker = line[:1]
        if marker == " " or not marker:
            # A context line; a blank line inside a chunk stands for an empty one.
            sources.append(len(old))
            text = line[1:]
            old.append(text)
            new.append(text)
            old_numbers.append(cursor + shift)
        elif marker == "+":
            sources.append(None)
            new.append(line[1:])
        elif marker == "-":
            old.append(line[1:])
            old_numbers.append(cursor + shift)
        else:
            tail = trim_end(line)
            if cursor == body_start and tail in (END_PATCH, END_OF_FILE):
                raise PatchParseError(_NO_LINES, body_line)
            if tail == END_OF_FILE:
                is_end_of_file = True
                cursor += 1
            elif cursor == body_start and tail != END_PATCH:
                raise PatchParseError(
                    f"Unexpected line found in update hunk: '{line}'. Every line should start with ' ' "
                    "(context line), '+' (added line), or '-' (removed line)",
                    body_line,
                )
            # Any other line ends the chunk; the Update (or the next chunk) takes it from here.
            break
        cursor += 1
    chunk = UpdateChunk(
        change_context=context,
        old_lines=tuple(old),
        new_lines=tuple(new),
        new_sources=tuple(sources),
        is_end_of_file=is_end_of_file,
        old_line_numbers=tuple(old_numbers),
        line_number=line_number,
    )
    return chunk, cursor - index
