"""Permission profiles (`default_permissions` and `[permissions.<name>]`) mapped onto the sandbox's policies.

```toml
default_permissions = "dev"
[permissions.dev.filesystem]
":root" = "read"              # read everything (the default; "write" means no filesystem confinement)
":project_roots" = "write"    # the workspace (also ":cwd"); a table { "." = "write" } says the same
":tmpdir" = "write"           # $TMPDIR
"/tmp" = "write"              # any other absolute or ~ path: "write" makes it a writable root, "read" is a no-op
[permissions.dev.network]
enabled = true
mode = "limited"              # or "full"
domains = { "pypi.org" = "allow", "*.pythonhosted.org" = "allow", "evil.example" = "deny" }
allow_local_binding = false
enable_socks5 = false
```

A profile with no writable path is read-only; with writable paths it is workspace-write (the workspace is then always
writable, as pycodex's workspace-write policy has it); `":root" = "write"` is danger-full-access. What pycodex does
not enforce (`"none"` access, Unix socket rules, UDP over SOCKS5, an upstream proxy, fixed listener addresses) is
refused or reported as a warning, never dropped silently.

Pure stdlib, like `_plan`, so `pycodex sandbox` reads profiles without pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ._netpolicy import NetworkPolicy, validate_pattern

_WORKSPACE_KEYS = (":project_roots", ":cwd", ":workspace_roots")
_NETWORK_KEYS = {
    "enabled",
    "mode",
    "domains",
    "allow_local_binding",
    "enable_socks5",
    "proxy_url",
    "socks_url",
    "enable_socks5_udp",
    "allow_upstream_proxy",
    "dangerously_allow_non_loopback_proxy",
    "dangerously_allow_all_unix_sockets",
    "unix_sockets",
    "mitm",
}


class ProfileError(ValueError):
    """A permission profile that cannot be used; `key` is the dotted config key at fault."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class PermissionProfile:
    """A profile resolved: the sandbox mode and its workspace-write settings, and the network policy."""

    name: str
    mode: str
    writable_roots: tuple[Path, ...] = ()
    exclude_tmpdir_env_var: bool = True
    exclude_slash_tmp: bool = True
    network: NetworkPolicy = NetworkPolicy()
    warnings: tuple[str, ...] = ()


