"""Small text helpers shared by the cells, the dialogs and the status bar."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "fish"})


def command_text(argv: Sequence[str]) -> str:
    """The command as a person typed it: the script of `bash -lc SCRIPT`, otherwise the quoted argv."""
    if len(argv) == 3 and Path(argv[0]).name in _SHELLS and argv[1] in ("-c", "-lc", "-l -c"):
        return argv[2]
    return shlex.join(argv)


def duration_text(ms: int) -> str:
    """`312 ms`, `4.2 s`, `3m 05s`, `1h 02m`."""
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def display_path(path: str | Path, cwd: Path | None) -> str:
    """`path` relative to `cwd` when inside it, `~/...` when under the home directory, else as given."""
    p = Path(path)
    if cwd is not None and p.is_absolute():
        try:
            return str(p.relative_to(cwd))
        except ValueError:
            pass
    try:
        home = Path.home()
    except RuntimeError:  # pragma: no cover - no home directory at all
        return str(p)
    if p.is_absolute() and p.is_relative_to(home) and p != home:
        return "~/" + str(p.relative_to(home))
    return str(p)


def tokens_text(count: int) -> str:
    """`950`, `12.3K`, `1.2M`."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}K".replace(".0K", "K")
    return f"{count / 1_000_000:.1f}M".replace(".0M", "M")


def first_line(text: str, limit: int = 80) -> str:
    """The first non-empty line of `text`, cut to `limit` characters with an ellipsis."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
