"""Sandbox policies: what a command may read, write and reach.

Serialised with a `type` tag in kebab-case, as Codex does (`read-only`, `workspace-write`, `danger-full-access`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


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


@dataclass(frozen=True)
class WritableRoot:
    """A directory commands may write, and the paths beneath it that stay read-only."""

    root: Path
    read_only_subpaths: tuple[Path, ...]

    def allows(self, path: Path) -> bool:
        """Whether `path` (absolute, normalised) may be written under this root."""
        if not path.is_relative_to(self.root):
            return False
        return not any(path.is_relative_to(sub) for sub in self.read_only_subpaths)


def _protected_subpaths(root: Path, *, is_cwd: bool) -> tuple[Path, ...]:
    found: list[Path] = []
    git = root / ".git"
    if git.is_file():
        # A worktree or submodule: `.git` is a pointer file; its real git dir is protected too.
        try:
            text = git.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        if text.startswith("gitdir:"):
            gitdir = Path(text.removeprefix("gitdir:").strip())
            if not gitdir.is_absolute():
                gitdir = root / gitdir
            gitdir = Path(os.path.normpath(gitdir))
            if gitdir.exists():
                found.append(gitdir)
    if git.exists():
        found.append(git)
    agents = root / ".agents"
    if agents.is_dir():
        found.append(agents)
    codex = root / ".codex"
    if is_cwd or codex.is_dir():
        found.append(codex)
    return tuple(dict.fromkeys(found))


def writable_roots(policy: ReadOnly | WorkspaceWrite | DangerFullAccess, cwd: Path) -> list[WritableRoot]:
    """The writable roots of `policy` for a session in `cwd`, each with its protected subpaths.

    Empty for read-only; for danger-full-access, a single root `/` with nothing protected.
    """
    if isinstance(policy, ReadOnly):
        return []
    if isinstance(policy, DangerFullAccess):
        return [WritableRoot(Path("/"), ())]
    cwd = Path(os.path.normpath(cwd))
    roots: list[Path] = [cwd]
    roots.extend(Path(os.path.normpath(cwd / r)) for r in policy.writable_roots)
    if not policy.exclude_slash_tmp and Path("/tmp").is_dir():
        roots.append(Path("/tmp"))
    tmpdir = os.environ.get("TMPDIR", "")
    if not policy.exclude_tmpdir_env_var and tmpdir:
        roots.append(Path(os.path.normpath(tmpdir)))
    unique = list(dict.fromkeys(roots))
    return [WritableRoot(r, _protected_subpaths(r, is_cwd=(r == cwd))) for r in unique]


def is_path_writable(policy: ReadOnly | WorkspaceWrite | DangerFullAccess, cwd: Path, path: Path) -> bool:
    """Whether `path` may be written under `policy` (lexically normalised against `cwd`)."""
    target = Path(os.path.normpath(cwd / path))
    return any(root.allows(target) for root in writable_roots(policy, cwd))
