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

from ..errors import ConfigError
from ._layers import Source
from ._schema import ConfigToml


@dataclass(frozen=True)
class Permissions:
    """What the active permission profile decides: the sandbox policy, its mode name, and the network policy."""

    profile: str
    mode: sandbox.SandboxMode
    policy: sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess
    network: sandbox.NetworkPolicy
    warnings: tuple[str, ...]


def resolve_permissions(
    toml: ConfigToml, provenance: Mapping[str, Source], *, flag: str | None, warnings: list[str]
) -> Permissions | None:
    """The profile `default_permissions` names, or None when none is named or a sandbox mode `flag` beats it (a
    sandbox mode given on the command line wins over the profile; the profile wins over `sandbox_mode` in files).
    The profile's warnings are added to `warnings`."""
    name = toml.default_permissions
    if not name or flag:
        return None
    try:
        profile = sandbox.permission_profile(toml.permissions, name)
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
    warnings.extend(profile.warnings)
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
