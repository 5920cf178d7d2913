"""Turning a command and a policy into the argv that runs it confined (Linux: bubblewrap).

First version: bubblewrap with a read-only root, writable binds for the roots and protected re-binds; network
isolation by a new network namespace. Seccomp, Landlock and macOS live beside this module as they land.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite, has_full_network, writable_roots
from .errors import SandboxUnavailableError


@dataclass
class Confined:
    """The argv to execute and the file descriptors it needs inherited."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    _owned_fds: list[int] = field(default_factory=lambda: [])

    def close(self) -> None:
        """Close descriptors held only for the child (call after spawning)."""
        for fd in self._owned_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._owned_fds.clear()


def find_bwrap() -> str | None:
    """The bubblewrap binary on PATH, if any."""
    return shutil.which("bwrap")


def confine(
    argv: list[str], *, policy: ReadOnly | WorkspaceWrite | DangerFullAccess, cwd: Path, policy_cwd: Path
) -> Confined:
    """Wrap `argv` so that the kernel enforces `policy`; raise `SandboxUnavailableError` when it cannot."""
    if isinstance(policy, DangerFullAccess):
        return Confined(list(argv))
    if sys.platform != "linux":
        raise SandboxUnavailableError(
            f"the {policy.type} sandbox is not available on {sys.platform} yet; "
            "use --sandbox danger-full-access to run unconfined",
            missing="platform sandbox",
        )
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxUnavailableError(
            f"the {policy.type} sandbox needs bubblewrap (`bwrap`), which is not installed; "
            "install it (apt-get install bubblewrap) or run with --sandbox danger-full-access",
            missing="bubblewrap",
        )
    args = [bwrap, "--new-session", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"]
    for root in writable_roots(policy, policy_cwd):
        if not root.root.exists():
            continue
        args += ["--bind", str(root.root), str(root.root)]
        for sub in root.read_only_subpaths:
            if sub.exists():
                args += ["--ro-bind", str(sub), str(sub)]
    args += ["--unshare-user", "--unshare-pid"]
    if not has_full_network(policy):
        args.append("--unshare-net")
    args += ["--proc", "/proc", "--chdir", str(cwd), "--", *argv]
    return Confined(args)
