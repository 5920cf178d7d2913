"""Write a verified plan to disk: all of it or nothing.

Every new file content is first written to a temporary file beside its target; only when all of them exist are
they renamed over their targets (an atomic step per file), and only then are files removed. If any step fails, what
was already renamed or removed is put back from the contents read during verification.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import stat
from collections.abc import Mapping
from typing import NamedTuple

from ._confined import EscapeError, WriteRoots
from ._overlay import Entry, Seen, observe
from ._rust import os_error_text
from .errors import DeleteError, StaleFileError, WriteError

_umask: int | None = None


def commit(
    final: Mapping[str, Entry], seen: Mapping[str, Seen], created_dirs: frozenset[str], roots: WriteRoots
) -> None:
    """Make the disk hold `final` (text, or None for "absent") for every path in it, changing nothing outside
    `roots` (every change is made relative to a directory descriptor reached without following links)."""
    _check_unchanged(seen)
    writes: list[tuple[str, bytes, int | None]] = []
    deletes: list[str] = []
    for path, entry in final.items():
        before = seen.get(path)
        if entry.text is None:
            if before is not None and before.kind in ("file", "other"):
                deletes.append(path)
            continue
        data = entry.text.encode()
        if not _unchanged(before, data, entry.mode):
            writes.append((path, data, entry.mode))
    # A file that is deleted to make room for a directory must go before the directory is made.
    early = [path for path in deletes if path in created_dirs]
    late = [path for path in deletes if path not in created_dirs]
    journal = _Journal(seen, roots)
    try:
        for path in early:
            journal.remove(path)
        for directory in sorted(created_dirs, key=len):
            journal.make_dir(directory)
        staged = [journal.stage(path, data, mode) for path, data, mode in writes]
        for step in staged:
            journal.replace(step)
        for path in late:
            journal.remove(path)
    except _StepFailed as failure:
        journal.roll_back()
        raise failure.error from failure.__cause__
    finally:
        journal.close()


class _StepFailed(Exception):
    def __init__(self, error: WriteError | DeleteError) -> None:
        super().__init__(str(error))
        self.error = error


class _Placed(NamedTuple):
    """A file changed on disk: the descriptor of its directory, its name there, and the patch's path for it."""

    dir_fd: int
    name: str
    path: str


class _Staged(NamedTuple):
    place: _Placed
    temp: str


class _Journal:
    """Records each disk change so that it can be undone; holds the directory descriptors it was made through."""

    def __init__(self, seen: Mapping[str, Seen], roots: WriteRoots) -> None:
        self.seen = seen
        self.roots = roots
        self.fds: list[int] = []
        self.temps: list[_Staged] = []
        self.dirs: list[str] = []
        self.replaced: list[_Placed] = []
        self.removed: list[_Placed] = []

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds.clear()

    def _place(self, path: str, *, follow: bool) -> _Placed:
        dir_fd, name = self.roots.locate(path, follow=follow)
        self.fds.append(dir_fd)
        return _Placed(dir_fd, name, path)

    def make_dir(self, directory: str) -> None:
        try:
            place = self._place(directory, follow=False)
            os.mkdir(place.name, dir_fd=place.dir_fd)
        except FileExistsError:  # pragma: no cover - only if another process makes it between check and mkdir
            return
        except OSError as exc:
            raise _StepFailed(_write_error(directory, exc)) from exc
        self.dirs.append(directory)

    def stage(self, path: str, data: bytes, mode: int | None) -> _Staged:
        # Codex writes through a symbolic link to its target, so the link survives and its target changes.
        try:
            place = self._place(path, follow=True)
            handle, temp = _create_temp(place)
        except OSError as exc:
            raise _StepFailed(_write_error(path, exc)) from exc
        staged = _Staged(place, temp)
        self.temps.append(staged)
        try:
            try:
                _write_all(handle, data)
                os.fchmod(handle, mode if mode is not None else _default_mode())
            finally:
                os.close(handle)
        except OSError as exc:
            raise _StepFailed(_write_error(path, exc)) from exc
        return staged

    def replace(self, staged: _Staged) -> None:
        place = staged.place
        try:
            os.rename(staged.temp, place.name, src_dir_fd=place.dir_fd, dst_dir_fd=place.dir_fd)
        except OSError as exc:
            raise _StepFailed(_write_error(place.path, exc)) from exc
        self.temps.remove(staged)
        self.replaced.append(place)

    def remove(self, path: str) -> None:
        try:
            place = self._place(path, follow=False)
            os.unlink(place.name, dir_fd=place.dir_fd)
        except OSError as exc:
            error = DeleteError(f"Failed to delete file {path}", path=path, diagnostic=_os_note(exc))
            raise _StepFailed(error) from exc
        self.removed.append(place)

    def roll_back(self) -> None:
        """Undo every recorded change, newest first; best effort, since the disk already failed once."""
        for staged in self.temps:
            _unlink_at(staged.place.dir_fd, staged.temp)
        for place in reversed(self.replaced):
            self._restore(place)
        # Directories go before removed files come back: a file may have been removed to make room for one.
        for directory in reversed(self.dirs):
            try:
                place = self._place(directory, follow=False)
                os.rmdir(place.name, dir_fd=place.dir_fd)
            except OSError:
                pass
        for place in reversed(self.removed):
            self._restore(place)

    def _restore(self, place: _Placed) -> None:
        before = self.seen.get(place.path)
        if before is None or before.kind != "file" or before.data is None:
            _unlink_at(place.dir_fd, place.name)
            return
        mode = before.mode if before.mode is not None else 0o644
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            handle = os.open(place.name, flags, mode, dir_fd=place.dir_fd)
        except OSError:
            return
        try:
            _write_all(handle, before.data)
            os.fchmod(handle, mode)
        except OSError:
            pass
        finally:
            os.close(handle)


