"""Which config keys pycodex recognises but does not act on, and how unknown keys are reported.

Every key of Codex's config.toml either acts in pycodex or is listed here, so that `load_config` reports it once at
start as "recognised but not supported by pycodex" (an error under `--strict-config`) instead of accepting it
silently.

`NOT_SUPPORTED_YET` is THE table of keys whose features are being built right now: when a feature lands, it deletes
its names from this set (and nowhere else). `NOT_SUPPORTED` lists what pycodex does not plan to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, get_args, get_origin

from pydantic import BaseModel

NOT_SUPPORTED_YET: frozenset[str] = frozenset(
    {
        # ChatGPT sign-in (API key logins act: cli_auth_credentials_store, forced_login_method)
        "forced_chatgpt_workspace_id",
        "chatgpt_base_url",
        # OpenTelemetry
        "otel",
    }
)
"""Keys whose features are being built: each feature deletes its names from this set when it lands."""

NOT_SUPPORTED: frozenset[str] = frozenset(
    {
        "analytics",
        "apps",
        "check_for_update_on_startup",
        "commit_attribution",
        "disable_paste_burst",
        "experimental_use_freeform_apply_patch",
        "experimental_use_unified_exec_tool",
        "features",
        "feedback",
        "file_opener",
        "ghost_snapshot",
        "history",
        "include_apply_patch_tool",
        "include_apps_instructions",
        "instructions",
        "js_repl_node_module_dirs",
        "js_repl_node_path",
        "marketplaces",
        "memories",
        "model_catalog_json",
        "notice",
        "personality",
        "plan_mode_reasoning_effort",
        "plugins",
        "suppress_unstable_features_warning",
        "tool_suggest",
        "tools.update_plan",
        "tools.view_image",
        "tools_view_image",
        "tui",
        "windows",
        "zsh_path",
    }
)
"""Keys of Codex's config that pycodex recognises and does not act on."""

PROVIDER_NOT_SUPPORTED: frozenset[str] = frozenset(
    {
        "supports_websockets",
        "websocket_connect_timeout_ms",
        "aws",
        "model_catalog_url",
        "supports_standalone_web_search",
        "gateway_oauth",
    }
)
"""Keys of `[model_providers.<id>]` that pycodex recognises and does not act on."""


ACTING_FEATURES: frozenset[str] = frozenset({"features.shell_snapshot", "features.codex_hooks"})
"""The `[features]` keys pycodex does act on."""


def _matches(leaf: str, table: Iterable[str]) -> str | None:
    for key in table:
        if leaf == key or leaf.startswith(key + "."):
            return key
    return None


UNSUPPORTED_AGENT_KEYS: frozenset[str] = frozenset()
"""`[agents]` keys reported as not supported yet: none; the limits, the job runtime bound, the interrupt message, the
default model and the roles (`[agents.<role>]`) act."""


def unsupported_keys(leaves: Iterable[str]) -> list[str]:
    """The keys of the two tables that the configuration sets, each once, in the order they are met.

    `leaves` are the dotted paths of every value set (the merged table's leaves); `profiles.*` entries count
    only through the active profile, which is already merged into the top level.
    """
    found: list[str] = []
    for leaf in leaves:
        if leaf.startswith("model_providers."):
            parts = leaf.split(".")
            if len(parts) > 2 and parts[2] in PROVIDER_NOT_SUPPORTED:
                key = ".".join(parts[:3])
                if key not in found:
                    found.append(key)
            continue
        if leaf.startswith(("profiles.", "projects.", "mcp_servers.")) or leaf in ACTING_FEATURES:
            continue
        if leaf.startswith("agents."):
            name = leaf.split(".")[1]
            if name in UNSUPPORTED_AGENT_KEYS and f"agents.{name}" not in found:
                found.append(f"agents.{name}")
            continue
        key = _matches(leaf, NOT_SUPPORTED_YET) or _matches(leaf, NOT_SUPPORTED)
        if key is not None and key not in found:
            found.append(key)
    return found


def _table_type(annotation: Any) -> type[BaseModel] | None:
    """The config table model inside `annotation` (`Model`, `Model | None`, `dict[str, Model]`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _table_type(arg)
        if found is not None:
            return found
    return None


def _is_named_entries(annotation: Any) -> bool:
    """Whether `annotation` is a table of named entries (`dict[str, Model]`, possibly optional)."""
    return get_origin(annotation) is dict or any(get_origin(arg) is dict for arg in get_args(annotation))


def did_you_mean(key: str, root: type[BaseModel]) -> str:
    """` (did you mean `x`?)` for the nearest declared key at the same level as `key`, or empty."""
    parts = key.split(".")
    candidates = _candidates(root, parts[:-1])
    close = difflib.get_close_matches(parts[-1], candidates, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean `{'.'.join([*parts[:-1], close[0]])}`?)"


def _candidates(root: type[BaseModel], parents: list[str]) -> list[str]:
    current: type[BaseModel] = root
    index = 0
    while index < len(parents):
        field = current.model_fields.get(parents[index])
        model = _table_type(field.annotation) if field is not None else None
        if field is None or model is None:
            return []
        if _is_named_entries(field.annotation):
            index += 1  # the entry's own name (`profiles.<name>`)
        current = model
        index += 1
    return list(current.model_fields)
