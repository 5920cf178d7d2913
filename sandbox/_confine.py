"""Turning a command and a policy into the argv that runs it confined, or refusing.

Linux: bubblewrap plus a seccomp filter (`_linux_bwrap`, `_seccomp`); where bubblewrap cannot create namespaces, the
Landlock helper (`_landlock`) with the same seccomp filter. macOS: Seatbelt (`_seatbelt`). When nothing can enforce
the policy, or can enforce only part of it (Landlock alone cannot keep `.git` read-only),
`SandboxUnavailableError` names what is missing, unless the caller explicitly allows a degraded run (config
`sandbox_allow_degraded = true`), in which case whatever is available is applied and every gap is returned as a
warning with every command. Under bubblewrap the Landlock helper runs as a second layer inside (see `_landlock`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ._detect import Backend, SandboxReport, detect
from ._linux_bwrap import Placeholders, bwrap_argv, guard_args, seccomp_pipe
from ._native import PYTHON_HELPER, helper_argv
from ._plan import Plan
from ._route import ProxyRoute
from ._seccomp import build_filter
from .errors import SandboxUnavailableError

if TYPE_CHECKING:
    from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite

LANDLOCK_HELPER = PYTHON_HELPER
PROXY_NEEDS_NETNS = (
    "the network policy proxy needs bubblewrap's own network namespace to be enforced; without it commands get no "
    "network at all"
)


@dataclass
class Confined:
    """The argv to execute, the descriptors it must inherit, and what to undo once it has exited."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    backend: str = "none"
    warnings: list[str] = field(default_factory=lambda: [])
    _owned_fds: list[int] = field(default_factory=lambda: [])
    _placeholders: Placeholders | None = None

    def close(self) -> None:
        """Close descriptors held only for the child (call once the child has been started)."""
        for fd in self._owned_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._owned_fds.clear()

    def release(self) -> None:
        """Undo set-up that must outlive the start of the child (call once it has exited; idempotent)."""
        self.close()
        if self._placeholders is not None:
            self._placeholders.release()


def confine(
    argv: list[str],
    *,
    policy: ReadOnly | WorkspaceWrite | DangerFullAccess,
    cwd: Path,
    policy_cwd: Path,
    allow_degraded: bool = False,
    tty: bool = False,
    proxy: ProxyRoute | None = None,
    ready_fd: int | None = None,
) -> Confined:
    """Wrap `argv` so that the kernel enforces `policy`; raise `SandboxUnavailableError` when it cannot.

    With `proxy`, a policy without network reaches the network through the session's proxy instead (`_route`).
    """
    from ._policy import plan_for_policy

    plan = plan_for_policy(policy, policy_cwd)
    if proxy is not None and not plan.network:
        plan = replace(plan, proxy=proxy)
    return confine_plan(argv, plan, cwd=cwd, allow_degraded=allow_degraded, tty=tty, ready_fd=ready_fd)


def confine_plan(
    argv: list[str],
    plan: Plan,
    *,
    cwd: Path,
    allow_degraded: bool = False,
    tty: bool = False,
    report: SandboxReport | None = None,
    backend: Backend | None = None,
    ready_fd: int | None = None,
) -> Confined:
    """Wrap `argv` so that the kernel enforces `plan`.

    A confined plan is refused when this machine cannot enforce all of it (`report.not_enforced`, e.g. Landlock
    alone leaves `.git` writable) unless `allow_degraded`; the gaps are then in `Confined.warnings`, for every
    command. `report` defaults to this machine's (`detect()`); `backend` forces one (tests use it to run the
    Landlock path on a machine where bubblewrap works). Under bubblewrap, `ready_fd` (a pipe's write end) gets one
    byte once bubblewrap's set-up has succeeded and the command is about to start.
    """
    if plan.unconfined:
        return Confined(list(argv))
    report = report or detect()
    chosen = backend or report.backend
    gaps = "; ".join(report.not_enforced) or "no sandbox backend"
    if report.bwrap_problem and chosen != "bubblewrap" and report.platform.startswith("linux"):
        gaps += f"; bubblewrap: {report.bwrap_problem}"
    if report.not_enforced and not allow_degraded:
        how = "unconfined" if chosen == "none" else "with part of the policy not enforced"
        raise SandboxUnavailableError(
            f"cannot fully confine this command here ({gaps}). Refusing to run it {how}: install bubblewrap (or "
            "reinstall pycodex with its bundled copy), enable user namespaces or Landlock, set "
            "`sandbox_allow_degraded = true` to run with only what this machine can enforce, or choose "
            "danger-full-access",
            missing=report.missing(),
        )
    confined = _confine_with(argv, plan, chosen, cwd=cwd, tty=tty, report=report, ready_fd=ready_fd)
    if report.not_enforced:
        applied = {"seccomp-only": " (only the seccomp filter is applied)", "none": " (nothing is applied)"}
        confined.warnings.append(
            f"running with a degraded sandbox{applied.get(confined.backend, '')}; NOT enforced: {gaps}"
        )
    return confined


