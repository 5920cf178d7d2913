"""The escape probes: small Python programs run inside the sandbox, what each policy must let them do, and what the
host must look like afterwards.

Every probe is also run under danger-full-access, where each escape must succeed: that proves the probe really does
what it claims, so a denial under a confined policy is the sandbox's doing and not a broken probe. A denial must
come with one of the errors named for the probe (EROFS, EACCES, EPERM, ...), never just any failure.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._arena import Arena

PRELUDE = """\
import ctypes, errno, os, socket, sys
WS, OUT, OUTSIDER, TCP, TCP6, UDP, UNIX_PATH, ABSTRACT, TMPFILE = sys.argv[1:10]
libc = ctypes.CDLL(None, use_errno=True)
class Denied(Exception):
    pass
def check(ret):
    if ret < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return ret
def write(path, mode="w"):
    with open(path, mode) as f:
        f.write("pwned\\n")
def main():
{body}
try:
    main()
except OSError as exc:
    print("DENIED", errno.errorcode.get(exc.errno, "NONE") if exc.errno else "NONE")
    sys.exit(3)
except Denied as exc:
    print("DENIED", exc.args[0])
    sys.exit(3)
print("ALLOWED")
"""

RO, WW, WN, DFA = "read-only", "workspace-write", "workspace-write+network", "danger-full-access"

Outcome = Callable[[str, str], bool]  # (backend, policy) -> allowed?


def only_unconfined(backend: str, policy: str) -> bool:
    return policy == DFA


def workspace_writable(backend: str, policy: str) -> bool:
    return policy != RO


def with_network(backend: str, policy: str) -> bool:
    return policy in (WN, DFA)


def always(backend: str, policy: str) -> bool:
    return True


def never(backend: str, policy: str) -> bool:
    return False


def protected_path(backend: str, policy: str) -> bool:
    # Landlock cannot keep a subtree of a writable root read-only: a documented gap of that backend.
    return policy == DFA or (backend == "landlock" and policy in (WW, WN))


def metadata(backend: str, policy: str) -> bool:
    # Landlock does not cover chmod, chown, utime or xattrs: a documented gap of that backend.
    return policy == DFA or backend == "landlock"


def root_and_unconfined(backend: str, policy: str) -> bool:
    return policy == DFA and os.geteuid() == 0


FS = frozenset({"EROFS", "EACCES"})
MOVE = frozenset({"EROFS", "EACCES", "EXDEV", "EBUSY", "EPERM"})
PLACEHOLDER = frozenset({"EROFS", "EACCES", "EEXIST", "EISDIR"})
SECCOMP = frozenset({"EPERM"})
NET = frozenset({"EPERM", "EACCES"})


@dataclass(frozen=True)
class Probe:
    name: str
    body: str
    allowed: Outcome
    denied_with: frozenset[str]
    host_check: Callable[[Arena, bool], None] | None = None
    setup: Callable[[Arena], None] | None = None

    def script(self) -> str:
        return PRELUDE.format(body=textwrap.indent(textwrap.dedent(self.body).strip(), "    "))


def exists_iff(rel: str, base: str = "out") -> Callable[[Arena, bool], None]:
    def check(arena: Arena, allowed: bool) -> None:
        root = arena.out if base == "out" else arena.ws
        assert (root / rel).exists() == allowed, f"{root / rel} exists={not allowed}, expected {allowed}"

    return check


def unchanged_unless(path: Callable[[Arena], Path], original: str) -> Callable[[Arena, bool], None]:
    def check(arena: Arena, allowed: bool) -> None:
        text = path(arena).read_text(encoding="utf-8")
        assert (text != original) == allowed, f"{path(arena)} now holds {text!r}"

    return check


def _git_pointer(arena: Arena) -> None:
    real = arena.ws / "realgit"
    real.mkdir()
    (real / "config").write_text("[core]\n", encoding="utf-8")
    git = arena.ws / ".git"
    (git / "hooks").rmdir()
    (git / "config").unlink()
    git.rmdir()
    git.write_text("gitdir: realgit\n", encoding="utf-8")


def _codex_dir(arena: Arena) -> None:
    (arena.ws / ".codex").mkdir()
    (arena.ws / ".codex" / "config.toml").write_text("model = 'x'\n", encoding="utf-8")


def _no_codex_left(arena: Arena, allowed: bool) -> None:
    # Denied: the read-only placeholder the sandbox put there must be gone again.
    assert (arena.ws / ".codex").exists() == allowed
    assert not (arena.ws / ".codex").is_symlink() or allowed


def _planted_dir_link(arena: Arena) -> None:
    (arena.ws / "link_dir").symlink_to(arena.out)


def _planted_file_link(arena: Arena) -> None:
    (arena.ws / "link_file").symlink_to(arena.out / "secret.txt")


def _payload(arena: Arena) -> None:
    (arena.ws / "payload.txt").write_text("payload\n", encoding="utf-8")


def _fifos(arena: Arena) -> None:
    os.mkfifo(arena.out / "fifo")
    os.mkfifo(arena.ws / "fifo")


def _tcp_check(arena: Arena, allowed: bool) -> None:
    assert arena.pending_connection(arena.tcp) == allowed


def _tcp6_check(arena: Arena, allowed: bool) -> None:
    assert arena.tcp6 is not None
    assert arena.pending_connection(arena.tcp6) == allowed


def _unix_check(arena: Arena, allowed: bool) -> None:
    assert arena.pending_connection(arena.unix) == allowed


def _abstract_check(arena: Arena, allowed: bool) -> None:
    assert arena.pending_connection(arena.abstract) == allowed


def _udp_check(arena: Arena, allowed: bool) -> None:
    assert arena.datagram_arrived() == allowed


def _tmp_check(arena: Arena, allowed: bool) -> None:
    assert Path(f"/tmp/{arena.tmp_name}").exists() == allowed


def _no_procwalk_files(arena: Arena, allowed: bool) -> None:
    assert any(p.name.startswith("procwalk-") for p in arena.out.iterdir()) == allowed


def _victim_check(arena: Arena, allowed: bool) -> None:
    assert (arena.out / "victim.txt").exists() == (not allowed)


def _codex_symlink_check(arena: Arena, allowed: bool) -> None:
    assert (arena.ws / ".codex").is_symlink() == allowed


def _mode_check(arena: Arena, allowed: bool) -> None:
    assert ((arena.out / "secret.txt").stat().st_mode & 0o777 == 0o777) == allowed


PROBES: list[Probe] = [
    # --- the workspace itself
    Probe(
        "write_new_file_in_workspace",
        "write(os.path.join(WS, 'new.txt'))",
        workspace_writable,
        FS,
        exists_iff("new.txt", "ws"),
    ),
    Probe(
        "append_to_existing_file_in_workspace",
        "write(os.path.join(WS, 'README.md'), 'a')",
        workspace_writable,
        FS,
        unchanged_unless(lambda a: a.ws / "README.md", "hello\n"),
    ),
    Probe("write_to_dev_null", "write('/dev/null')", always, FS),
    Probe("write_to_slash_tmp", "write(TMPFILE)", workspace_writable, FS, _tmp_check),
    # --- reading is allowed everywhere
    Probe("read_etc_passwd", "open('/etc/passwd').read()", always, FS),
    Probe("read_file_outside_the_roots", "assert open(os.path.join(OUT, 'secret.txt')).read()", always, FS),
    Probe("list_directory_outside_the_roots", "assert 'secret.txt' in os.listdir(OUT)", always, FS),
    # --- writing outside the roots, by every road
    Probe(
        "write_outside_by_absolute_path",
        "write(os.path.join(OUT, 'abs.txt'))",
        only_unconfined,
        FS,
        exists_iff("abs.txt"),
    ),
    Probe(
        "write_outside_through_dotdot",
        "write('../out/dotdot.txt')",
        only_unconfined,
        FS,
        exists_iff("dotdot.txt"),
    ),
    Probe(
        "write_through_directory_symlink_planted_in_workspace",
        "write(os.path.join(WS, 'link_dir', 'sym.txt'))",
        only_unconfined,
        FS,
        exists_iff("sym.txt"),
        _planted_dir_link,
    ),
    Probe(
        "write_through_file_symlink_planted_in_workspace",
        "write(os.path.join(WS, 'link_file'), 'a')",
        only_unconfined,
        FS,
        unchanged_unless(lambda a: a.out / "secret.txt", "secret\n"),
        _planted_file_link,
    ),
    Probe(
        "write_through_symlink_made_inside_the_sandbox",
        """
        os.symlink(OUT, os.path.join(WS, 'made_link'))
        write(os.path.join(WS, 'made_link', 'made.txt'))
        """,
        only_unconfined,
        FS,
        exists_iff("made.txt"),
    ),
    Probe(
        "move_workspace_file_outside",
        "os.rename(os.path.join(WS, 'payload.txt'), os.path.join(OUT, 'moved.txt'))",
        only_unconfined,
        MOVE,
        exists_iff("moved.txt"),
        _payload,
    ),
    Probe(
        "hard_link_file_outside_into_workspace_then_write_it",
        """
        os.link(os.path.join(OUT, 'secret.txt'), os.path.join(WS, 'hard.txt'))
        write(os.path.join(WS, 'hard.txt'), 'a')
        """,
        only_unconfined,
        MOVE,
        unchanged_unless(lambda a: a.out / "secret.txt", "secret\n"),
    ),
    Probe(
        "chmod_file_outside",
        "os.chmod(os.path.join(OUT, 'secret.txt'), 0o777)",
        metadata,
        MOVE,
        _mode_check,
    ),
    Probe(
        "delete_file_outside",
        "os.unlink(os.path.join(OUT, 'victim.txt'))",
        only_unconfined,
        FS,
        _victim_check,
    ),
    Probe(
        "make_directory_outside",
        "os.mkdir(os.path.join(OUT, 'newdir'))",
        only_unconfined,
        FS,
        exists_iff("newdir"),
    ),
    Probe(
        "write_outside_through_proc_self_root",
        "write('/proc/self/root' + OUT + '/procroot.txt')",
        only_unconfined,
        FS,
        exists_iff("procroot.txt"),
    ),
    Probe(
        "write_outside_through_proc_self_cwd_dotdot",
        "write('/proc/self/cwd/../out/proccwd.txt')",
        only_unconfined,
        FS,
        exists_iff("proccwd.txt"),
    ),
    Probe(
        "write_into_the_cwd_of_a_process_outside_through_proc",
        """
        # Only the test's own outsider: under danger-full-access this really writes wherever its cwd is.
        try:
            write(f'/proc/{OUTSIDER}/cwd/procwalk-{OUTSIDER}.txt')
        except FileNotFoundError:
            raise Denied('NONE')  # the process is not even visible from inside
        """,
        only_unconfined,
        frozenset({"EROFS", "EACCES", "NONE"}),
        _no_procwalk_files,
    ),
    # --- FIFOs and sockets outside the roots (issue 14): read-only mounts do not stop opening them for writing
    Probe(
        "open_a_fifo_outside_the_roots_for_writing",
        """
        fd = os.open(os.path.join(OUT, 'fifo'), os.O_RDWR | os.O_NONBLOCK)
        os.write(fd, b'pwned')
        """,
        only_unconfined,
        FS,
        setup=_fifos,
    ),
    Probe(
        "open_a_fifo_outside_the_roots_write_only",
        """
        reader = os.open(os.path.join(OUT, 'fifo'), os.O_RDONLY | os.O_NONBLOCK)
        fd = os.open(os.path.join(OUT, 'fifo'), os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b'pwned')
        assert os.read(reader, 5) == b'pwned'
        """,
        only_unconfined,
        FS,
        setup=_fifos,
    ),
    Probe(
        "open_a_fifo_inside_the_workspace_for_writing",
        """
        fd = os.open(os.path.join(WS, 'fifo'), os.O_RDWR | os.O_NONBLOCK)
        os.write(fd, b'fine')
        """,
        workspace_writable,
        FS,
        setup=_fifos,
    ),
    Probe(
        "bind_a_unix_socket_outside_the_roots",
        "socket.socket(socket.AF_UNIX).bind(os.path.join(OUT, 'made.sock'))",
        only_unconfined,
        frozenset({"EROFS", "EACCES", "EPERM"}),
        exists_iff("made.sock"),
    ),
    # --- protected paths inside the workspace
    Probe(
        "write_git_config",
        "write(os.path.join(WS, '.git', 'config'), 'a')",
        protected_path,
        FS,
        unchanged_unless(lambda a: a.ws / ".git" / "config", "[core]\n"),
    ),
    Probe(
        "create_git_hook",
        "write(os.path.join(WS, '.git', 'hooks', 'pre-commit'))",
        protected_path,
        FS,
        lambda a, allowed: exists_iff(".git/hooks/pre-commit", "ws")(a, allowed),
    ),
    Probe(
        "delete_git_config",
        "os.unlink(os.path.join(WS, '.git', 'config'))",
        protected_path,
        FS,
        lambda a, allowed: exists_iff(".git/config", "ws")(a, not allowed),
    ),
    Probe(
        "rename_git_directory_away",
        "os.rename(os.path.join(WS, '.git'), os.path.join(WS, 'git_moved'))",
        protected_path,
        MOVE,
        exists_iff("git_moved", "ws"),
    ),
    Probe(
        "write_real_git_dir_named_by_a_gitdir_pointer",
        "write(os.path.join(WS, 'realgit', 'config'), 'a')",
        protected_path,
        FS,
        unchanged_unless(lambda a: a.ws / "realgit" / "config", "[core]\n"),
        _git_pointer,
    ),
    Probe(
        "overwrite_gitdir_pointer_file",
        "write(os.path.join(WS, '.git'))",
        protected_path,
        FS,
        unchanged_unless(lambda a: a.ws / ".git", "gitdir: realgit\n"),
        _git_pointer,
    ),
    Probe(
        "write_existing_codex_config",
        "write(os.path.join(WS, '.codex', 'config.toml'), 'a')",
        protected_path,
        FS,
        unchanged_unless(lambda a: a.ws / ".codex" / "config.toml", "model = 'x'\n"),
        _codex_dir,
    ),
    Probe(
        "rename_codex_directory_away",
        "os.rename(os.path.join(WS, '.codex'), os.path.join(WS, 'codex_moved'))",
        protected_path,
        MOVE,
        exists_iff("codex_moved", "ws"),
        _codex_dir,
    ),
    Probe(
        "create_missing_codex_directory",
        """
        os.mkdir(os.path.join(WS, '.codex'))
        write(os.path.join(WS, '.codex', 'config.toml'))
        """,
        protected_path,
        PLACEHOLDER,
        _no_codex_left,
    ),
    Probe(
        "create_missing_codex_as_a_file",
        "write(os.path.join(WS, '.codex'))",
        protected_path,
        PLACEHOLDER,
        _no_codex_left,
    ),
    Probe(
        "create_missing_codex_as_symlink_to_outside",
        "os.symlink(OUT, os.path.join(WS, '.codex'))",
        protected_path,
        PLACEHOLDER,
        _codex_symlink_check,
    ),
    Probe(
        "write_agents_directory",
        "write(os.path.join(WS, '.agents', 'skill.md'))",
        protected_path,
        FS,
        exists_iff(".agents/skill.md", "ws"),
    ),
    # --- network
    Probe(
        "tcp_connect_to_loopback_listener",
        "socket.create_connection(('127.0.0.1', int(TCP)), timeout=5).close()",
        with_network,
        NET,
        _tcp_check,
    ),
    Probe(
        "tcp_connect_to_ipv6_loopback_listener",
        "socket.create_connection(('::1', int(TCP6)), timeout=5).close()",
        with_network,
        NET,
        _tcp6_check,
    ),
    Probe(
        "udp_datagram_to_loopback",
        "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', int(UDP)))",
        with_network,
        NET,
        _udp_check,
    ),
    Probe(
        "listen_on_a_tcp_port",
        """
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        s.listen(1)
        """,
        with_network,
        NET,
    ),
    Probe(
        "netlink_socket",
        "socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close()",
        with_network,
        NET,
    ),
    Probe(
        "unix_socket_connect_to_listener_outside",
        "socket.socket(socket.AF_UNIX).connect(UNIX_PATH)",
        with_network,
        NET,
        _unix_check,
    ),
    Probe(
        "abstract_unix_socket_connect_to_listener_outside",
        "socket.socket(socket.AF_UNIX).connect('\\0' + ABSTRACT)",
        with_network,
        frozenset({"EPERM", "ECONNREFUSED"}),
        _abstract_check,
    ),
    Probe(
        "unix_socketpair_inside_the_sandbox",
        # write/read, not send/recv: the filter blocks sendto like Codex's does, but a pipe-like pair must work.
        "a, b = socket.socketpair(); os.write(a.fileno(), b'x'); assert os.read(b.fileno(), 1) == b'x'",
        always,
        NET,
    ),
    # --- processes, privileges, kernel surfaces
    Probe("signal_a_process_outside", "os.kill(int(OUTSIDER), 0)", only_unconfined, frozenset({"ESRCH", "EPERM"})),
    Probe("ptrace_system_call", "check(libc.ptrace(0, 0, None, None))", only_unconfined, SECCOMP),
    Probe(
        "io_uring_setup",
        "fd = check(libc.syscall(425, 1, ctypes.create_string_buffer(120))); os.close(fd)",
        only_unconfined,
        SECCOMP,
    ),
    Probe("unshare_a_user_namespace", "check(libc.unshare(0x10000000))", root_and_unconfined, SECCOMP),
    Probe(
        "mount_a_filesystem",
        """
        try:
            check(libc.mount(b'none', os.path.join(OUT, 'mnt').encode(), b'pycodex-no-such-fs', 0, None))
        except OSError as exc:
            if exc.errno != errno.ENODEV:  # ENODEV: the permission check passed, only the type is unknown
                raise
        """,
        root_and_unconfined,
        SECCOMP,
    ),
    Probe(
        "hold_capabilities",
        """
        eff = [l for l in open('/proc/self/status') if l.startswith('CapEff:')][0].split()[1]
        if int(eff, 16) == 0:
            raise Denied('NOCAPS')
        """,
        root_and_unconfined,
        frozenset({"NOCAPS"}),
    ),
    # --- environment
    Probe(
        "read_a_secret_from_the_environment",
        """
        if not any('hunter2' in v for v in os.environ.values()):
            raise Denied('NOSECRET')
        """,
        never,
        frozenset({"NOSECRET"}),
    ),
]
