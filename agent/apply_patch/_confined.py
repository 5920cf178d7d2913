"""Changing files beneath a set of root directories without ever being led out of them by a symbolic link.

Every write, create, rename and delete of a plan goes through `WriteRoots`. Each root is opened once, by name, when
the `WriteRoots` is made (the patch tool does that before it asks for approval). A path is then walked one component
at a time from the descriptor of the root that contains it, each directory opened with `O_NOFOLLOW | O_DIRECTORY`
relative to the one before (openat-style), and the final step (mkdir, create, rename, unlink) is made relative to the
descriptor of its directory. A process that swaps a directory for a symbolic link while a patch waits for approval
therefore cannot carry the write elsewhere: the kernel never follows a link on our behalf. A link met on the way is
read instead and its target walked again from the root that contains it, so links that stay inside the roots work as
before, and a link that leads outside every root is refused with `EscapeError`.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable
from types import TracebackType
from typing import NamedTuple

from ._paths import resolve

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# As many links as Linux follows for one path (MAXSYMLINKS), so a loop ends with ELOOP like a kernel lookup would.
_MAX_LINKS = 40


class EscapeError(OSError):
    """A path leads outside every root (directly, or through a symbolic link); `note` says how."""

    def __init__(self, note: str) -> None:
        super().__init__(errno.EXDEV, note)
        self.note = note


class _Led(NamedTuple):
    """Where a symbolic link met during a walk leads: the whole path to walk next, and the link."""

    path: str
    link: str


class WriteRoots:
    """Open directory descriptors of the roots beneath which a patch may change files.

    Use as a context manager (or call `close()`); the descriptors pin the directories as they were when opened.
    A root that does not exist is left out. `WriteRoots(["/"])` confines nothing but still never lets the kernel
    follow a link in a path it changes.
    """

    def __init__(self, roots: Iterable[str | os.PathLike[str]]) -> None:
        self._fds: dict[str, int] = {}
        try:
            for root in sorted({resolve(os.fspath(r), "/") for r in roots}, key=len):
                try:
                    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                self._fds[root] = fd
                # A link's target names the root by its real location, so that name leads to it too.
                real = os.path.realpath(root)
                if real not in self._fds and _same(fd, real):
                    self._fds[real] = os.dup(fd)
        except BaseException:
            self.close()
            raise

    @property
    def roots(self) -> tuple[str, ...]:
        """The roots held, by the names given and by their real locations."""
        return tuple(self._fds)

    def close(self) -> None:
        """Close every descriptor (idempotent)."""
        fds, self._fds = self._fds, {}
        for fd in fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> WriteRoots:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def locate(self, path: str, *, follow: bool) -> tuple[int, str]:
        """A new descriptor of the directory holding `path` (absolute, normalised) and its last component.

        Symbolic links among the directories are read and walked again from a root; with `follow`, so is a link
        at the last component (writes go through a link to its target, as Codex's do). The caller closes the
        descriptor. Raises `EscapeError` when the path, or a link on the way, leads outside every root.
        """
        link: str | None = None
        for _ in range(_MAX_LINKS):
            try:
                step = self._walk(path, follow=follow)
            except EscapeError as exc:
                if link is None:
                    raise
                raise EscapeError(f"{exc.note}: the symbolic link {link} leads there") from None
            if isinstance(step, _Led):
                path, link = step
                continue
            return step
        raise OSError(errno.ELOOP, f"too many levels of symbolic links in {path}")

    def _root_of(self, path: str) -> tuple[str, int]:
        best: tuple[str, int] | None = None
        for root, fd in self._fds.items():
            inside = root == "/" or path == root or path.startswith(root + "/")
            if inside and (best is None or len(root) > len(best[0])):
                best = (root, fd)
        if best is None:
            raise EscapeError(f"{path} is outside the directories this patch may write")
        return best

    def _walk(self, path: str, *, follow: bool) -> tuple[int, str] | _Led:
        """Walk `path` from its root: the parent's descriptor and the name, or the path a link led to."""
        root, root_fd = self._root_of(path)
        parts = [part for part in path[len(root) :].split("/") if part]
        if not parts:
            raise OSError(errno.EISDIR, f"{path} is one of the writable roots, not a file in one")
        fd = os.dup(root_fd)
        here = root.rstrip("/")
        try:
            for index, part in enumerate(parts[:-1]):
                try:
                    inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    target = _link_target(fd, part)
                    if target is None:
                        raise _named(exc, f"{here}/{part}") from None
                    rest = "/".join(parts[index + 1 :])
                    return _through(target, here, f"{here}/{part}", rest)
                os.close(fd)
                fd = inner
                here = f"{here}/{part}"
            last = parts[-1]
            if follow:
                target = _link_target(fd, last)
                if target is not None:
                    return _through(target, here, f"{here}/{last}", "")
        except BaseException:
            os.close(fd)
            raise
        return fd, last


def _through(target: str, here: str, link: str, rest: str) -> _Led:
    """Where the link `link` (in directory `here`) leads, with the components after it."""
    led = resolve(target, here or "/")
    return _Led(f"{led.rstrip('/')}/{rest}" if rest else led, link)


def _link_target(dir_fd: int, name: str) -> str | None:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return None


def _named(exc: OSError, path: str) -> OSError:
    return OSError(exc.errno, exc.strerror, path)


def _same(fd: int, path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (info.st_dev, info.st_ino) == (held.st_dev, held.st_ino)
