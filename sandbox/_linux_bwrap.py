"""The bubblewrap command line for a plan, and the placeholders that keep missing protected paths uncreatable.

Layout inside the sandbox (Codex's order): `/` bound read-only, a fresh `/dev`, each writable root bound read-write
(parents before children), and after each root its protected subpaths bound read-only again. A protected path that
does not exist yet (`.codex` in the workspace) gets an empty directory created on the host and bound read-only, so
the command can neither create it nor replace it; the placeholder is removed again once no sandbox uses it.

Then: new user, pid and IPC namespaces, a new network namespace when the network is off, every capability dropped
(a root caller would otherwise keep them inside its user namespace and could simply remount `/` read-write), a
fresh `/proc`, a new session (so the command cannot push keystrokes into the caller's terminal), death with the
parent, and the seccomp program read from a descriptor.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from pathlib import Path

from ._plan import Plan
from .errors import SandboxSetupError

PLACEHOLDER_MODE = 0o555
_LOCK_ATTEMPTS = 200


class Placeholders:
    """Empty read-only directories standing in for missing protected paths while a sandbox runs.

    Every user holds a shared `flock` on the directory; whoever releases it last (can take the lock exclusively)
    removes it, provided it is still an empty placeholder. A sandbox that finds a placeholder being removed waits for
    the removal and creates its own.
    """

    def __init__(self) -> None:
        self._held: list[tuple[Path, int]] = []

    @property
    def paths(self) -> list[Path]:
        """The placeholder directories currently held."""
        return [path for path, _ in self._held]

    def hold(self, path: Path) -> bool:
        """Create (or join) the placeholder at `path`; False when `path` cannot be created here at all."""
        for _ in range(_LOCK_ATTEMPTS):
            try:
                os.mkdir(path, PLACEHOLDER_MODE)
                os.chmod(path, PLACEHOLDER_MODE)  # mkdir's mode is filtered by the umask
            except FileExistsError:
                pass
            except OSError:
                return False
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except FileNotFoundError:
                continue  # removed by a releasing sandbox between our mkdir and open
            except OSError as exc:
                raise SandboxSetupError(f"cannot protect {path}: {exc.strerror}", path=path) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                os.sched_yield()
                continue  # a releasing sandbox is removing it right now
            if _same_file(fd, path):
                self._held.append((path, fd))
                return True
            os.close(fd)
        raise SandboxSetupError(f"cannot protect {path}: it keeps being replaced", path=path)

    def release(self) -> None:
        """Drop our hold on each placeholder and remove those nobody else holds (idempotent)."""
        held, self._held = self._held, []
        for path, fd in held:
            try:
                with contextlib.suppress(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    if _same_file(fd, path) and _is_empty_placeholder(fd):
                        with contextlib.suppress(OSError):
                            os.rmdir(path)
            finally:
                os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = os.lstat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino)


def _is_empty_placeholder(fd: int) -> bool:
    info = os.fstat(fd)
    return stat.S_IMODE(info.st_mode) == PLACEHOLDER_MODE and not os.listdir(fd)


PIN_NAME = ".pycodex-sandbox-pin"


def _pinned(path: Path, placeholders: Placeholders) -> bool:
    """Whether a protected path that must stay protected (the workspace's `.codex`) will still be there when the
    command runs; False when it vanished, so that a placeholder of ours takes its place.

    An empty directory that is not one of our placeholders may be another program's placeholder (Codex creates one
    for the length of each of its commands) and be removed in the middle of ours: the read-only mount on it would go
    with it, and the command could create the path afresh, writable. Such a directory is pinned for as long as our
    sandbox runs by a placeholder of ours inside it (a directory that is not empty cannot be removed).
    """
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode) or os.listdir(path):
            return True
        if stat.S_IMODE(os.lstat(path).st_mode) == PLACEHOLDER_MODE:
            return placeholders.hold(path)  # another pycodex's: joined, so that it is removed only by its last holder
    except OSError:
        return False
    return placeholders.hold(path / PIN_NAME)


def _first_missing(root: Path, path: Path) -> Path | None:
    """The first component of `path` below `root` that does not exist, or None when it all exists."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if not os.path.lexists(current):
            return current
    return None


