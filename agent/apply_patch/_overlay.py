"""An in-memory view of the files a patch touches.

Codex applies file operations one by one on disk, so a later operation sees the effect of an earlier one (delete
then add the same path, add then update, move then update the destination). We replay the operations against this
overlay instead: reads fall through to the disk until a path has been written or deleted in memory, and the error
for each operation is the one Codex would hit at that point. Nothing here writes to disk.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Literal, NamedTuple

from ._paths import parent
from ._rust import os_error_text, utf8_error_text
from .errors import DeleteError, FileReadError, WriteError

Kind = Literal["file", "dir", "missing", "other", "error"]


class Seen(NamedTuple):
    """The state of one path on disk: what kind of thing is there and, for a readable file, its bytes and mode."""

    kind: Kind
    error: int = 0
    data: bytes | None = None
    mode: int | None = None


def observe(path: str) -> Seen:
    """Look at `path` on disk, following symbolic links as Codex's reads and writes do."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError) as exc:
        return Seen("missing", exc.errno or errno.ENOENT)
    except OSError as exc:
        return Seen("error", exc.errno or errno.EIO)
    except UnicodeEncodeError:
        # A lone surrogate (JSON lets a model send one) names no file a file system can hold.
        return Seen("error", errno.EINVAL)
    if stat.S_ISDIR(info.st_mode):
        return Seen("dir")
    if not stat.S_ISREG(info.st_mode):
        return Seen("other", mode=stat.S_IMODE(info.st_mode))
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return Seen("file", exc.errno or errno.EIO, mode=stat.S_IMODE(info.st_mode))
    return Seen("file", data=data, mode=stat.S_IMODE(info.st_mode))


class Entry(NamedTuple):
    """A file as the overlay holds it: its text (None once deleted) and the permission bits to write it with."""

    text: str | None
    mode: int | None


