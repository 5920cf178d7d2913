"""A patch's file changes as ACP `diff` content blocks (path, oldText, newText).

The engine reports an update as a unified diff (the file is already written by the time a front door reads the
event), so an update becomes one block per hunk: the hunk's old lines against its new lines. Added files carry
their whole new text, deleted files their whole old text.
"""

from __future__ import annotations

from acp import tool_diff_content
from acp.schema import FileEditToolCallContent

from agent import protocol as p


def hunks(unified_diff: str) -> list[tuple[str, str]]:
    """(old text, new text) of each hunk of a unified diff."""
    out: list[tuple[str, str]] = []
    old: list[str] | None = None
    new: list[str] = []
    for line in unified_diff.splitlines(keepends=True):
        if line.startswith("@@"):
            if old is not None:
                out.append(("".join(old), "".join(new)))
            old, new = [], []
            continue
        if old is None or line.startswith("\\"):
            continue  # headers before the first hunk; "\ No newline at end of file"
        tag, text = line[:1], line[1:]
        if tag in (" ", "-"):
            old.append(text)
        if tag in (" ", "+"):
            new.append(text)
    if old is not None:
        out.append(("".join(old), "".join(new)))
    return out


def diff_blocks(changes: dict[str, p.FileChange]) -> list[FileEditToolCallContent]:
    """One or more `diff` blocks per changed file, in the patch's order."""
    blocks: list[FileEditToolCallContent] = []
    for path, change in changes.items():
        if change.type == "add":
            blocks.append(tool_diff_content(path, change.content or "", None))
        elif change.type == "delete":
            blocks.append(tool_diff_content(path, "", change.content or ""))
        else:
            target = change.move_path or path
            parts = hunks(change.unified_diff or "")
            if not parts and change.move_path:
                parts = [("", "")]
            blocks.extend(tool_diff_content(target, new, old) for old, new in parts)
    return blocks