def filesystem_args(plan: Plan, placeholders: Placeholders) -> list[str]:
    """The mount arguments for `plan`; fills `placeholders` with the directories it had to create."""
    if plan.full_write:
        return ["--bind", "/", "/", "--dev", "/dev"]
    args = ["--ro-bind", "/", "/", "--dev", "/dev"]
    roots = [r for r in plan.roots if r.root.exists()]
    for root in sorted(roots, key=lambda r: len(Path(os.path.realpath(r.root)).parts)):
        real_root = Path(os.path.realpath(root.root))
        args += ["--bind", str(real_root), str(real_root)]
        for sub in root.read_only_subpaths:
            real_sub = real_root / sub.relative_to(root.root) if sub.is_relative_to(root.root) else sub
            if os.path.islink(real_sub):
                raise SandboxSetupError(
                    f"{real_sub} is a symbolic link; a protected path must be a real file or directory so that "
                    "the sandbox can keep it read-only",
                    path=real_sub,
                )
            # `-try`: a path that vanishes before bubblewrap mounts it must not fail the command (issue 14); for a
            # path that must stay protected, the guard inside the sandbox (`guard_args`) has the start planned again.
            if os.path.lexists(real_sub) and (sub not in root.required or _pinned(real_sub, placeholders)):
                target = Path(os.path.realpath(real_sub))
                args += ["--ro-bind-try", str(target), str(target)]
                continue
            missing = _first_missing(real_root, real_sub) if real_sub.is_relative_to(real_root) else None
            if missing is not None and placeholders.hold(missing):
                args += ["--ro-bind-try", str(missing), str(missing)]
    return args


def guard_args(plan: Plan) -> list[str]:
    """What the helper inside the sandbox checks before it starts the command (`_landlock --guard-present`).

    A protected path that must stay read-only even when missing (the workspace's `.codex`, bound from a placeholder
    or from whatever stood there) has to exist inside on a read-only mount; if it vanished between the plan and the
    mounts, the start is planned again. Other protected paths that vanish or appear in that window are treated as
    the plan would have treated them a moment later: gone, or not yet there (as Codex does).
    """
    if plan.full_write:
        return []
    args: list[str] = []
    for root in plan.roots:
        real_root = Path(os.path.realpath(root.root))
        for sub in root.required:
            real_sub = real_root / sub.relative_to(root.root) if sub.is_relative_to(root.root) else sub
            args += ["--guard-present", str(real_sub)]
    return args


def bwrap_argv(
    bwrap: str,
    plan: Plan,
    command: list[str],
    *,
    cwd: Path,
    placeholders: Placeholders,
    seccomp_fd: int | None,
    mount_proc: bool = True,
    new_session: bool = True,
) -> list[str]:
    """The full bubblewrap argv that runs `command` in `cwd` under `plan`."""
    args = [bwrap]
    if new_session:
        args.append("--new-session")
    args.append("--die-with-parent")
    args += filesystem_args(plan, placeholders)
    args += ["--unshare-user", "--unshare-pid", "--unshare-ipc"]
    if not plan.network:
        args.append("--unshare-net")
    args += ["--cap-drop", "ALL"]
    if mount_proc:
        args += ["--proc", "/proc"]
    else:
        # Without a /proc of its own the host's would show through, and with it other processes' cwd and root.
        args += ["--tmpfs", "/proc", "--remount-ro", "/proc"]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--chdir", str(cwd), "--", *command]
    return args


def seccomp_pipe(program: bytes) -> int:
    """A readable descriptor holding `program` (inheritable, for `--seccomp FD`); the caller closes it."""
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, program)  # a few hundred bytes: far below the pipe buffer, so this never blocks
    finally:
        os.close(write_fd)
    return read_fd
