"""Our diagnostics for a chunk that does not match: which patch line failed and where the nearest candidate is.

Codex only says that the lines were not found. A model fixing its patch needs to know which line was wrong and
what the file really holds there, so the explanation names the first old line that does not match, the closest
region of the file (scored by how many of the chunk's lines it matches under the most lenient seek pass), and
prints that region with line numbers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from ._model import UpdateChunk
from ._rust import normalise
from ._seek import LineIndex, seek

_MAX_SHOWN = 12
_MAX_WIDTH = 200
_FUZZY_FLOOR = 0.6
_RETRY = "Copy the context and '-' lines exactly from the file as it is now, then send the patch again."


class Explanation(NamedTuple):
    """Our text for a miss, plus the two positions a caller may want as data."""

    text: str
    failed_patch_line: int | None
    candidate_file_line: int | None


def explain_missing_lines(index: LineIndex, chunk: UpdateChunk, cursor: int, patch_path: str) -> Explanation:
    """Explain why `chunk.old_lines` were not found at or after line `cursor` (0-based) of the file."""
    pattern = list(chunk.old_lines)
    numbers = list(chunk.old_line_numbers)
    # Trailing empty lines stand for the final newline; they say nothing about where the chunk belongs.
    while len(pattern) > 1 and pattern[-1] == "":
        pattern.pop()
        numbers.pop()
    file_norm = index.form(3)
    wanted = [normalise(line) for line in pattern]
    total = len(index.lines)
    parts = [
        f"pycodex: the chunk at line {chunk.line_number} of the patch (update of {patch_path}) was not found "
        f"at or after line {cursor + 1} of the file."
    ]
    start = _best_region(file_norm, wanted, cursor)
    if start is None:
        if total == 0:
            parts.append("The file is empty: add its lines with a chunk of '+' lines only.")
        else:
            parts.append("No line of the file resembles the chunk's lines.")
            parts.append(_excerpt(index.lines, cursor, cursor + _MAX_SHOWN, cursor))
            parts.append(_RETRY)
        return Explanation("\n".join(parts), numbers[0] if numbers else None, None)

    matched = [0 <= start + i < total and file_norm[start + i] == wanted[i] for i in range(len(wanted))]
    shown_from = max(start, 0)
    shown_to = max(min(start + len(wanted), total), shown_from + 1)
    if all(matched):
        parts.append(_unusable_region(chunk, start, len(wanted), cursor, total))
        return Explanation("\n".join(parts), None, shown_from + 1)

    first_bad = matched.index(False)
    failed = numbers[first_bad]
    where = start + first_bad
    parts.append(f"First line that does not match: patch line {failed}, which expects")
    parts.append(_quote(pattern[first_bad]))
    summary = f"Closest region: {_span(shown_from, shown_to)} ({sum(matched)} of {len(wanted)} lines match)"
    if 0 <= where < total:
        parts.append(f"{summary}; there, file line {where + 1} is")
        parts.append(_quote(index.lines[where]))
    else:
        parts.append(f"{summary}; the file has only {total} lines, so the chunk would run past its end.")
    if start < cursor:
        parts.append(f"That region is before line {cursor + 1}, where the search for this chunk starts. {_ORDER}")
    focus = where if 0 <= where < total else shown_to - 1
    parts.append(_excerpt(index.lines, shown_from, shown_to, focus))
    parts.append(_RETRY)
    return Explanation("\n".join(parts), failed, shown_from + 1)


def explain_missing_context(index: LineIndex, chunk: UpdateChunk, cursor: int, patch_path: str) -> str:
    """Explain why the `@@ <context>` line of `chunk` was not found at or after line `cursor` (0-based)."""
    context = chunk.change_context or ""
    parts = [
        f"pycodex: the @@ line at line {chunk.line_number} of the patch (update of {patch_path}) names a line that "
        f"is not in the file at or after line {cursor + 1}:",
        _quote(context),
    ]
    earlier = seek(index, [context], 0, False)
    if earlier is not None:
        parts.append(f"It is at file line {earlier + 1}, before where the search for this chunk starts. {_ORDER}")
    else:
        closest = _closest_line(index.form(3), normalise(context), cursor)
        if closest is None:
            parts.append("No line of the file resembles it; an @@ line must repeat a line of the file.")
        else:
            parts.append(f"Closest line: file line {closest + 1}")
            parts.append(_quote(index.lines[closest]))
    return "\n".join(parts)


_ORDER = "Chunks must follow the file's order, each after the previous chunk and after its own @@ line."


def _unusable_region(chunk: UpdateChunk, start: int, width: int, cursor: int, total: int) -> str:
    where = _span(start, start + width)
    if start < cursor:
        return (
            f"All of its lines match {where}, but that is before line {cursor + 1}, where the search for this "
            f"chunk starts. {_ORDER}"
        )
    last = "the last line of the file" if width == 1 else f"the last {width} lines of the file"
    return (
        f"All of its lines match {where}, but the chunk ends with '*** End of File', so it must match {last} "
        f"({_span(total - width, total)}). Drop the marker, or patch the real end of the file."
    )


def _best_region(file_norm: list[str], wanted: list[str], cursor: int) -> int | None:
    """The start (possibly partly outside the file) of the region matching most of `wanted`."""
    offsets: dict[str, list[int]] = defaultdict(list)
    for offset, line in enumerate(wanted):
        offsets[line].append(offset)
    scores: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for position, line in enumerate(file_norm):
        hits = offsets.get(line)
        if hits is None:
            continue
        # Blank lines match almost anywhere; they only break ties.
        slot = 0 if line else 1
        for offset in hits:
            scores[position - offset][slot] += 1
    scored = [(score[0], score[1], start) for start, score in scores.items() if score[0] > 0]
    if scored:
        best = max(scored, key=lambda item: (item[0], item[1], item[2] >= cursor, -abs(item[2] - cursor)))
        return best[2]
    # Nothing matches outright: fall back to the file line most similar to the first non-blank old line.
    for offset, line in enumerate(wanted):
        if line:
            closest = _closest_line(file_norm, line, cursor)
            return None if closest is None else closest - offset
    return None


def _closest_line(file_norm: list[str], target: str, cursor: int) -> int | None:
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(target)
    best: tuple[float, bool, int] | None = None
    for position, line in enumerate(file_norm):
        if not line:
            continue
        matcher.set_seq1(line)
        if matcher.real_quick_ratio() < _FUZZY_FLOOR or matcher.quick_ratio() < _FUZZY_FLOOR:
            continue
        ratio = matcher.ratio()
        if ratio < _FUZZY_FLOOR:
            continue
        key = (ratio, position >= cursor, -position)
        if best is None or key > best:
            best = key
    return None if best is None else -best[2]


def _span(first: int, last: int) -> str:
    return f"file lines {first + 1}-{last}" if last > first + 1 else f"file line {first + 1}"


def _quote(line: str) -> str:
    return "  |" + _clip(line)


def _clip(line: str) -> str:
    return line if len(line) <= _MAX_WIDTH else line[:_MAX_WIDTH] + "…"


def _excerpt(lines: list[str], first: int, last: int, focus: int) -> str:
    """File lines around [first, last) with their numbers, one line of surroundings, at most _MAX_SHOWN lines."""
    low = max(first - 1, 0)
    high = min(last + 1, len(lines))
    if high - low > _MAX_SHOWN:
        low = max(min(focus - _MAX_SHOWN // 2, high - _MAX_SHOWN), low)
        high = low + _MAX_SHOWN
    width = len(str(high))
    rows = [f"File lines {low + 1}-{high}:" if high > low + 1 else f"File line {low + 1}:"]
    rows.extend(f"  {number + 1:>{width}} |{_clip(lines[number])}" for number in range(low, high))
    return "\n".join(rows)
