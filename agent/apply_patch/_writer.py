"""Write a verified plan to disk: all of it or nothing.

Every new file content is first written to a temporary file beside its target; only when all of them exist are
they renamed over their targets (an atomic step per file), and only then are files removed. If any step fails, what
was already renamed or removed is put back from the contents read during verification.
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
from collections.abc import Callable, Mapping

from ._overlay import Entry, Seen, observe
from ._paths import parent
from ._rust import os_error_text
from ._textfile import utf8
from .errors import DeleteError, StaleFileError, WriteError

_umask: int | None = None


def commit(final: Mapping[str, Entry], seen: Mapping[str, Seen], created_dirs: frozenset[str]) -> None:
    """Make the disk hold `final` (text, or None for "absent") for every path in it."""
    _check_unchanged(seen)
    writes: list[tuple[str, bytes, int | None]] = []
    deletes: list[str] = []
    for path, entry in final.items():
        before = seen.get(path)
        if entry.text is None:
            if before is not None and before.kind in ("file", "other"):
                deletes.append(path)
            continue
        data = utf8(entry.text)
        if not _unchanged(before, data, entry.mode):
            writes.append((path, data, entry.mode))
    # A file that is deleted to make room for a directory must go before the directory is made.
    early = [path for path in deletes if path in created_dirs]
    late = [path for path in deletes if path not in created_dirs]
    journal = _Journal(seen)
    try:
        for path in early:
            journal.remove(path)
        for directory in sorted(created_dirs, key=len):
            journal.make_dir(directory)
        staged = [journal.stage(path, data, mode) for path, data, mode in writes]
        for target, temp in staged:
            journal.replace(temp, target)
        for path in late:
            journal.remove(path)
    except _StepFailed as failure:
        journal.roll_back()
        raise failure.error from failure.__cause__


class _StepFailed(Exception):
    def __init__(self, error: WriteError | DeleteError) -> None:
        super().__init__(str(error))
        self.error = error


class _Journal:
    """Records each disk change so that it can be undone."""

    def __init__(self, seen: Mapping[str, Seen]) -> None:
        self.seen = seen
        self.temps: list[str] = []
        self.dirs: list[str] = []
        self.replaced: list[str] = []
        self.removed: list[str] = []

    def make_dir(self, directory: str) -> None:
        try:
            os.mkdir(directory)
        except FileExistsError:  # pragma: no cover - only if another process makes it between check and mkdir
            return
        except OSError as exc:
            raise _StepFailed(_write_error(directory, exc)) from exc
        self.dirs.append(directory)

    def stage(self, path: str, data: bytes, mode: int | None) -> tuple[str, str]:
        # Codex writes through a symbolic link to its target, so the link survives and its target changes.
        target = os.path.realpath(path) if os.path.islink(path) else path
        try:
            handle, temp = _create_temp(target)
        except OSError as exc:
            raise _StepFailed(_write_error(path, exc)) from exc
        self.temps.append(temp)
        try:
            try:
                _write_all(handle, data)
                os.fchmod(handle, mode if mode is not None else _default_mode())
            finally:
                os.close(handle)
        except OSError as exc:
            raise _StepFailed(_write_error(path, exc)) from exc
        return target, temp

    def replace(self, temp: str, target: str) -> None:
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise _StepFailed(_write_error(target, exc)) from exc
        self.temps.remove(temp)
        self.replaced.append(target)

    def remove(self, path: str) -> None:
        try:
            os.unlink(path)
        except OSError as exc:
            error = DeleteError(
                f"Failed to delete file {path}",
                path=path,
                diagnostic=f"pycodex: {os_error_text(exc.errno or errno.EIO)}.",
            )
            raise _StepFailed(error) from exc
        self.removed.append(path)

    def roll_back(self) -> None:
        """Undo every recorded change, newest first; best effort, since the disk already failed once."""
        for temp in self.temps:
            _quietly(os.unlink, temp)
        for target in reversed(self.replaced):
            self._restore(target)
        # Directories go before removed files come back: a file may have been removed to make room for one.
        for directory in reversed(self.dirs):
            _quietly(os.rmdir, directory)
        for path in reversed(self.removed):
            self._restore(path)

    def _restore(self, path: str) -> None:
        before = self.seen.get(path)
        if before is None or before.kind != "file" or before.data is None:
            _quietly(os.unlink, path)
            return
        data = before.data
        try:
            with open(path, "wb") as out:
                out.write(data)
                os.fchmod(out.fileno(), before.mode if before.mode is not None else 0o644)
        except OSError:
            pass


def _create_temp(target: str) -> tuple[int, str]:
    """Create a new, empty temporary file beside `target` (same directory, so the rename is atomic)."""
    directory = parent(target) or "/"
    stem = f"{directory.rstrip('/')}/.{os.path.basename(target)}.pycodex-{os.getpid()}"
    for attempt in itertools.count():
        temp = f"{stem}-{attempt}.tmp"
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), temp
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


def _quietly(action: Callable[[str], None], path: str) -> None:
    try:
        action(path)
    except OSError:
        pass
