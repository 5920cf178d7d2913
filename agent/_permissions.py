"""`default_permissions` and `[permissions.<name>]`: the permission profile that sets the sandbox and the network.

A profile replaces `sandbox_mode` and `[sandbox_workspace_write]` from the config files; a sandbox mode given on the
command line (`--sandbox`, `--full-auto`, ...) still wins, and then the profile is not used at all. The rules of a
profile are read by `sandbox.permission_profile` (one reading for the engine and `pycodex sandbox`).
`[features] network_proxy` is accepted, as Codex needs it, and not required: the network table of the profile is what
turns the proxy on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import sandbox

from ._config_layers import Source
from .errors import ConfigError


@dataclass(frozen=True)
class Permissions:
    """What the active permission profile decides: the sandbox policy, its mode name, and the network policy."""

    profile: str
    mode: sandbox.SandboxMode
    policy: sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess
    network: sandbox.NetworkPolicy
    warnings: tuple[str, ...]


def resolve_permissions(
    name: str | None, permissions: Mapping[str, object], provenance: Mapping[str, Source]
) -> Permissions | None:
    """The profile `name` (from `default_permissions`), or None when no profile is selected."""
    if not name:
        return None
    try:
        profile = sandbox.permission_profile(permissions, name)
    except sandbox.ProfileError as exc:
        source = provenance.get(exc.key) or _nearest(provenance, exc.key)
        where = f" ({source})" if source else ""
        raise ConfigError(f"{exc}{where}", key=exc.key, source=str(source or "")) from None
    mode = cast("sandbox.SandboxMode", profile.mode)
    policy = sandbox.policy_for_mode(
        mode,
        writable_roots=profile.writable_roots,
        exclude_tmpdir_env_var=profile.exclude_tmpdir_env_var,
        exclude_slash_tmp=profile.exclude_slash_tmp,
    )
    return Permissions(name, mode, policy, profile.network, profile.warnings)


def _nearest(provenance: Mapping[str, Source], key: str) -> Source | None:
    parts = key.replace('"', "").split(".")
    while parts:
        prefix = ".".join(parts)
        for leaf, source in provenance.items():
            if leaf == prefix or leaf.startswith(prefix + "."):
                return source
        parts.pop()
    return None
