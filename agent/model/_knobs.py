"""The per-request knobs of the Responses API as Codex sends them: `reasoning`, `text.verbosity`, `service_tier`
and the hosted `web_search` tool (codex-wire.md §1.3, §1.5; codex-next.md §10).

Codex reads its defaults from a model catalog. What it sends, as captured from its binary:

- `gpt-5.5` (and the other GPT-5 models): `reasoning = {"effort": "medium"}` and `text = {"verbosity": "low"}`.
- a model it does not know: `reasoning = {"summary": "auto"}` and no `text`.
- `model_reasoning_effort` / `model_reasoning_summary` / `model_verbosity` replace the defaults; summary `none`
  leaves `summary` out.

Beyond that catalog: the older chat models (`gpt-4*`, `gpt-3.5*`) take no `reasoning` at all (the API rejects it
for them), and `model_supports_reasoning_summaries` forces summaries on (true) or off (false).
"""

from __future__ import annotations

from typing import Any, cast

from ..config import ConfigToml, ReasoningEffort, ReasoningSummary, Verbosity

JsonObject = dict[str, Any]

WEB_SEARCH_MODES = ("disabled", "cached", "indexed", "live")
SERVICE_TIERS = {"fast": "priority", "flex": "flex"}
"""`service_tier` in config → the value the API takes."""

_NO_REASONING_PREFIXES = ("gpt-4", "gpt-3.5", "chatgpt-4o")
_GPT5_PREFIXES = ("gpt-5",)
_O_SERIES_PREFIXES = ("o1", "o3", "o4")


def _family(model: str) -> str:
    name = model.lower().rsplit("/", 1)[-1]
    if name.startswith(_NO_REASONING_PREFIXES):
        return "plain"
    if name.startswith(_GPT5_PREFIXES):
        return "codex" if "codex" in name else "gpt5"
    if name.startswith(_O_SERIES_PREFIXES):
        return "o-series"
    return "unknown"


def request_reasoning(
    model: str,
    effort: ReasoningEffort | None,
    summary: ReasoningSummary | None,
    supports_summaries: bool | None = None,
) -> JsonObject | None:
    """The `reasoning` object for `model`, or None when the model takes none."""
    family = _family(model)
    if family == "plain" and effort is None and summary is None and not supports_summaries:
        return None
    reasoning: JsonObject = {}
    default_effort: ReasoningEffort | None = "medium" if family in ("gpt5", "codex", "o-series") else None
    if (chosen_effort := effort or default_effort) is not None:
        reasoning["effort"] = chosen_effort
    default_summary: ReasoningSummary | None = "auto" if family in ("unknown", "o-series", "codex") else None
    chosen_summary = summary or default_summary
    if supports_summaries is True and chosen_summary in (None, "none") and summary != "none":
        chosen_summary = "auto"
    if supports_summaries is False:
        chosen_summary = None
    if chosen_summary is not None and chosen_summary != "none":
        reasoning["summary"] = chosen_summary
    return reasoning


def request_verbosity(model: str, verbosity: Verbosity | None) -> Verbosity | None:
    """`text.verbosity`: the configured one, else `low` for the GPT-5 models that take it (as Codex)."""
    if verbosity is not None:
        return verbosity
    return "low" if _family(model) == "gpt5" else None


def request_service_tier(tier: object) -> str | None:
    """The API's `service_tier` for the configured one (`fast` → `priority`, `flex`), else None."""
    return SERVICE_TIERS.get(tier) if isinstance(tier, str) else None


def web_search_mode(toml: ConfigToml, *, openai: bool) -> str:
    """The effective `web_search` mode: the configured one, else `cached` on OpenAI's own API and `disabled` on
    other providers (a third-party Responses server rarely has the hosted tool, and would reject the request)."""
    configured = toml.web_search
    if isinstance(configured, str) and configured in WEB_SEARCH_MODES:
        return configured
    return "cached" if openai else "disabled"


def web_search_tool(mode: str, settings: object = None) -> JsonObject | None:
    """The hosted `web_search` tool entry for `mode` (None when disabled), with `[tools.web_search]` settings."""
    if mode == "disabled":
        return None
    tool: JsonObject = {"type": "web_search", "external_web_access": mode in ("live", "indexed")}
    if mode == "indexed":
        tool["indexed_web_access"] = True
    table: dict[str, Any] = settings if isinstance(settings, dict) else {}  # pyright: ignore[reportUnknownVariableType]
    domains = table.get("allowed_domains")
    if isinstance(domains, list) and domains:
        tool["filters"] = {"allowed_domains": [str(d) for d in cast(list[object], domains)]}
    location = table.get("location")
    if isinstance(location, dict) and location:
        tool["user_location"] = {"type": "approximate", **location}
    tool["search_content_types"] = ["text", "image"]
    size = table.get("context_size")
    if isinstance(size, str) and size in ("low", "medium", "high"):
        tool["search_context_size"] = size
    return tool


def request_knobs(config: Any) -> JsonObject:
    """`Prompt` keyword arguments for an `agent.Config` (`reasoning`, `verbosity`, `service_tier`), plus the hosted
    `web_search` tool under the key `web_search` (absent when disabled or on the Chat Completions wire)."""
    toml: ConfigToml = config.toml
    model: str = config.model
    supports = toml.model_supports_reasoning_summaries
    knobs: JsonObject = {
        "reasoning": request_reasoning(
            model,
            config.reasoning_effort,
            config.reasoning_summary,
            supports if isinstance(supports, bool) else None,
        ),
        "verbosity": request_verbosity(model, config.verbosity),
        "service_tier": request_service_tier(toml.service_tier),
    }
    if config.provider.wire_api == "responses":
        mode = web_search_mode(toml, openai=config.provider.id == "openai")
        tool = web_search_tool(mode, toml.tools.web_search)
        if tool is not None:
            knobs["web_search"] = tool
    return knobs