def _table(value: object, key: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ProfileError(f"`{key}` must be a table", key=key)
    return cast("Mapping[str, object]", value)


def _bool(table: Mapping[str, object], name: str, key: str) -> bool:
    value = table.get(name, False)
    if not isinstance(value, bool):
        raise ProfileError(f"`{key}.{name}` must be true or false (got {value!r})", key=f"{key}.{name}")
    return value


def _access(value: object, key: str) -> str:
    if value not in ("read", "write", "none"):
        raise ProfileError(f'`{key}` must be "read", "write" or "none" (got {value!r})', key=key)
    if value == "none":
        raise ProfileError(
            f'`{key}` = "none" (hiding a path from commands) is not supported by pycodex\'s sandbox yet', key=key
        )
    return cast("str", value)


def _filesystem(table: Mapping[str, object], key: str, warnings: list[str]) -> tuple[str, list[Path], bool, bool]:
    """(mode, extra writable roots, include $TMPDIR, include /tmp)."""
    root = _access(table.get(":root", "read"), f'{key}.":root"')
    if root == "write":
        return "danger-full-access", [], True, True
    if _bool(table, "allow_limited_git_writes", key):
        warnings.append(f"`{key}.allow_limited_git_writes` is not supported: .git stays read-only")
    roots: list[Path] = []
    workspace = tmpdir = slash_tmp = False
    for name, value in table.items():
        entry = f'{key}."{name}"'
        if name in (":root", "allow_limited_git_writes"):
            continue
        if name in _WORKSPACE_KEYS and isinstance(value, Mapping):
            scoped = cast("Mapping[str, object]", value)
            if set(scoped) != {"."}:
                raise ProfileError(f'`{entry}` supports only the key "." (the workspace itself)', key=entry)
            value = scoped["."]
        if _access(value, entry) == "read":
            continue
        if name in _WORKSPACE_KEYS:
            workspace = True
        elif name == ":tmpdir":
            tmpdir = True
        elif name == "/tmp":
            slash_tmp = True
        elif name.startswith(("/", "~")):
            roots.append(Path(name).expanduser())
        else:
            raise ProfileError(
                f'`{entry}`: expected an absolute path, a ~ path, ":root", ":project_roots" or ":tmpdir"',
                key=entry,
            )
    if not (workspace or tmpdir or slash_tmp or roots):
        return "read-only", [], False, False
    if not workspace:
        warnings.append(f"`{key}` makes paths writable: the workspace is writable too under pycodex's sandbox")
    return "workspace-write", roots, tmpdir, slash_tmp


def _domains(value: object, key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    allow: list[str] = []
    deny: list[str] = []
    for pattern, rule in _table(value, key).items():
        entry = f'{key}."{pattern}"'
        problem = validate_pattern(pattern)
        if problem is not None:
            raise ProfileError(f"`{entry}`: {problem}", key=entry)
        if rule == "allow":
            allow.append(pattern)
        elif rule == "deny":
            deny.append(pattern)
        else:
            raise ProfileError(f'`{entry}` must be "allow" or "deny" (got {rule!r})', key=entry)
    return tuple(allow), tuple(deny)


def network_policy(table: Mapping[str, object], key: str, profile: str, warnings: list[str]) -> NetworkPolicy:
    """`[permissions.<profile>.network]` as a `NetworkPolicy`; unsupported settings are added to `warnings`."""
    unknown = [name for name in table if name not in _NETWORK_KEYS]
    warnings.extend(f"unknown configuration key `{key}.{name}` (ignored)" for name in unknown)
    mode = table.get("mode", "full")
    if mode not in ("full", "limited"):
        raise ProfileError(f'`{key}.mode` must be "full" or "limited" (got {mode!r})', key=f"{key}.mode")
    allow, deny = _domains(table.get("domains"), f"{key}.domains")
    fixed = [name for name in ("proxy_url", "socks_url") if name in table]
    warnings.extend(f"`{key}.{name}` is not used: the proxy listens on ephemeral loopback ports" for name in fixed)
    for name, what in (
        ("enable_socks5_udp", "UDP over SOCKS5 is not supported"),
        ("allow_upstream_proxy", "the proxy does not chain to an upstream proxy"),
        ("dangerously_allow_non_loopback_proxy", "the proxy listens on loopback only"),
        ("dangerously_allow_all_unix_sockets", "Unix socket rules are not supported"),
    ):
        if _bool(table, name, key):
            warnings.append(f"`{key}.{name}` is ignored: {what}")
    if table.get("unix_sockets"):
        warnings.append(f"`{key}.unix_sockets` is ignored: Unix socket rules are not supported")
    if "mitm" in table:
        warnings.append(f"`{key}.mitm` is ignored: the proxy never intercepts TLS")
    return NetworkPolicy(
        enabled=_bool(table, "enabled", key),
        mode=mode,
        allow=allow,
        deny=deny,
        allow_local_binding=_bool(table, "allow_local_binding", key),
        socks5=_bool(table, "enable_socks5", key),
        profile=profile,
    )


def permission_profile(permissions: Mapping[str, object], name: str) -> PermissionProfile:
    """The profile `name` of the `[permissions]` table; `ProfileError` names the key when it cannot be used."""
    if name not in permissions:
        known = ", ".join(sorted(permissions)) or "none are defined"
        raise ProfileError(
            f"default_permissions names the profile `{name}`, but there is no [permissions.{name}] ({known})",
            key="default_permissions",
        )
    key = f"permissions.{name}"
    profile = _table(permissions[name], key)
    extras = [extra for extra in profile if extra not in ("filesystem", "network")]
    warnings = [f"unknown configuration key `{key}.{extra}` (ignored)" for extra in extras]
    mode, roots, tmpdir, slash_tmp = _filesystem(
        _table(profile.get("filesystem"), f"{key}.filesystem"), f"{key}.filesystem", warnings
    )
    network = network_policy(_table(profile.get("network"), f"{key}.network"), f"{key}.network", name, warnings)
    if mode == "danger-full-access" and network.enabled:
        raise ProfileError(
            f'`{key}.filesystem.":root" = "write"` turns the sandbox off, so its network rules could not be '
            'enforced; use ":root" = "read" with writable paths, or drop the network table',
            key=f"{key}.filesystem",
        )
    return PermissionProfile(
        name=name,
        mode=mode,
        writable_roots=tuple(roots),
        exclude_tmpdir_env_var=not tmpdir,
        exclude_slash_tmp=not slash_tmp,
        network=network,
        warnings=tuple(warnings),
    )