def _confine_with(
    argv: list[str],
    plan: Plan,
    chosen: Backend,
    *,
    cwd: Path,
    tty: bool,
    report: SandboxReport,
    ready_fd: int | None,
) -> Confined:
    if chosen == "bubblewrap" and report.bwrap_path is not None:
        return _bubblewrap(argv, plan, cwd=cwd, tty=tty, report=report, bwrap=report.bwrap_path, ready_fd=ready_fd)
    if chosen == "landlock":
        confined = _helper(argv, plan, tty=tty, landlock=True, seccomp=report.seccomp, backend="landlock")
        if plan.proxy is not None:
            confined.warnings.append(PROXY_NEEDS_NETNS)
        return confined
    if chosen == "seatbelt":
        from ._seatbelt import darwin_user_cache_dir, seatbelt_argv

        argv = seatbelt_argv(plan, list(argv), user_cache_dir=darwin_user_cache_dir())
        return Confined(argv, backend="seatbelt", warnings=[PROXY_NEEDS_NETNS] if plan.proxy else [])
    if sys.platform.startswith("linux") and report.seccomp:
        confined = _helper(argv, plan, tty=tty, landlock=False, seccomp=True, backend="seccomp-only")
        if plan.proxy is not None:
            confined.warnings.append(PROXY_NEEDS_NETNS)
        return confined
    return Confined(list(argv), backend="none")


def _inner_layer(plan: Plan, report: SandboxReport, ready_fd: int | None) -> list[str]:
    """The Landlock helper run inside bubblewrap: it denies writes that read-only mounts let through (a FIFO
    outside the roots) and reports, through `ready_fd`, that bubblewrap's set-up succeeded."""
    if report.landlock_abi < 1 and ready_fd is None:
        return []
    args = helper_argv([root.root for root in plan.roots])
    if ready_fd is not None:
        args += ["--ready-fd", str(ready_fd), *guard_args(plan)]
    if report.landlock_abi < 1:
        return [*args, "--no-landlock", "--"]
    if plan.network:
        args.append("--network")
    elif plan.proxy is not None:
        args += plan.proxy.landlock_args()
    # The sandbox's own /dev (a fresh tmpfs with the usual devices, /dev/shm, the PTYs) stays writable.
    args += ["--rw", "/dev"]
    if plan.full_write:
        args += ["--rw", "/"]
    for root in plan.roots:
        args += ["--rw", os.path.realpath(root.root)]
    return [*args, "--"]


def _bubblewrap(
    argv: list[str], plan: Plan, *, cwd: Path, tty: bool, report: SandboxReport, bwrap: str, ready_fd: int | None
) -> Confined:
    if plan.proxy is not None:
        # bubblewrap, then the Landlock helper (the guard, Landlock, the ready byte), then the proxy's forwarder,
        # then the command: a start planned again never reached the proxy, the forwarder never holds `ready_fd`
        # and is itself under Landlock, which lets it bind (and the command reach) only the proxy's loopback ports.
        argv = plan.proxy.bridge_argv(argv)
    program = build_filter(network=plan.network, proxied=plan.proxy is not None)
    seccomp_fd = seccomp_pipe(program) if report.seccomp else None
    owned = [seccomp_fd] if seccomp_fd is not None else []
    placeholders = Placeholders()
    try:
        args = bwrap_argv(
            bwrap,
            plan,
            [*_inner_layer(plan, report, ready_fd), *argv],
            cwd=cwd,
            placeholders=placeholders,
            seccomp_fd=seccomp_fd,
            mount_proc=report.proc_mount,
            # A PTY is ours alone, so it may stay the controlling terminal; pipes get a new session.
            new_session=not tty,
        )
    except BaseException:
        placeholders.release()
        for fd in owned:
            os.close(fd)
        raise
    passed = (*owned, ready_fd) if ready_fd is not None else tuple(owned)
    return Confined(args, pass_fds=passed, backend="bubblewrap", _owned_fds=owned, _placeholders=placeholders)


def _helper(argv: list[str], plan: Plan, *, tty: bool, landlock: bool, seccomp: bool, backend: str) -> Confined:
    args = helper_argv([root.root for root in plan.roots])
    if not tty:
        args.append("--new-session")
    if plan.network:
        args.append("--network")
    if landlock:
        if plan.full_write:
            args += ["--rw", "/"]
        for root in plan.roots:
            args += ["--rw", os.path.realpath(root.root)]
    else:
        args.append("--no-landlock")
    owned: list[int] = []
    if seccomp:
        fd = seccomp_pipe(build_filter(network=plan.network))
        owned.append(fd)
        args += ["--seccomp-fd", str(fd)]
    args += ["--", *argv]
    return Confined(args, pass_fds=tuple(owned), backend=backend, _owned_fds=owned)
