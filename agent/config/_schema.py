"""The shape of config.toml: Codex's keys, validated with pydantic.

Every table allows extra keys so that unknown keys can be reported (with file and line) instead of failing the
whole load; `unknown_keys` finds them. Keys Codex knows but pycodex does not act on are typed `Any` here and listed in
`_config_support`, which has them reported at start.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._choices import ApprovalPolicy, SandboxModeName

WireApi = Literal["responses", "chat"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
ReasoningSummary = Literal["auto", "concise", "detailed", "none"]
Verbosity = Literal["low", "medium", "high"]
WebSearchMode = Literal["disabled", "cached", "indexed", "live"]
ServiceTier = Literal["fast", "flex"]


class _Table(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class ProviderAuthToml(_Table):
    """`[model_providers.<id>.auth]`: a command whose output is the bearer token."""

    command: str = Field(min_length=1)
    args: tuple[str, ...] = ()
    timeout_ms: int = Field(default=5000, ge=1)
    refresh_interval_ms: int = Field(default=300_000, ge=0)
    cwd: str | None = None


class ModelProviderToml(_Table):
    """`[model_providers.<id>]`."""

    name: str | None = None
    base_url: str | None = None
    env_key: str | None = None
    env_key_instructions: str | None = None
    experimental_bearer_token: str | None = None
    wire_api: WireApi = "responses"
    query_params: dict[str, str] | None = None
    http_headers: dict[str, str] | None = None
    env_http_headers: dict[str, str] | None = None
    request_max_retries: int | None = Field(default=None, ge=0, le=100)
    stream_max_retries: int | None = Field(default=None, ge=0, le=100)
    stream_idle_timeout_ms: int | None = Field(default=None, ge=1)
    requires_openai_auth: bool = False
    # Known to Codex, unused here.
    supports_websockets: Any = None
    websocket_connect_timeout_ms: Any = None
    auth: ProviderAuthToml | None = None
    aws: Any = None
    model_catalog_url: Any = None
    supports_standalone_web_search: Any = None
    gateway_oauth: Any = None


class SandboxWorkspaceWriteToml(_Table):
    """`[sandbox_workspace_write]`."""

    writable_roots: list[str] = Field(default_factory=lambda: [])
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class ShellEnvironmentPolicyToml(_Table):
    """`[shell_environment_policy]`."""

    inherit: Literal["all", "core", "none"] = "all"
    # Codex's default is true (commands see *KEY*, *SECRET*, *TOKEN* variables); ours keeps them from the model's
    # commands unless the user sets it to true.
    ignore_default_excludes: bool = False
    exclude: list[str] = Field(default_factory=lambda: [])
    set: dict[str, str] = Field(default_factory=lambda: {})
    include_only: list[str] = Field(default_factory=lambda: [])
    experimental_use_profile: bool = False


class ToolToggleToml(_Table):
    enabled: bool | None = None


class AutoReviewToml(_Table):
    """`[auto_review]`: the automatic approvals reviewer's settings."""

    policy: str | None = None
    """Extra policy text for the reviewer (what this workspace allows or forbids)."""


ApprovalsReviewerName = Literal["user", "auto_review", "guardian_subagent"]


class ToolsToml(_Table):
    """`[tools]`."""

    view_image: bool | None = None
    web_search: Any = None  # a table of settings ([tools.web_search]) or a bool Codex ignores
    update_plan: ToolToggleToml | None = None


class HistoryToml(_Table):
    persistence: Literal["save-all", "none"] = "save-all"
    max_bytes: int | None = None


class SkillConfigToml(_Table):
    """`[[skills.config]]`: one skill turned off (or back on) by the path of its SKILL.md."""

    path: str = Field(min_length=1)
    enabled: bool = True


class SkillsToml(_Table):
    """`[skills]`."""

    include_instructions: bool = True
    config: list[SkillConfigToml] = Field(default_factory=lambda: [])


class ProjectToml(_Table):
    trust_level: Literal["trusted", "untrusted"] | None = None


class ProfileToml(_Table):
    """`[profiles.<name>]`: the subset of keys a profile may set."""

    model: str | None = None
    model_provider: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxModeName | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    model_instructions_file: str | None = None
    experimental_compact_prompt_file: str | None = None
    tools: ToolsToml | None = None
    features: dict[str, bool] | None = None
    oss_provider: str | None = None
    include_permissions_instructions: bool | None = None
    include_environment_context: bool | None = None
    approvals_reviewer: ApprovalsReviewerName | None = None
    auto_review: AutoReviewToml | None = None
    # Known to Codex, unused here.
    plan_mode_reasoning_effort: Any = None
    personality: Any = None
    service_tier: ServiceTier | None = None
    chatgpt_base_url: Any = None
    model_catalog_json: Any = None
    include_apply_patch_tool: Any = None
    experimental_use_freeform_apply_patch: Any = None
    experimental_use_unified_exec_tool: Any = None
    tools_view_image: Any = None
    web_search: WebSearchMode | None = None
    windows: Any = None
    analytics: Any = None
    js_repl_node_path: Any = None
    js_repl_node_module_dirs: Any = None
    zsh_path: Any = None
    include_apps_instructions: Any = None