def _create_temp(place: _Placed) -> tuple[int, str]:
    """Create a new, empty temporary file beside the target (same directory, so the rename is atomic)."""
    stem = f".{place.name}.pycodex-{os.getpid()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for attempt in itertools.count():
        temp = f"{stem}-{attempt}.tmp"
        try:
            return os.open(temp, flags, 0o600, dir_fd=place.dir_fd), temp
        except FileExistsError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _write_all(handle: int, data: bytes) -> None:
    # Straight to the descriptor: a buffered file object would cost more system calls than the write itself.
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _check_unchanged(seen: Mapping[str, Seen]) -> None:
    for path, before in seen.items():
        if not _still(path, before):
            raise StaleFileError(
                f"{path} changed on disk after the patch was verified; nothing was written.",
                path=path,
                diagnostic="pycodex: verify the patch again against the current files.",
            )


def _still(path: str, before: Seen) -> bool:
    """True when `path` holds what verification saw there."""
    if before.kind != "file" or before.data is None:
        return observe(path) == before
    # The common case, a readable file, costs one path lookup and no buffered file object: open it (without
    # blocking, should a FIFO have taken its place), then compare its type, mode, size and bytes.
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        info = os.fstat(handle)
        if (
            not stat.S_ISREG(info.st_mode)
            or stat.S_IMODE(info.st_mode) != before.mode
            or info.st_size != len(before.data)
        ):
            return False
        # One read returns a regular file whole, and asking for a byte more shows that nothing follows. (Linux caps a
        # read at 2 GiB: a larger file looks changed, which refuses the patch rather than harming anything.)
        return os.read(handle, info.st_size + 1) == before.data
    except OSError:
        return False
    finally:
        os.close(handle)


def _unchanged(before: Seen | None, data: bytes, mode: int | None) -> bool:
    """True when the disk already holds exactly this content and mode (the write can be skipped)."""
    return (
        before is not None and before.kind == "file" and before.data == data and (mode is None or mode == before.mode)
    )


def _write_error(path: str, exc: OSError) -> WriteError:
    return WriteError(f"Failed to write file {path}", path=path, diagnostic=_os_note(exc))


def _os_note(exc: OSError) -> str:
    if isinstance(exc, EscapeError):
        return f"pycodex: {exc.note}; nothing was written."
    return f"pycodex: {os_error_text(exc.errno or errno.EIO)}."


def _default_mode() -> int:
    """The mode a newly created file gets: 0o666 less the process umask."""
    global _umask
    if _umask is None:
        _umask = _read_umask()
    return 0o666 & ~_umask


def _read_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    # Without /proc the only way to read the umask is to set it; put it straight back.
    current = os.umask(0o022)
    os.umask(current)
    return current


def _unlink_at(dir_fd: int, name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)
