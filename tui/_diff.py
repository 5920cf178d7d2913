"""Unified diffs as coloured text with line numbers, and the changes of a patch as a summary per file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from ._format import display_path

if TYPE_CHECKING:
    from agent.protocol import FileChange

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_HEADER_PREFIXES = ("diff --git ", "index ", "--- ", "+++ ", "new file mode", "deleted file mode", "similarity ")

ADDED = "green"
REMOVED = "red"
GUTTER = "bright_black"


@dataclass(frozen=True)
class DiffStats:
    added: int
    removed: int


def diff_stats(diff: str) -> DiffStats:
    """Lines added and removed by a unified diff (file headers are not counted)."""
    added = removed = 0
    for line in diff.splitlines():
        if line.startswith(("+++ ", "--- ")):
            continue
        if line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
    return DiffStats(added, removed)


def render_diff(diff: str, *, max_lines: int | None = None) -> Text:
    """Coloured diff lines, `NNN +text` with the line number of the side the line belongs to.

    File headers are left out (the caller names the file); hunks are separated by a dim `⋮`. With `max_lines`,
    the rest is summarised as `… N more lines`.
    """
    out = Text()
    old_no = new_no = 0
    shown = 0
    lines = diff.splitlines()
    body = [line for line in lines if not line.startswith(_HEADER_PREFIXES)]
    width = len(str(_largest_line_number(body)))
    first_hunk = True
    for index, line in enumerate(body):
        if max_lines is not None and shown >= max_lines:
            rest = sum(1 for rest_line in body[index:] if not _HUNK.match(rest_line) and not rest_line.startswith("\\"))
            out.append(f"{'':>{width}} … {rest} more line{'s' if rest != 1 else ''}\n", style=GUTTER)
            break
        match = _HUNK.match(line)
        if match:
            old_no, new_no = int(match.group(1)), int(match.group(2))
            if not first_hunk:
                out.append(f"{'':>{width}} ⋮\n", style=GUTTER)
                shown += 1
            first_hunk = False
            continue
        if line.startswith("\\"):
            continue
        if line.startswith("+"):
            out.append(f"{new_no:>{width}} ", style=GUTTER)
            out.append(f"+{line[1:]}\n", style=ADDED)
            new_no += 1
        elif line.startswith("-"):
            out.append(f"{old_no:>{width}} ", style=GUTTER)
            out.append(f"-{line[1:]}\n", style=REMOVED)
            old_no += 1
        else:
            out.append(f"{new_no:>{width}} ", style=GUTTER)
            out.append(f" {line[1:] if line.startswith(' ') else line}\n")
            old_no += 1
            new_no += 1
        shown += 1
    out.rstrip()
    return out


def _largest_line_number(lines: list[str]) -> int:
    largest = 1
    old_no = new_no = 0
    for line in lines:
        match = _HUNK.match(line)
        if match:
            old_no, new_no = int(match.group(1)), int(match.group(2))
        elif line.startswith("+"):
            new_no += 1
        elif line.startswith("-"):
            old_no += 1
        else:
            old_no += 1
            new_no += 1
        largest = max(largest, old_no, new_no)
    return largest


def change_diff(change: FileChange) -> str:
    """A unified diff body for one file change (added and deleted files become all-`+` or all-`-` hunks)."""
    if change.type == "update":
        return change.unified_diff or ""
    content = change.content or ""
    lines = content.splitlines()
    if change.type == "add":
        return f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    return f"@@ -1,{len(lines)} +0,0 @@\n" + "".join(f"-{line}\n" for line in lines)


def _title(verb: str, shown: str, stats: DiffStats) -> Text:
    title = Text()
    title.append(verb + " ", style="bold")
    title.append(shown)
    title.append(" (")
    title.append(f"+{stats.added}", style=ADDED)
    title.append(" ")
    title.append(f"-{stats.removed}", style=REMOVED)
    title.append(")")
    return title


def change_title(path: str, change: FileChange, cwd: Path | None) -> Text:
    """`Added a.py (+3 -0)`, `Edited b.py (+1 -1)`, `Deleted c.py (+0 -4)`, `Moved d.py → e.py (+0 -0)`."""
    shown = display_path(path, cwd)
    stats = diff_stats(change_diff(change))
    if change.type == "add":
        return _title("Added", shown, stats)
    if change.type == "delete":
        return _title("Deleted", shown, stats)
    if change.move_path:
        return _title("Moved", f"{shown} → {display_path(change.move_path, cwd)}", stats)
    return _title("Edited", shown, stats)


def git_file_title(path: str, chunk: str) -> Text:
    """The title of one file of a `git diff`."""
    verb = "Edited"
    if "\nnew file mode" in chunk:
        verb = "Added"
    elif "\ndeleted file mode" in chunk:
        verb = "Deleted"
    return _title(verb, path, diff_stats(chunk))


def changes_totals(changes: Mapping[str, FileChange]) -> DiffStats:
    added = removed = 0
    for change in changes.values():
        stats = diff_stats(change_diff(change))
        added += stats.added
        removed += stats.removed
    return DiffStats(added, removed)


def split_git_diff(diff: str) -> list[tuple[str, str]]:
    """A multi-file `git diff` as (path, that file's diff) pairs, in order."""
    files: list[tuple[str, str]] = []
    path: str | None = None
    chunk: list[str] = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("diff --git "):
            if path is not None:
                files.append((path, "".join(chunk)))
            parts = line.rstrip("\n").split(" b/", 1)
            path = parts[1] if len(parts) == 2 else line[len("diff --git ") :].strip()
            chunk = [line]
        elif path is not None:
            chunk.append(line)
    if path is not None:
        files.append((path, "".join(chunk)))
    return files