class ConfigToml(_Table):
    """The whole of config.toml (after merging layers)."""

    model: str | None = None
    model_provider: str | None = None
    model_providers: dict[str, ModelProviderToml] = Field(default_factory=lambda: {})
    model_context_window: int | None = Field(default=None, gt=0)
    model_auto_compact_token_limit: int | None = Field(default=None, gt=0)
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    model_instructions_file: str | None = None
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxModeName | None = None
    sandbox_workspace_write: SandboxWorkspaceWriteToml = Field(default_factory=SandboxWorkspaceWriteToml)
    sandbox_allow_degraded: bool = False
    shell_environment_policy: ShellEnvironmentPolicyToml = Field(default_factory=ShellEnvironmentPolicyToml)
    allow_login_shell: bool = True
    developer_instructions: str | None = None
    instructions: str | None = None
    compact_prompt: str | None = None
    experimental_compact_prompt_file: str | None = None
    project_doc_max_bytes: int = Field(default=32 * 1024, ge=0)
    project_doc_fallback_filenames: list[str] = Field(default_factory=lambda: [])
    project_root_markers: list[str] = Field(default_factory=lambda: [".git"])
    include_permissions_instructions: bool = True
    include_environment_context: bool = True
    tool_output_token_limit: int | None = Field(default=None, gt=0)
    background_terminal_max_timeout: int = Field(default=300_000, gt=0)
    tools: ToolsToml = Field(default_factory=ToolsToml)
    features: dict[str, bool] = Field(default_factory=lambda: {})
    mcp_servers: dict[str, dict[str, Any]] = Field(default_factory=lambda: {})
    mcp_oauth_credentials_store: Literal["auto", "file", "keyring"] = "auto"
    mcp_oauth_callback_port: int | None = None
    mcp_oauth_callback_url: str | None = None
    profile: str | None = None
    profiles: dict[str, ProfileToml] = Field(default_factory=lambda: {})
    projects: dict[str, ProjectToml] = Field(default_factory=lambda: {})
    notify: list[str] | None = None
    history: HistoryToml = Field(default_factory=HistoryToml)
    hide_agent_reasoning: bool = False
    show_raw_agent_reasoning: bool = False
    oss_provider: str | None = None
    openai_base_url: str | None = None
    default_permissions: str | None = None
    permissions: dict[str, dict[str, Any]] = Field(default_factory=lambda: {})
    """`[permissions.<name>]` tables: read by `sandbox.permission_profile`, which reports their unknown keys."""
    review_model: str | None = None
    # Known to Codex, unused here.
    plan_mode_reasoning_effort: Any = None
    model_supports_reasoning_summaries: bool | None = None
    model_catalog_json: Any = None
    personality: Any = None
    service_tier: ServiceTier | None = None
    chatgpt_base_url: Any = None
    approvals_reviewer: ApprovalsReviewerName | None = None
    auto_review: AutoReviewToml | None = None
    zsh_path: Any = None
    include_apps_instructions: Any = None
    commit_attribution: Any = None
    web_search: WebSearchMode | None = None
    tool_suggest: Any = None
    js_repl_node_path: Any = None
    js_repl_node_module_dirs: Any = None
    suppress_unstable_features_warning: Any = None
    hooks: Any = None
    sqlite_home: str | None = None
    log_dir: str | None = None
    file_opener: Any = None
    tui: Any = None
    cli_auth_credentials_store: Literal["file", "keyring", "auto", "ephemeral"] = "file"
    forced_login_method: Literal["chatgpt", "api"] | None = None
    forced_chatgpt_workspace_id: Any = None
    check_for_update_on_startup: Any = None
    disable_paste_burst: Any = None
    analytics: Any = None
    feedback: Any = None
    otel: Any = None
    windows: Any = None
    notice: Any = None
    ghost_snapshot: Any = None
    agents: Any = None
    memories: Any = None
    skills: SkillsToml = Field(default_factory=SkillsToml)
    plugins: Any = None
    marketplaces: Any = None
    apps: Any = None
    experimental_use_unified_exec_tool: Any = None
    experimental_use_freeform_apply_patch: Any = None
    include_apply_patch_tool: Any = None
    tools_view_image: Any = None


class RequirementsToml(_Table):
    """requirements.toml: constraints an administrator places on what users may configure."""

    allowed_approval_policies: list[ApprovalPolicy] | None = Field(default=None, min_length=1)
    allowed_sandbox_modes: list[SandboxModeName] | None = Field(default=None, min_length=1)
    # Known to Codex, not enforced here yet.
    allowed_approvals_reviewers: Any = None
    remote_sandbox_config: Any = None
    allowed_web_search_modes: Any = None
    features: Any = None
    feature_requirements: Any = None
    hooks: Any = None
    mcp_servers: Any = None
    apps: Any = None
    rules: Any = None
    enforce_residency: Any = None
    experimental_network: Any = None
    permissions: Any = None
    guardian_policy_config: Any = None


def unknown_keys(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted paths of every key that no model field declared, depth first."""
    found: list[str] = []
    found.extend(f"{prefix}{key}" for key in model.model_extra or {})
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}."
        if isinstance(value, BaseModel):
            found.extend(unknown_keys(value, path))
        elif isinstance(value, dict):
            for key, sub in value.items():  # pyright: ignore[reportUnknownVariableType]
                if isinstance(sub, BaseModel):
                    found.extend(unknown_keys(sub, f"{path}{key}."))
        elif isinstance(value, list):
            for index, sub in enumerate(value):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
                if isinstance(sub, BaseModel):
                    found.extend(unknown_keys(sub, f"{path}{index}."))
    return found
