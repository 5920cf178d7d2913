"""Landlock through ctypes, and the small pre-exec helper that confines a command where bubblewrap cannot run.

The helper runs as `python -I -S _landlock.py [options] -- CMD...`, so this module imports nothing but the standard
library. It also runs inside bubblewrap, as a second layer: there Landlock denies what read-only mounts cannot, opening
a FIFO outside the writable roots for writing, and `--ready-fd` tells the parent that bubblewrap's set-up succeeded.

In order it: starts a new session (unless a terminal is wanted), drops every capability a root caller
holds, sets `no_new_privs`, restricts the filesystem with Landlock (read and execute everywhere, full rights only
beneath the writable roots and on /dev/null), scopes signals and, with the network off, TCP and abstract Unix
sockets to the sandbox, installs the seccomp program read from a descriptor, and finally execs the command.

Landlock rules only ever add rights to a tree, so the read-only subpaths inside a writable root (`.git`, `.codex`,
`.agents`) cannot be enforced this way; `_detect` reports that gap.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys

_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REFER = 1 << 13
FS_TRUNCATE = 1 << 14
# ioctl on devices (ABI 5) is left unhandled: terminals need it, and capabilities are dropped anyway.
_FS_ALL_V1 = (1 << 13) - 1

NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_SECUREBITS = 28
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
# SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | its lock: uid 0 gains nothing from exec.
_SECUREBITS_NO_ROOT = 0x0F

_FILE_RIGHTS_MASK = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI version of the running kernel, 0 when Landlock is absent or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = _libc()
    version = int(libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION))
    return max(version, 0)


def handled_fs_rights(abi: int) -> int:
    """The filesystem rights a ruleset handles (and so denies unless granted) at `abi`."""
    rights = _FS_ALL_V1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    return rights


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def restrict_self(*, writable: list[str], network: bool, abi: int | None = None) -> None:
    """Confine the calling thread (and what it execs) with Landlock; `no_new_privs` must already be set."""
    libc = _libc()
    abi = abi_version() if abi is None else abi
    if abi < 1:
        raise OSError("Landlock is not available on this kernel")
    handled = handled_fs_rights(abi)
    net = 0 if network or abi < 4 else NET_BIND_TCP | NET_CONNECT_TCP
    scoped = 0
    if abi >= 6:
        scoped = SCOPE_SIGNAL if network else SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET
    if scoped:
        attr = struct.pack("<QQQ", handled, net, scoped)
    elif net:
        attr = struct.pack("<QQ", handled, net)
    else:
        attr = struct.pack("<Q", handled)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _check(
        int(libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, buf, ctypes.c_size_t(len(attr)), 0)), "landlock_create_ruleset"
    )
    try:
        _allow(libc, ruleset, "/", FS_EXECUTE | FS_READ_FILE | FS_READ_DIR)
        _allow(libc, ruleset, "/dev/null", (FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE) & handled)
        for path in writable:
            _allow(libc, ruleset, path, handled)
        _check(int(libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a root that does not exist grants nothing
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS_MASK
        attr = struct.pack("<Qi", rights, fd)
        buf = ctypes.create_string_buffer(attr, len(attr))
        _check(int(libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _RULE_PATH_BENEATH, buf, 0)), f"landlock rule {path}")
    finally:
        os.close(fd)


def drop_privileges() -> None:
    """Drop every capability for good (best effort: an unprivileged caller has none to drop), then no_new_privs."""
    libc = _libc()
    libc.prctl(_PR_SET_SECUREBITS, _SECUREBITS_NO_ROOT, 0, 0, 0)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(64):
        if int(libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)) < 0 and ctypes.get_errno() == 22:  # EINVAL: past the last
            break
    _check(int(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)), "prctl(PR_SET_NO_NEW_PRIVS)")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(program: bytes) -> None:
    """Load a classic-BPF seccomp program (raw `struct sock_filter` array) into the calling thread."""
    libc = _libc()
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(int(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)), "prctl(PR_SET_SECCOMP)")


GUARD_MESSAGE = "pycodex sandbox: a protected path changed while the sandbox was set up:"


def _read_only(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def unprotected(present: list[str]) -> str | None:
    """The first of `present` that does not exist on a read-only mount, if any."""
    for path in present:
        if not os.path.lexists(path) or not _read_only(path):
            return path
    return None


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def main(argv: list[str]) -> int:  # pragma: no cover - runs in the sandboxed child, exercised by the escape battery
    """Entry point of the helper; see the module docstring for what it does."""
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    writable: list[str] = []
    seccomp_fd: int | None = None
    ready_fd: int | None = None
    present: list[str] = []
    landlock = True
    network = False
    new_session = False
    i = 0
    while i < len(options):
        opt = options[i]
        if opt == "--rw":
            writable.append(options[i + 1])
            i += 1
        elif opt == "--seccomp-fd":
            seccomp_fd = int(options[i + 1])
            i += 1
        elif opt == "--ready-fd":
            ready_fd = int(options[i + 1])
            i += 1
        elif opt == "--guard-present":
            present.append(options[i + 1])
            i += 1
        elif opt == "--no-landlock":
            landlock = False
        elif opt == "--network":
            network = True
        elif opt == "--new-session":
            new_session = True
        i += 1
    changed = unprotected(present)
    if changed is not None:
        sys.stderr.write(f"{GUARD_MESSAGE} {changed}\n")
        return 1
    try:
        if new_session and os.getsid(0) != os.getpid():
            os.setsid()
        _libc().prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)
        drop_privileges()
        if landlock:
            restrict_self(writable=writable, network=network)
        if seccomp_fd is not None:
            install_seccomp(_read_all(seccomp_fd))
    except OSError as exc:
        sys.stderr.write(f"pycodex sandbox: could not confine the command: {exc}\n")
        return 1
    if ready_fd is not None:
        # Tells the parent that every layer is in place (under bubblewrap: its mounts succeeded).
        os.write(ready_fd, b"1")
        os.close(ready_fd)
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"pycodex sandbox: cannot run {command[0]}: {exc.strerror}\n")
        return 127


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
