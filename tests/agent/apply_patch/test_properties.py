"""Properties: a random edit rendered as a patch reproduces the edited file; a failing patch changes nothing."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.apply_patch import ApplyPatchError, apply_patch

from .tree import snapshot, write_tree

WORDS = ["alpha", "beta - gamma", "it's", '"quoted"', "x = 1", "return x", "{", "}", "pass"]
FANCY = str.maketrans({"-": "\u2014", "'": "\u2019", '"': "\u201d"})


@dataclass
class Region:
    """Replace old lines [start, end) with `new`."""

    start: int
    end: int
    new: list[str]


@st.composite
def edited_files(draw: st.DrawFn) -> tuple[list[str], list[Region]]:
    """A file of unique lines and a set of non-overlapping edits to it."""
    count = draw(st.integers(0, 25))
    # Unique lines: every chunk then has exactly one place to go, under every seek pass.
    lines = [f"{draw(st.sampled_from(WORDS))} #{n}" for n in range(count)]
    if draw(st.booleans()):
        lines = [line.translate(FANCY) for line in lines]
    regions: list[Region] = []
    position = 0
    serial = 0
    while position <= count:
        if draw(st.integers(0, 3)) == 0:
            removed = draw(st.integers(0, min(3, count - position)))
            added = [f"new {serial}-{k} {draw(st.sampled_from(WORDS))}" for k in range(draw(st.integers(0, 3)))]
            serial += 1
            if removed or added:
                regions.append(Region(position, position + removed, added))
                position += removed
        position += 1
    return lines, regions


def _drift(line: str, how: int) -> str:
    """A context or removed line as a model might retype it; every variant still matches under some pass."""
    if how == 1:
        return line + "  "
    if how == 2:
        return "  " + line
    if how == 3:
        return line.translate(str.maketrans({"\u2014": "-", "\u2019": "'", "\u201d": '"'}))
    return line


def _render(lines: list[str], regions: list[Region], data: st.DataObject) -> str:
    draw = data.draw
    context = draw(st.integers(0, 3))
    groups: list[list[Region]] = []
    for region in regions:
        # Regions whose contexts would touch are one chunk: a chunk's search starts after the previous one.
        if groups and region.start - groups[-1][-1].end <= 2 * context + 1:
            groups[-1].append(region)
        else:
            groups.append([region])
    body: list[str] = []
    previous_end = 0
    for number, group in enumerate(groups):
        first, last = group[0].start, group[-1].end
        before = max(previous_end, first - context)
        after = min(len(lines), last + context)
        if before == first and after == last and not any(r.end > r.start for r in group) and lines:
            if last < len(lines):
                after = last + 1
            elif first > previous_end:
                before = first - 1
        if before > previous_end and draw(st.booleans()):
            body.append("@@ " + _drift(lines[draw(st.integers(previous_end, before - 1))], draw(st.integers(0, 3))))
        elif number > 0 or draw(st.booleans()):
            body.append("@@")
        body.extend(" " + _drift(line, draw(st.integers(0, 3))) for line in lines[before:first])
        cursor = first
        for region in group:
            body.extend(" " + _drift(line, draw(st.integers(0, 3))) for line in lines[cursor : region.start])
            body.extend("-" + _drift(line, draw(st.integers(0, 3))) for line in lines[region.start : region.end])
            body.extend("+" + line for line in region.new)
            cursor = region.end
        body.extend(" " + _drift(line, draw(st.integers(0, 3))) for line in lines[cursor:after])
        if after == len(lines) and before < after and draw(st.booleans()):
            body.append("*** End of File")
        previous_end = after
    return "*** Begin Patch\n*** Update File: file.txt\n" + "\n".join(body) + "\n*** End Patch"


def _edited(lines: list[str], regions: list[Region]) -> list[str]:
    out: list[str] = []
    position = 0
    for region in regions:
        out.extend(lines[position : region.start])
        out.extend(region.new)
        position = region.end
    out.extend(lines[position:])
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=edited_files(), ending=st.sampled_from(["\n", "\r\n"]), final_newline=st.booleans(), data=st.data())
def test_a_random_edit_rendered_as_a_patch_reproduces_the_edited_file(
    case: tuple[list[str], list[Region]], ending: str, final_newline: bool, data: st.DataObject
) -> None:
    lines, regions = case
    if not regions:
        regions = [Region(len(lines), len(lines), ["appended"])]
    original = ending.join(lines) + (ending if final_newline and lines else "")
    patch = _render(lines, regions, data)
    with tempfile.TemporaryDirectory() as root:
        write_tree(Path(root), {"file.txt": original.encode()})
        result = apply_patch(patch, root)
        written = (Path(root) / "file.txt").read_bytes()
    # New lines take the file's first terminator; a file without any gets LF.
    terminator = ending if ending in original else "\n"
    expected = "".join(line + terminator for line in _edited(lines, regions))
    assert written == expected.encode()
    assert result.summary == "Success. Updated the following files:\nM file.txt\n"


FAILURES = [
    "*** Update File: missing.txt\n@@\n-x\n+y",
    "*** Delete File: missing.txt",
    "*** Update File: a.txt\n@@\n-this line is in no file\n+y",
    "*** Update File: a.txt\n@@ no such context line\n+y",
    "*** Add File: a.txt/below.txt\n+y",
    "*** Update File: sub\n@@\n-x\n+y",
]


@st.composite
def good_operations(draw: st.DrawFn) -> list[str]:
    operations: list[str] = []
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["add", "update", "move", "delete"]))
        if kind == "add":
            operations.append(f"*** Add File: new{index}/f.txt\n+{draw(st.sampled_from(WORDS))}")
        elif kind == "update":
            operations.append("*** Update File: b.txt\n@@\n-b\n+B")
        elif kind == "move":
            operations.append("*** Update File: sub/c.txt\n*** Move to: moved/c.txt\n@@\n c")
        else:
            operations.append("*** Delete File: sub/d.txt")
    return operations


@settings(max_examples=150, deadline=None)
@given(operations=good_operations(), failure=st.sampled_from(FAILURES), where=st.integers(0, 4))
def test_a_patch_that_fails_anywhere_leaves_the_tree_byte_identical(
    operations: list[str], failure: str, where: int
) -> None:
    body = list(dict.fromkeys(operations))
    body.insert(min(where, len(body)), failure)
    patch = "*** Begin Patch\n" + "\n".join(body) + "\n*** End Patch"
    with tempfile.TemporaryDirectory() as root:
        tree = Path(root)
        write_tree(tree, {"a.txt": b"a\n", "b.txt": b"b\r\n", "sub/c.txt": b"c", "sub/d.txt": b"d\n"})
        (tree / "b.txt").chmod(0o751)
        before = snapshot(tree)
        modes = {path: path.stat().st_mode for path in tree.rglob("*")}
        with pytest.raises(ApplyPatchError):
            apply_patch(patch, tree)
        assert snapshot(tree) == before
        assert {path: path.stat().st_mode for path in tree.rglob("*")} == modes
