"""What a policy means on disk: the writable roots, the paths inside them that stay read-only, and the network.

Kept free of pydantic so that `pycodex sandbox linux` can compute a plan without paying for model imports; the
policy models in `_policy` delegate here, so both doors share one set of rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class WritableRoot:
    """A directory commands may write, and the paths beneath it that stay read-only."""

    root: Path
    read_only_subpaths: tuple[Path, ...]
    # Those of `read_only_subpaths` that stay read-only even while they do not exist (the workspace's `.codex`).
    required: tuple[Path, ...] = field(default=(), compare=False)

    def allows(self, path: Path) -> bool:
        """Whether `path` (absolute, normalised) may be written under this root."""
        if not path.is_relative_to(self.root):
            return False
        return not any(path.is_relative_to(sub) for sub in self.read_only_subpaths)


@dataclass(frozen=True)
class Plan:
    """What the kernel must enforce for one command.

    `full_write` with `network` means no confinement at all (danger-full-access). Otherwise the whole filesystem is
    readable, only `roots` are writable (minus their read-only subpaths), and the network is reachable only when
    `network` is set.
    """

    full_write: bool
    network: bool
    roots: tuple[WritableRoot, ...] = ()

    @property
    def unconfined(self) -> bool:
        """True when nothing is restricted, so no sandbox needs to be applied."""
        return self.full_write and self.network


def _norm(path: Path) -> Path:
    return Path(os.path.normpath(path))


def _gitdir_of_pointer(git_file: Path) -> Path | None:
    """The directory a `.git` pointer file (worktree, submodule) names, if it exists."""
    try:
        text = git_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text.removeprefix("gitdir:").strip())
    if not target.is_absolute():
        target = git_file.parent / target
    target = _norm(target)
    return target if target.exists() else None


def protected_subpaths(root: Path, *, is_cwd: bool) -> tuple[Path, ...]:
    """The paths under `root` that stay read-only: git metadata, `.agents`, `.codex` (always for the cwd root).

    Order follows Codex: the real git dir of a pointer file, `.git`, `.agents`, `.codex`.
    """
    found: list[Path] = []
    git = root / ".git"
    if git.is_file():
        gitdir = _gitdir_of_pointer(git)
        if gitdir is not None:
            found.append(gitdir)
    if git.is_dir() or git.is_file():
        found.append(git)
    agents = root / ".agents"
    if agents.is_dir():
        found.append(agents)
    codex = root / ".codex"
    if is_cwd or codex.is_dir():
        found.append(codex)
    return tuple(dict.fromkeys(found))


def workspace_roots(
    cwd: Path,
    *,
    extra_roots: tuple[Path, ...] = (),
    exclude_tmpdir_env_var: bool = False,
    exclude_slash_tmp: bool = False,
    environ: dict[str, str] | None = None,
) -> tuple[WritableRoot, ...]:
    """The writable roots of workspace-write in `cwd`: the cwd, `extra_roots`, /tmp and $TMPDIR."""
    env = os.environ if environ is None else environ
    cwd = _norm(cwd)
    roots: list[Path] = [cwd]
    roots.extend(_norm(cwd / r) for r in extra_roots)
    if not exclude_slash_tmp and Path("/tmp").is_dir():
        roots.append(Path("/tmp"))
    tmpdir = env.get("TMPDIR", "")
    if not exclude_tmpdir_env_var and tmpdir:
        roots.append(_norm(cwd / tmpdir))
    unique = list(dict.fromkeys(roots))
    return tuple(
        WritableRoot(r, protected_subpaths(r, is_cwd=(r == cwd)), (r / ".codex",) if r == cwd else ()) for r in unique
    )


def plan_for_mode(
    mode: str,
    cwd: Path,
    *,
    writable_roots: tuple[Path, ...] = (),
    network_access: bool = False,
    exclude_tmpdir_env_var: bool = False,
    exclude_slash_tmp: bool = False,
) -> Plan:
    """The plan for a `sandbox_mode` value (`read-only`, `workspace-write`, `danger-full-access`) in `cwd`."""
    if mode == "read-only":
        return Plan(full_write=False, network=False)
    if mode == "danger-full-access":
        return Plan(full_write=True, network=True)
    if mode == "workspace-write":
        roots = workspace_roots(
            cwd,
            extra_roots=writable_roots,
            exclude_tmpdir_env_var=exclude_tmpdir_env_var,
            exclude_slash_tmp=exclude_slash_tmp,
        )
        return Plan(full_write=False, network=network_access, roots=roots)
    raise ValueError(f"unknown sandbox mode {mode!r}; expected read-only, workspace-write or danger-full-access")
