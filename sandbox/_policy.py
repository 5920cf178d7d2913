"""Sandbox policies: what a command may read, write and reach.

Serialised with a `type` tag in kebab-case, as Codex does (`read-only`, `workspace-write`, `danger-full-access`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._plan import Plan, WritableRoot, plan_for_mode


class ReadOnly(BaseModel):
    """Read anything, write nothing (but /dev/null), no network."""

    model_config = ConfigDict(frozen=True)
    type: Literal["read-only"] = "read-only"
    network_access: bool = False


class WorkspaceWrite(BaseModel):
    """Read anything; write the workspace, /tmp, $TMPDIR and `writable_roots`; network only when allowed."""

    model_config = ConfigDict(frozen=True)
    type: Literal["workspace-write"] = "workspace-write"
    writable_roots: tuple[Path, ...] = ()
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class DangerFullAccess(BaseModel):
    """No confinement at all."""

    model_config = ConfigDict(frozen=True)
    type: Literal["danger-full-access"] = "danger-full-access"


SandboxPolicy = Annotated[ReadOnly | WorkspaceWrite | DangerFullAccess, Field(discriminator="type")]

SandboxMode = Literal["read-only", "workspace-write", "danger-full-access"]


def policy_for_mode(
    mode: SandboxMode,
    *,
    writable_roots: tuple[Path, ...] = (),
    network_access: bool = False,
    exclude_tmpdir_env_var: bool = False,
    exclude_slash_tmp: bool = False,
) -> ReadOnly | WorkspaceWrite | DangerFullAccess:
    """Build the policy for a `sandbox_mode` value and its `[sandbox_workspace_write]` settings."""
    if mode == "read-only":
        return ReadOnly()
    if mode == "danger-full-access":
        return DangerFullAccess()
    return WorkspaceWrite(
        writable_roots=writable_roots,
        network_access=network_access,
        exclude_tmpdir_env_var=exclude_tmpdir_env_var,
        exclude_slash_tmp=exclude_slash_tmp,
    )


def has_full_network(policy: ReadOnly | WorkspaceWrite | DangerFullAccess) -> bool:
    """Whether commands under `policy` may use the network."""
    if isinstance(policy, DangerFullAccess):
        return True
    return policy.network_access


def plan_for_policy(policy: ReadOnly | WorkspaceWrite | DangerFullAccess, cwd: Path) -> Plan:
    """What the kernel must enforce for `policy` in a session whose workspace is `cwd`."""
    if isinstance(policy, ReadOnly):
        return Plan(full_write=False, network=policy.network_access)
    if isinstance(policy, DangerFullAccess):
        return plan_for_mode("danger-full-access", cwd)
    return plan_for_mode(
        "workspace-write",
        cwd,
        writable_roots=policy.writable_roots,
        network_access=policy.network_access,
        exclude_tmpdir_env_var=policy.exclude_tmpdir_env_var,
        exclude_slash_tmp=policy.exclude_slash_tmp,
    )


def writable_roots(policy: ReadOnly | WorkspaceWrite | DangerFullAccess, cwd: Path) -> list[WritableRoot]:
    """The writable roots of `policy` for a session in `cwd`, each with its protected subpaths.

    Empty for read-only; for danger-full-access, a single root `/` with nothing protected.
    """
    if isinstance(policy, DangerFullAccess):
        return [WritableRoot(Path("/"), ())]
    return list(plan_for_policy(policy, cwd).roots)


def is_path_writable(policy: ReadOnly | WorkspaceWrite | DangerFullAccess, cwd: Path, path: Path) -> bool:
    """Whether `path` may be written under `policy`: as written (`..` and absolute paths normalised against `cwd`)
    and again after following symlinks, so a link inside a writable root cannot carry a write outside it."""
    if isinstance(policy, DangerFullAccess):
        return True
    target = Path(os.path.normpath(cwd / path))
    roots = writable_roots(policy, cwd)  # computed once: each computation looks at the filesystem
    if not any(root.allows(target) for root in roots):
        return False
    # The existing part of the path resolved; the roots are taken both from `cwd` and from its real location, for a
    # workspace that is itself reached through a link.
    real = Path(os.path.realpath(target))
    real_cwd = Path(os.path.realpath(cwd))
    real_roots = roots if real_cwd == cwd else writable_roots(policy, real_cwd)
    return any(root.allows(real) for root in real_roots) or any(root.allows(real) for root in roots)