class Overlay:
    """Replays file operations in memory, reporting Codex's error for the first one that would fail."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.created_dirs: set[str] = set()
        self.seen: dict[str, Seen] = {}

    def disk(self, path: str) -> Seen:
        """What was on disk at `path` when the overlay first looked (looked up once, then remembered)."""
        found = self.seen.get(path)
        if found is None:
            found = self.seen[path] = observe(path)
        return found

    def state(self, path: str) -> tuple[Kind, int]:
        """The kind of thing at `path` after the operations so far, and an errno for "missing" or "error"."""
        if path in self.created_dirs:
            return "dir", 0
        entry = self.entries.get(path)
        if entry is not None:
            return ("file", 0) if entry.text is not None else ("missing", errno.ENOENT)
        # Walk up the ancestors (the root is never created, written or deleted, so it is not looked at).
        end = path.rfind("/")
        while end > 0:
            ancestor = path[:end]
            if ancestor in self.created_dirs:
                # Nothing real can exist below a directory that did not exist before this patch.
                return "missing", errno.ENOENT
            above = self.entries.get(ancestor)
            if above is not None:
                return "missing", errno.ENOTDIR if above.text is not None else errno.ENOENT
            end = path.rfind("/", 0, end)
        seen = self.disk(path)
        return seen.kind, seen.error

    def current_text(self, path: str) -> str | None:
        """The text of the file at `path` if it is a readable UTF-8 file, else None (no error raised)."""
        entry = self.entries.get(path)
        if entry is not None:
            return entry.text
        kind, _ = self.state(path)
        seen = self.disk(path)
        if kind != "file" or seen.data is None:
            return None
        try:
            return seen.data.decode()
        except UnicodeDecodeError:
            return None

    def mode(self, path: str) -> int | None:
        """The permission bits the file at `path` has (or will be written with), if it exists."""
        entry = self.entries.get(path)
        if entry is not None:
            return entry.mode
        if self.state(path)[0] not in ("file", "other"):
            return None
        return self.disk(path).mode

    def read(self, path: str) -> str:
        """Read the file at `path` for an Update, failing as Codex does."""
        entry = self.entries.get(path)
        if entry is not None and entry.text is not None:
            return entry.text
        kind, code = self.state(path)
        context = f"Failed to read file to update {path}"
        if kind in ("missing", "error"):
            raise FileReadError(
                f"{context}: {os_error_text(code)}",
                path=path,
                diagnostic=_missing_note(path) if code == errno.ENOENT else None,
            )
        if kind != "file":
            raise FileReadError(f"{context}: path `{path}` is not a file", path=path)
        seen = self.disk(path)
        if seen.data is None:
            raise FileReadError(f"{context}: {os_error_text(seen.error)}", path=path)
        try:
            return seen.data.decode()
        except UnicodeDecodeError as exc:
            raise FileReadError(f"{context}: {utf8_error_text(exc)}", path=path) from None

    def write(self, path: str, text: str, mode: int | None) -> None:
        """Create or overwrite the file at `path`, creating parent directories, failing as Codex does."""
        missing: list[str] = []
        ancestor = parent(path)
        while ancestor is not None:
            kind, _ = self.state(ancestor)
            if kind == "dir":
                break
            if kind != "missing":
                raise WriteError(f"Failed to write file {path}", path=path, diagnostic=_blocked(ancestor))
            missing.append(ancestor)
            ancestor = parent(ancestor)
        kind, code = self.state(path)
        if kind == "dir":
            raise WriteError(f"Failed to write file {path}", path=path, diagnostic=f"pycodex: {path} is a directory.")
        if kind == "error":
            raise WriteError(f"Failed to write file {path}", path=path, diagnostic=_os_note(path, code))
        writable_dir = ancestor if ancestor is not None else "/"
        if kind == "file" and path not in self.entries and not os.access(path, os.W_OK):
            raise WriteError(f"Failed to write file {path}", path=path, diagnostic=_os_note(path, errno.EACCES))
        if missing or kind != "file":
            if writable_dir not in self.created_dirs and not os.access(writable_dir, os.W_OK | os.X_OK):
                raise WriteError(
                    f"Failed to write file {path}", path=path, diagnostic=_os_note(writable_dir, errno.EACCES)
                )
        self.created_dirs.update(missing)
        self.entries[path] = Entry(text, mode)

    def delete(self, path: str, failure: str = "Failed to delete file") -> None:
        """Remove the file at `path`, failing as Codex does for a missing path or a directory.

        `failure` starts the error message (Codex says "Failed to remove original" for the source of a move).
        """
        kind, _ = self.state(path)
        if kind not in ("file", "other"):
            note = f"pycodex: {path} is a directory." if kind == "dir" else _missing_note(path)
            raise DeleteError(f"{failure} {path}", path=path, diagnostic=note)
        if path not in self.entries:
            # Codex removes the path itself, so a symbolic link goes, not its target; the parent must allow it.
            holder = parent(path) or "/"
            if holder not in self.created_dirs and not os.access(holder, os.W_OK | os.X_OK):
                raise DeleteError(f"{failure} {path}", path=path, diagnostic=_os_note(holder, errno.EACCES))
        self.entries[path] = Entry(None, None)


def _missing_note(path: str) -> str:
    """Say that `path` does not exist and, when its directory has similarly named files, suggest them."""
    directory = parent(path) or "/"
    try:
        names = os.listdir(directory)
    except OSError:
        return f"pycodex: {path} does not exist, nor does its directory {directory}."
    from difflib import get_close_matches

    close = get_close_matches(os.path.basename(path), names, n=3, cutoff=0.75)
    if not close:
        return f"pycodex: {path} does not exist."
    listed = ", ".join(os.path.join(directory, name) for name in close)
    return f"pycodex: {path} does not exist. Similar names in that directory: {listed}."


def _blocked(ancestor: str) -> str:
    return f"pycodex: {ancestor} is not a directory, so nothing can be created below it."


def _os_note(path: str, code: int) -> str:
    return f"pycodex: {path}: {os_error_text(code)}."
