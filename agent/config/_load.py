"""The effective configuration of a session, and `load_config` which builds it from every layer."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import ValidationError

from sandbox import DangerFullAccess, NetworkPolicy, ReadOnly, SandboxMode, WorkspaceWrite, policy_for_mode

from ..errors import ConfigError, UnknownConfigKeyError
from ._agents_table import check_agents_settings
from ._auth import with_stored_login
from ._layers import (
    Source,
    get_path,
    leaf_paths,
    read_toml_layer,
    set_path,
    system_config_dir,
)
from ._merge import DEFAULT_SOURCE, merge_config_layers
from ._permissions import Permissions, resolve_permissions
from ._providers import (
    BUILTIN_PROVIDER_IDS,
    DEFAULT_OSS_MODEL,
    DEFAULT_OSS_PROVIDER,
    ProviderInfo,
    builtin_provider,
    provider_from_toml,
)
from ._requirements import apply_more_requirements, reviewer_warnings, with_managed_config
from ._schema import (
    ApprovalPolicy,
    ConfigToml,
    ReasoningEffort,
    ReasoningSummary,
    RequirementsToml,
    Verbosity,
    unknown_keys,
)
from ._support import did_you_mean, unsupported_keys

DEFAULT_MODEL = "gpt-5.5"


@dataclass(frozen=True)
class ConfigOverrides:
    """Explicit settings from command-line flags or a harness (an MCP tool call): they beat every layer."""

    model: str | None = None
    model_provider: str | None = None
    profile: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None
    cwd: Path | None = None
    oss: bool = False
    base_instructions: str | None = None
    developer_instructions: str | None = None
    compact_prompt: str | None = None
    bypass_hook_trust: bool = False
    """Run configured hooks that were never trusted (`--dangerously-bypass-hook-trust`)."""
    labels: Mapping[str, str] = field(default_factory=lambda: {})
    """The flag that set each field, for `config explain` (e.g. {"model": "--model"})."""
    values: Mapping[str, Any] = field(default_factory=lambda: {})
    """Dotted keys with already-parsed values (an MCP tool call's `config` object), applied like `-c`."""


@dataclass(frozen=True)
class Config:
    """Everything a session needs to know, resolved."""

    codex_home: Path
    cwd: Path
    model: str
    provider: ProviderInfo
    provider_explicit: bool
    approval_policy: ApprovalPolicy
    sandbox_mode: SandboxMode
    sandbox_policy: ReadOnly | WorkspaceWrite | DangerFullAccess
    reasoning_effort: ReasoningEffort | None
    reasoning_summary: ReasoningSummary | None
    verbosity: Verbosity | None
    base_instructions: str | None
    developer_instructions: str | None
    compact_prompt: str | None
    toml: ConfigToml
    active_profile: str | None = None
    project_root: Path | None = None
    mcp_servers: Mapping[str, Any] = field(default_factory=lambda: {})
    """`[mcp_servers]` validated into `mcp_client.McpServerConfig` values (empty when none are configured)."""
    project_codex_dirs: tuple[Path, ...] = ()
    """`.codex` directories of the trusted project, root first (their rules and config apply)."""
    warnings: tuple[str, ...] = ()
    network: NetworkPolicy = NetworkPolicy()
    """The network policy of the active permission profile (`enabled` false: commands get no network this way)."""
    permissions_profile: str | None = None
    """The permission profile in force (`default_permissions`), when one is."""
    effective: Mapping[str, Any] = field(default_factory=lambda: {})
    provenance: Mapping[str, Source] = field(default_factory=lambda: {})
    bypass_hook_trust: bool = False
    """Hooks run without their one-time trust (`--dangerously-bypass-hook-trust`)."""

    def source_of(self, key: str) -> Source:
        """The layer that set `key` (a dotted path), or `default`."""
        if key in self.provenance:
            return self.provenance[key]
        prefix = key + "."
        for leaf, source in self.provenance.items():
            if leaf.startswith(prefix):
                return source
        return DEFAULT_SOURCE

    def explain(self, key: str | None = None) -> list[tuple[str, Any, Source]]:
        """Rows of (key, effective value, source), for every key or for `key` and the keys beneath it."""
        rows: dict[str, tuple[Any, Source]] = {}
        core: dict[str, Any] = {
            "model": self.model,
            "model_provider": self.provider.id,
            "approval_policy": self.approval_policy,
            "sandbox_mode": self.sandbox_mode,
            "model_reasoning_effort": self.reasoning_effort,
            "model_reasoning_summary": self.reasoning_summary,
            "project_doc_max_bytes": self.toml.project_doc_max_bytes,
            "profile": self.active_profile,
        }
        for name, value in core.items():
            rows[name] = (value, self.source_of(name))
        for leaf in leaf_paths(dict(self.effective), ""):
            if leaf and leaf not in rows:
                rows[leaf] = (get_path(self.effective, leaf), self.source_of(leaf))
        selected = sorted(rows.items())
        if key is not None:
            selected = [(k, v) for k, v in selected if k == key or k.startswith(key + ".")]
        return [(k, value, source) for k, (value, source) in selected]


def load_config(
    overrides: ConfigOverrides | None = None,
    cli_overrides: Sequence[str] = (),
    *,
    strict: bool = False,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Build the effective configuration from every layer.

    Args:
        overrides: explicit flags (highest precedence).
        cli_overrides: `-c key=value` strings.
        strict: make unknown keys an error instead of a warning.
        env: the environment to read (`CODEX_HOME`, provider keys); defaults to `os.environ`.

    Raises:
        ConfigError: a file is not valid TOML, a value has the wrong type, a profile or provider is unknown, or (with
            `strict`) a key is unknown. The message names the key and the file and line or flag.
    """
    overrides = overrides or ConfigOverrides()
    env = os.environ if env is None else env
    layered = merge_config_layers(
        cwd=overrides.cwd,
        profile=overrides.profile,
        cli_overrides=cli_overrides,
        values=overrides.values,
        labels=overrides.labels,
        env=env,
    )
    home, cwd, merged, provenance = layered.codex_home, layered.cwd, layered.merged, layered.provenance
    warnings = list(layered.warnings)
    active_profile, project_root, trust = layered.active_profile, layered.project_root, layered.trust
    project_codex_dirs = list(layered.project_codex_dirs)
    user_config = home / "config.toml"

    _check_before_overriding(merged, provenance)
    _apply_explicit(overrides, merged, provenance)
    if active_profile is not None:
        merged["profile"] = active_profile

    try:
        toml = ConfigToml.model_validate(merged)
    except ValidationError as exc:
        raise _validation_error(exc, provenance) from None

    warnings.extend(_unknown_key_warnings(toml, provenance, strict=strict))
    check_agents_settings(toml.agents, provenance)

    # Provider.
    provider = _provider(toml, env, provenance, warnings, user_config)

    provider = with_stored_login(provider, home, toml)
    model = toml.model or (DEFAULT_OSS_MODEL if provider.is_local else DEFAULT_MODEL)

    # Sandbox and approvals, then requirements.
    default_sandbox: SandboxMode = "workspace-write" if trust is not None else "read-only"
    permissions = resolve_permissions(toml, provenance, flag=overrides.sandbox_mode, warnings=warnings)
    sandbox_mode: SandboxMode = permissions.mode if permissions else (toml.sandbox_mode or default_sandbox)
    default_approval: ApprovalPolicy = "untrusted" if trust == "untrusted" else "on-request"
    approval_policy: ApprovalPolicy = toml.approval_policy or default_approval
    requirements = with_managed_config(_load_requirements())
    if requirements is not None:
        approval_policy, sandbox_mode = _apply_requirements(requirements, approval_policy, sandbox_mode, toml, warnings)
        toml = apply_more_requirements(requirements, toml, warnings)
    warnings.extend(reviewer_warnings(toml, approval_policy))

    sandbox_policy = _sandbox_policy(toml, sandbox_mode, permissions)

    base_instructions, compact_prompt = _instruction_files(overrides, toml, provenance)
    mcp_servers = _mcp_servers(toml, provenance, warnings, strict=strict)

    return Config(
        codex_home=home,
        cwd=cwd,
        model=model,
        provider=provider,
        provider_explicit="model_provider" in provenance,
        approval_policy=approval_policy,
        sandbox_mode=sandbox_mode,
        sandbox_policy=sandbox_policy,
        reasoning_effort=toml.model_reasoning_effort,
        reasoning_summary=toml.model_reasoning_summary,
        verbosity=toml.model_verbosity,
        base_instructions=base_instructions,
        developer_instructions=toml.developer_instructions,
        compact_prompt=compact_prompt,
        toml=toml,
        active_profile=active_profile,
        project_root=project_root,
        project_codex_dirs=tuple(project_codex_dirs),
        mcp_servers=mcp_servers,
        warnings=tuple(warnings),
        network=permissions.network if permissions and sandbox_mode != "danger-full-access" else NetworkPolicy(),
        permissions_profile=permissions.profile if permissions else None,
        effective=merged,
        provenance=provenance,
        bypass_hook_trust=overrides.bypass_hook_trust,
    )


def _sandbox_policy(
    toml: ConfigToml, mode: SandboxMode, permissions: Permissions | None
) -> ReadOnly | WorkspaceWrite | DangerFullAccess:
    """The permission profile's policy, or (no profile, or requirements changed its mode) the one of `mode` with
    `[sandbox_workspace_write]`."""
    if permissions is not None and permissions.mode == mode:
        return permissions.policy
    wsw = toml.sandbox_workspace_write
    return policy_for_mode(
        mode,
        writable_roots=tuple(Path(r).expanduser() for r in wsw.writable_roots),
        network_access=wsw.network_access,
        exclude_tmpdir_env_var=wsw.exclude_tmpdir_env_var,
        exclude_slash_tmp=wsw.exclude_slash_tmp,
    )


def _check_before_overriding(merged: Mapping[str, Any], provenance: Mapping[str, Source]) -> None:
    """A configured `approval_policy` / `sandbox_mode` must be valid even when a flag replaces it (exec forces
    `never`), or a typo in config.toml would go unnoticed."""
    for key, allowed in (("approval_policy", get_args(ApprovalPolicy)), ("sandbox_mode", get_args(SandboxMode))):
        value = merged.get(key)
        if value is not None and value not in allowed:
            source = provenance.get(key)
            raise ConfigError(
                f"invalid value for `{key}`{f' ({source})' if source else ''}: {value!r} "
                f"(choose from {', '.join(allowed)})",
                key=key,
                source=str(source or ""),
            )


def _apply_explicit(overrides: ConfigOverrides, merged: dict[str, Any], provenance: dict[str, Source]) -> None:
    """Front-door settings beat every layer; each is recorded with the flag that set it."""
    explicit: dict[str, Any] = {
        "model": overrides.model,
        "model_provider": overrides.model_provider,
        "approval_policy": overrides.approval_policy,
        "sandbox_mode": overrides.sandbox_mode,
        "developer_instructions": overrides.developer_instructions,
        "compact_prompt": overrides.compact_prompt,
    }
    if overrides.oss and overrides.model_provider is None:
        explicit["model_provider"] = merged.get("oss_provider") or DEFAULT_OSS_PROVIDER
    for name, value in explicit.items():
        if value is not None:
            set_path(merged, [name], value)
            provenance[name] = Source(overrides.labels.get(name, f"--{name.replace('_', '-')}"))


def _unknown_key_warnings(toml: ConfigToml, provenance: Mapping[str, Source], *, strict: bool) -> list[str]:
    """A warning per unknown key, naming where it was set (with `strict`, the first one is an error)."""
    warnings: list[str] = []
    for key in unknown_keys(toml):
        source = provenance.get(key) or _nearest_source(provenance, key)
        where = f" in {source}" if source else ""
        hint = did_you_mean(key, ConfigToml)
        if strict:
            raise UnknownConfigKeyError(f"unknown configuration key `{key}`{where}{hint}", key=key, source=str(source))
        warnings.append(f"unknown configuration key `{key}`{where} (ignored){hint}")
    # Keys Codex has and pycodex does not act on: said once, never accepted silently.
    _report_unsupported(unsupported_keys(provenance), provenance, warnings, strict=strict)
    return warnings


def _report_unsupported(
    unsupported: list[str], provenance: Mapping[str, Source], warnings: list[str], *, strict: bool
) -> None:
    """One warning naming every key pycodex recognises and does not act on (with `strict`, an error)."""
    if not unsupported:
        return
    where = ", ".join(f"`{key}` in {_nearest_source(provenance, key)}" for key in unsupported)
    message = f"recognised but not supported by pycodex: {where}"
    if strict:
        first = unsupported[0]
        raise UnknownConfigKeyError(message, key=first, source=str(_nearest_source(provenance, first)))
    warnings.append(f"{message}. These keys are ignored.")


def _provider(
    toml: ConfigToml, env: Mapping[str, str], provenance: Mapping[str, Source], warnings: list[str], user_config: Path
) -> ProviderInfo:
    """The selected model provider: a built-in one or a `[model_providers.ID]` table."""
    provider_id = toml.model_provider or "openai"
    provider = builtin_provider(provider_id, env, toml.openai_base_url)
    if provider_id in toml.model_providers:
        if provider is not None:
            warnings.append(f"[model_providers.{provider_id}] cannot redefine the built-in provider `{provider_id}`")
        else:
            provider = provider_from_toml(provider_id, toml.model_providers[provider_id])
    if provider is None:
        known = sorted({*BUILTIN_PROVIDER_IDS, *toml.model_providers})
        raise ConfigError(
            f"unknown model provider `{provider_id}`; known providers: {', '.join(known)}. "
            f"Define it under [model_providers.{provider_id}] in {user_config}.",
            key="model_provider",
            source=str(provenance.get("model_provider", DEFAULT_SOURCE)),
        )

    return provider


def _instruction_files(
    overrides: ConfigOverrides, toml: ConfigToml, provenance: Mapping[str, Source]
) -> tuple[str | None, str | None]:
    """The base instructions and the compaction prompt, read from their files when configured so."""
    base_instructions = overrides.base_instructions
    if base_instructions is None and toml.model_instructions_file:
        path = Path(toml.model_instructions_file).expanduser()
        try:
            base_instructions = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read model_instructions_file {path}: {exc.strerror}",
                key="model_instructions_file",
                source=str(provenance.get("model_instructions_file")),
            ) from exc

    compact_prompt = toml.compact_prompt
    if compact_prompt is None and toml.experimental_compact_prompt_file:
        try:
            compact_prompt = Path(toml.experimental_compact_prompt_file).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read experimental_compact_prompt_file: {exc.strerror}",
                key="experimental_compact_prompt_file",
            ) from exc

    return base_instructions, compact_prompt


def _mcp_servers(
    toml: ConfigToml, provenance: Mapping[str, Source], warnings: list[str], *, strict: bool
) -> dict[str, Any]:
    """`[mcp_servers]`, checked by the MCP client's own rules; a key no server table declares, or one pycodex does
    not act on, is reported (with `strict`, an error) like any other key."""
    mcp_servers: dict[str, Any] = {}
    if toml.mcp_servers:
        import mcp_client  # only when servers are configured: it is slow to import

        unsupported: list[str] = []
        for name, table in toml.mcp_servers.items():
            for sub in mcp_client.unknown_server_keys(table):
                key = f"mcp_servers.{name}.{sub}"
                source = provenance.get(key) or _nearest_source(provenance, key)
                where = f" in {source}" if source else ""
                near = mcp_client.nearest_server_key(sub)
                hint = f" (did you mean `mcp_servers.{name}.{near}`?)" if near else ""
                if strict:
                    raise UnknownConfigKeyError(
                        f"unknown configuration key `{key}`{where}{hint}", key=key, source=str(source)
                    )
                warnings.append(f"unknown configuration key `{key}`{where} (ignored){hint}")
            unsupported += [f"mcp_servers.{name}.{key}" for key in table if key in mcp_client.UNSUPPORTED_SERVER_KEYS]
        _report_unsupported(unsupported, provenance, warnings, strict=strict)
        try:
            mcp_servers = mcp_client.parse_mcp_servers(dict(toml.mcp_servers))
        except mcp_client.McpConfigError as exc:
            raise ConfigError(
                f"invalid MCP server configuration: {exc}",
                key="mcp_servers",
                source=str(_nearest_source(provenance, "mcp_servers") or ""),
            ) from None

    return mcp_servers


def _nearest_source(provenance: Mapping[str, Source], key: str) -> Source | None:
    parts = key.split(".")
    while parts:
        found = provenance.get(".".join(parts))
        if found is not None:
            return found
        prefix = ".".join(parts) + "."
        for leaf, source in provenance.items():
            if leaf.startswith(prefix):
                return source
        parts.pop()
    return None


def _validation_error(exc: ValidationError, provenance: Mapping[str, Source]) -> ConfigError:
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-", "literal[")))
    source = provenance.get(key) or _nearest_source(provenance, key)
    where = f" ({source})" if source else ""
    value = first.get("input")
    return ConfigError(
        f"invalid value for `{key}`{where}: {first['msg']} (got {value!r})", key=key, source=str(source or "")
    )


def _load_requirements() -> RequirementsToml | None:
    layer = read_toml_layer(system_config_dir() / "requirements.toml", "requirements")
    if layer is None:
        return None
    try:
        requirements = RequirementsToml.model_validate(layer.data)
    except ValidationError as exc:
        raise _validation_error(exc, {k: layer.source_of(k) for k in leaf_paths(layer.data, "")}) from None
    if requirements.allowed_sandbox_modes is not None and "read-only" not in requirements.allowed_sandbox_modes:
        raise ConfigError(
            f"allowed_sandbox_modes in {layer.path} must include `read-only`",
            key="allowed_sandbox_modes",
            source=str(layer.path),
        )
    return requirements


def _apply_requirements(
    req: RequirementsToml,
    approval_policy: ApprovalPolicy,
    sandbox_mode: SandboxMode,
    toml: ConfigToml,
    warnings: list[str],
) -> tuple[ApprovalPolicy, SandboxMode]:
    allowed_approvals = req.allowed_approval_policies
    if allowed_approvals is not None and approval_policy not in allowed_approvals:
        if toml.approval_policy is not None:
            warnings.append(
                f"approval_policy `{approval_policy}` is not allowed by requirements.toml; "
                f"using `{allowed_approvals[0]}` instead"
            )
        approval_policy = allowed_approvals[0]
    allowed_modes = req.allowed_sandbox_modes
    if allowed_modes is not None and sandbox_mode not in allowed_modes:
        fallback: Literal["read-only"] = "read-only"
        if toml.sandbox_mode is not None:
            warnings.append(
                f"sandbox_mode `{sandbox_mode}` is not allowed by requirements.toml; using `{fallback}` instead"
            )
        sandbox_mode = fallback
    return approval_policy, sandbox_mode
