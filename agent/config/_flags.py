"""The one path from a front door's settings to `ConfigOverrides`, and finding a local model server.

Every front door (exec and the TUI's flags, the MCP server's `codex` tool arguments, the app-server's and ACP's
params) fills a `SessionFlags` and calls `overrides_from_flags`: the allowed sandbox modes and approval policies are
declared once (the `Literal`s below, read with `get_args`), validated once, and a bad value is named with the
front door's own spelling of the setting (`--sandbox`, `` `sandbox` ``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

from sandbox import SandboxMode, policy_for_mode

from ..errors import ConfigError, ProviderAuthError, ProviderNotConfiguredError
from ._choices import APPROVAL_POLICIES, SANDBOX_MODES, ApprovalPolicy
from ._load import ConfigOverrides
from ._providers import builtin_provider
from ._schema import ApprovalsReviewerName, ReasoningEffort

if TYPE_CHECKING:
    from ._load import Config


class FlagError(ConfigError):
    """A front door was given a value its setting does not take (a usage error: exit code 2)."""


@dataclass(frozen=True)
class SessionFlags:
    """What a front door may set for a session, as it was given (strings not yet checked)."""

    model: str | None = None
    profile: str | None = None
    sandbox: str | None = None
    approval_policy: str | None = None
    cwd: Path | None = None
    oss: bool = False
    full_auto: bool = False
    """Sandboxed work without questions: workspace-write, and on-request approvals where someone can be asked."""
    bypass_approvals_and_sandbox: bool = False
    base_instructions: str | None = None
    developer_instructions: str | None = None
    compact_prompt: str | None = None
    bypass_hook_trust: bool = False
    """Run hooks nobody trusted yet (exec's `--dangerously-bypass-hook-trust`)."""
    values: Mapping[str, Any] = field(default_factory=lambda: {})
    """Dotted keys with parsed values (an MCP tool call's `config` object), applied like `-c`."""


@dataclass(frozen=True)
class FlagNames:
    """How a front door spells each setting, for messages and `config explain`."""

    sandbox: str = "--sandbox"
    approval_policy: str = "--ask-for-approval"
    model: str = "--model"
    profile: str = "--profile"
    oss: str = "--oss"
    full_auto: str = "--full-auto"
    bypass: str = "--dangerously-bypass-approvals-and-sandbox"
    values: str = "-c"


def check_choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    """`value` when it is one of `allowed` (or None); otherwise a `FlagError` naming the setting and the choices."""
    if value is not None and value not in allowed:
        raise FlagError(f"invalid value for {name}: {value!r} (choose from {', '.join(allowed)})", key=name)
    return value


def overrides_from_flags(
    flags: SessionFlags,
    names: FlagNames = FlagNames(),
    *,
    approval_policy: tuple[ApprovalPolicy, str] | None = None,
) -> ConfigOverrides:
    """Check `flags` and turn them into overrides.

    `approval_policy` is a front door's own rule that beats the flags, with the label `config explain` shows for
    it (exec, where nobody can be asked, passes `("never", "exec (always never)")`).

    Raises:
        FlagError: a sandbox mode or approval policy that does not exist.
    """
    sandbox = check_choice(flags.sandbox, SANDBOX_MODES, names.sandbox)
    approval = check_choice(flags.approval_policy, APPROVAL_POLICIES, names.approval_policy)
    labels: dict[str, str] = {}
    if flags.full_auto:
        if sandbox is None:
            sandbox = "workspace-write"
            labels["sandbox_mode"] = names.full_auto
        if approval is None:
            approval = "on-request"
            labels["approval_policy"] = names.full_auto
    if flags.bypass_approvals_and_sandbox:
        sandbox, approval = "danger-full-access", "never"
        labels.update(sandbox_mode=names.bypass, approval_policy=names.bypass)
    if flags.sandbox is not None and "sandbox_mode" not in labels:
        labels["sandbox_mode"] = names.sandbox
    if flags.approval_policy is not None and "approval_policy" not in labels:
        labels["approval_policy"] = names.approval_policy
    if approval_policy is not None:
        approval, labels["approval_policy"] = approval_policy
    given = {"model": flags.model, "profile": flags.profile, "model_provider": flags.oss or None}
    flag_of = {"model": names.model, "profile": names.profile, "model_provider": names.oss}
    labels.update({key: flag_of[key] for key, value in given.items() if value is not None})
    if flags.values:
        labels["config"] = names.values
    return ConfigOverrides(
        model=flags.model,
        profile=flags.profile,
        approval_policy=cast(ApprovalPolicy | None, approval),
        sandbox_mode=cast(SandboxMode | None, sandbox),
        cwd=flags.cwd,
        oss=flags.oss,
        base_instructions=flags.base_instructions,
        developer_instructions=flags.developer_instructions,
        compact_prompt=flags.compact_prompt,
        bypass_hook_trust=flags.bypass_hook_trust,
        values=dict(flags.values),
        labels=labels,
    )


NO_PROVIDER_MESSAGE = """no model provider is available.
  - OpenAI: run `pycodex login --with-api-key` (the key is read from stdin) or set OPENAI_API_KEY
    (export OPENAI_API_KEY=sk-...).
  - A local model: start Ollama (`ollama serve`, then `ollama pull gpt-oss:20b`) or LM Studio's server, and run
    with --oss (Ollama) or -c model_provider=lmstudio.
  - Any OpenAI-compatible server: add [model_providers.NAME] with base_url (and env_key) to {config}
    and run with -c model_provider=NAME."""


def needs_provider_discovery(config: Config, env: Mapping[str, str] | None = None) -> bool:
    """Whether nothing chose a provider and the default (OpenAI) has no key: then a local server is looked for."""
    env = os.environ if env is None else env
    if config.provider.id != "openai" or config.provider_explicit or env.get("OPENAI_API_KEY", "").strip():
        return False
    stored = config.provider.stored_key
    try:
        return stored is None or not stored()  # a key stored by `pycodex login` counts as chosen
    except ProviderAuthError:
        return False  # the stored login is unusable: the model client says why


def choose_provider(config: Config, env: Mapping[str, str] | None = None) -> tuple[Config, str | None]:
    """Keep the configured provider, or, when nothing was chosen and OPENAI_API_KEY is unset, use a running Ollama
    or LM Studio; returns the config and a notice saying which one. Blocks up to ~1 s probing (call it in a thread
    from async code).

    Raises:
        ProviderNotConfiguredError: no key and no local server; the message says exactly what to set.
    """
    env = os.environ if env is None else env
    if not needs_provider_discovery(config, env):
        return config, None
    for local_id in ("ollama", "lmstudio"):
        candidate = builtin_provider(local_id, env, None)
        if candidate is None:
            continue
        models = _probe_local(candidate.base_url)
        if models is None:
            continue
        model = config.model
        if config.source_of("model").label == "default":
            model = "gpt-oss:20b" if "gpt-oss:20b" in models or not models else models[0]
        notice = f"OPENAI_API_KEY is not set; using {candidate.name} at {candidate.base_url} with model {model}."
        return replace(config, provider=candidate, model=model), notice
    raise ProviderNotConfiguredError(NO_PROVIDER_MESSAGE.format(config=config.codex_home / "config.toml"))


def _probe_local(base_url: str) -> list[str] | None:
    """Model ids of an OpenAI-compatible server at `base_url`, or None when nothing answers quickly."""
    import httpx2

    try:
        response = httpx2.get(base_url.rstrip("/") + "/models", timeout=0.5)
    except httpx2.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        data: Any = response.json()
    except ValueError:
        return []
    models: object = cast(dict[str, Any], data).get("data") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return []
    entries = [cast(dict[str, Any], m) for m in cast(list[Any], models) if isinstance(m, dict)]
    return [str(m["id"]) for m in entries if m.get("id")]


class Reconfiguration(TypedDict, total=False):
    """The settings `reconfigured` (and `Session.reconfigure`) can change; None leaves one as it is."""

    model: str | None
    approval_policy: ApprovalPolicy | None
    sandbox_mode: SandboxMode | None
    reasoning_effort: ReasoningEffort | None
    approvals_reviewer: ApprovalsReviewerName | None


def reconfigured(
    config: Config,
    *,
    model: str | None = None,
    approval_policy: ApprovalPolicy | None = None,
    sandbox_mode: SandboxMode | None = None,
    reasoning_effort: ReasoningEffort | None = None,
    approvals_reviewer: ApprovalsReviewerName | None = None,
) -> Config:
    """`config` with these settings changed for the next turns (the TUI's /model and /approvals, an app-server
    client's turn settings)."""
    changes: dict[str, Any] = {}
    if approvals_reviewer is not None:
        changes["toml"] = config.toml.model_copy(update={"approvals_reviewer": approvals_reviewer})
    if model is not None:
        changes["model"] = model
    if approval_policy is not None:
        changes["approval_policy"] = approval_policy
    if reasoning_effort is not None:
        changes["reasoning_effort"] = reasoning_effort
    if sandbox_mode is not None:
        wsw = config.toml.sandbox_workspace_write
        changes["sandbox_mode"] = sandbox_mode
        changes["sandbox_policy"] = policy_for_mode(
            sandbox_mode,
            writable_roots=tuple(Path(r).expanduser() for r in wsw.writable_roots),
            network_access=wsw.network_access,
            exclude_tmpdir_env_var=wsw.exclude_tmpdir_env_var,
            exclude_slash_tmp=wsw.exclude_slash_tmp,
        )
    return dataclasses.replace(config, **changes)
