"""Line diffs for front ends: Codex's internal unified form and a `diff --git` form.

Both work on tokens (a line with its terminator), so a changed line ending shows up as a changed line. When the
caller knows which regions changed (an Update knows exactly what its chunks replaced), only those regions are
diffed line by line; the rest is known to be equal. That keeps a 500-chunk update of a 20,000-line file cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

Region = tuple[int, int, int, int]
Opcode = tuple[str, int, int, int, int]

_NO_NEWLINE = "\\ No newline at end of file\n"
# Above this many edits a region is shown as one block of removals and additions instead of being aligned.
_MAX_EDITS = 400


def opcodes(old: Sequence[str], new: Sequence[str], regions: Sequence[Region] | None = None) -> list[Opcode]:
    """Edit operations turning `old` into `new` (difflib's tags: equal, replace, delete, insert)."""
    if regions is None:
        regions = [(0, len(old), 0, len(new))]
    ops: list[Opcode] = []
    old_at = new_at = 0
    for old_start, old_end, new_start, new_end in [*regions, (len(old), len(old), len(new), len(new))]:
        _equal_stretch(ops, old, new, old_at, old_start, new_at, new_start)
        _diff_region(ops, old, new, old_start, old_end, new_start, new_end)
        old_at, new_at = old_end, new_end
    return _merge(ops)


def unified_hunks(old: Sequence[str], new: Sequence[str], ops: list[Opcode], context: int) -> str:
    """Hunks in unified format with `context` lines around each change, no file header."""
    out: list[str] = []
    for group in _groups(ops, context):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_line(" ", token) for token in old[i1:i2])
                continue
            out.extend(_line("-", token) for token in old[i1:i2])
            out.extend(_line("+", token) for token in new[j1:j2])
    return "".join(out)


def _line(prefix: str, token: str) -> str:
    if token.endswith("\n"):
        return prefix + token
    if token.endswith("\r"):
        # A line ended by a lone CR still needs an LF to show as its own line of the diff.
        return f"{prefix}{token}\n"
    return f"{prefix}{token}\n{_NO_NEWLINE}"


def _range(start: int, end: int) -> str:
    """GNU range: `start,length`, with a length of 1 omitted and an empty range anchored on the line before."""
    length = end - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _groups(ops: list[Opcode], context: int) -> list[list[Opcode]]:
    """Split opcodes into hunks, keeping `context` equal lines around changes (difflib's grouping)."""
    if not ops or all(op[0] == "equal" for op in ops):
        return []
    codes = list(ops)
    tag, i1, i2, j1, j2 = codes[0]
    if tag == "equal":
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    tag, i1, i2, j1, j2 = codes[-1]
    if tag == "equal":
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, i1 + context, j1, j1 + context))
            groups.append(group)
            group = []
            i1, j1 = i2 - context, j2 - context
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return [g for g in groups if any(op[0] != "equal" for op in g)]


def _equal_stretch(
    ops: list[Opcode], old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int
) -> None:
    """A stretch the caller believes equal; any line that differs anyway (a terminator added to the last line)
    becomes a one-line replacement."""
    if i2 - i1 != j2 - j1:
        _diff_region(ops, old, new, i1, i2, j1, j2)
        return
    run = i1
    for offset in range(i2 - i1):
        if old[i1 + offset] != new[j1 + offset]:
            if run < i1 + offset:
                ops.append(("equal", run, i1 + offset, j1 + run - i1, j1 + offset))
            ops.append(("replace", i1 + offset, i1 + offset + 1, j1 + offset, j1 + offset + 1))
            run = i1 + offset + 1
    if run < i2:
        ops.append(("equal", run, i2, j1 + run - i1, j2))


def _diff_region(ops: list[Opcode], old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int) -> None:
    # Common prefix and suffix first: most chunks keep their context lines.
    while i1 < i2 and j1 < j2 and old[i1] == new[j1]:
        ops.append(("equal", i1, i1 + 1, j1, j1 + 1))
        i1 += 1
        j1 += 1
    tail: list[Opcode] = []
    while i1 < i2 and j1 < j2 and old[i2 - 1] == new[j2 - 1]:
        tail.append(("equal", i2 - 1, i2, j2 - 1, j2))
        i2 -= 1
        j2 -= 1
    if i1 < i2 or j1 < j2:
        ops.extend(_myers(old, new, i1, i2, j1, j2))
    ops.extend(reversed(tail))


def _myers(old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int) -> list[Opcode]:
    """Shortest edit script between old[i1:i2] and new[j1:j2] (Myers' greedy algorithm with a trace).

    The two ranges must not start with equal lines (the caller strips the common prefix)."""
    a = old[i1:i2]
    b = new[j1:j2]
    n, m = len(a), len(b)
    if n == 0 or m == 0 or n + m > 2 * _MAX_EDITS:
        return [_block(i1, i2, j1, j2)]
    offset = n + m + 1
    frontier = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    for d in range(min(n + m, _MAX_EDITS) + 1):
        trace.append(frontier.copy())
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1]):
                x = frontier[offset + k + 1]
            else:
                x = frontier[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            frontier[offset + k] = x
            if x >= n and y >= m:
                return _backtrack(trace, offset, n, m, i1, j1)
    return [_block(i1, i2, j1, j2)]


def _backtrack(trace: list[list[int]], offset: int, n: int, m: int, i1: int, j1: int) -> list[Opcode]:
    steps: list[Opcode] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        frontier = trace[d]
        k = x - y
        if k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1]):
            prev_k = k + 1
        else:
            prev_k = k - 1
        prev_x = frontier[offset + prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            steps.append(("equal", i1 + x - 1, i1 + x, j1 + y - 1, j1 + y))
            x -= 1
            y -= 1
        if x == prev_x:
            steps.append(("insert", i1 + x, i1 + x, j1 + y - 1, j1 + y))
        else:
            steps.append(("delete", i1 + x - 1, i1 + x, j1 + y, j1 + y))
        x, y = prev_x, prev_y
    # The caller strips the common prefix first, so no run of equal lines starts the path at (0, 0).
    steps.reverse()
    return steps


def _block(i1: int, i2: int, j1: int, j2: int) -> Opcode:
    if i1 == i2:
        return ("insert", i1, i2, j1, j2)
    if j1 == j2:
        return ("delete", i1, i2, j1, j2)
    return ("replace", i1, i2, j1, j2)


def _merge(ops: list[Opcode]) -> list[Opcode]:
    """Join adjacent operations: equal runs together, and any mix of deletes and inserts into one replace."""
    merged: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if merged:
            last_tag, li1, _li2, lj1, _lj2 = merged[-1]
            if (last_tag == "equal") == (tag == "equal"):
                if tag != "equal":
                    tag = _block(li1, i2, lj1, j2)[0]
                merged[-1] = (tag, li1, i2, lj1, j2)
                continue
        merged.append((tag, i1, i2, j1, j2))
    return merged
