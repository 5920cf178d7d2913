"""requirements.toml beyond approval policies and sandbox modes: the legacy managed_config.toml as a source of
requirements, `allowed_approvals_reviewers`, `allowed_web_search_modes`, and a report of the fields pycodex does
not enforce (an administrator must know that a constraint is not applied).

As in Codex (codex-semantics.md §6.5): requirements.toml wins per field; managed_config.toml's `approval_policy`,
`approvals_reviewer` and `sandbox_mode` become one-value allow-lists (read-only is always allowed, and `auto_review`
also allows `user`).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from ..errors import ConfigError
from ._layers import read_toml_layer, system_config_dir
from ._merge import MANAGED_CONFIG_FILE
from ._schema import ConfigToml, RequirementsToml, WebSearchMode

ApprovalsReviewer = Literal["user", "auto_review", "guardian_subagent"]
SUPPORTED_REVIEWERS: tuple[ApprovalsReviewer, ...] = ("user", "auto_review", "guardian_subagent")
"""The approvals reviewers pycodex has."""

NOT_ENFORCED = (
    "remote_sandbox_config",
    "features",
    "feature_requirements",
    "mcp_servers",
    "apps",
    "rules",
    "enforce_residency",
    "experimental_network",
    "permissions",
    "guardian_policy_config",
)
"""requirements.toml fields pycodex reads but does not enforce: reported at start. (`hooks`, the administrator's
managed hooks, acts: `agent.hooks` loads them, trusted without asking.)"""


def with_managed_config(requirements: RequirementsToml | None) -> RequirementsToml | None:
    """`requirements` with the fields it leaves unset filled from managed_config.toml."""
    layer = read_toml_layer(system_config_dir() / MANAGED_CONFIG_FILE, "managed")
    if layer is None:
        return requirements
    filled = requirements.model_copy() if requirements is not None else RequirementsToml()
    approval = layer.data.get("approval_policy")
    if filled.allowed_approval_policies is None and isinstance(approval, str):
        filled.allowed_approval_policies = [approval]  # pyright: ignore[reportAttributeAccessIssue]
    mode = layer.data.get("sandbox_mode")
    if filled.allowed_sandbox_modes is None and isinstance(mode, str):
        filled.allowed_sandbox_modes = list(dict.fromkeys([mode, "read-only"]))  # pyright: ignore[reportAttributeAccessIssue]
    reviewer = layer.data.get("approvals_reviewer")
    if filled.allowed_approvals_reviewers is None and isinstance(reviewer, str):
        filled.allowed_approvals_reviewers = [reviewer, "user"] if reviewer == "auto_review" else [reviewer]
    return RequirementsToml.model_validate(filled.model_dump(exclude_unset=False))


def reviewer_warnings(toml: ConfigToml, approval_policy: str) -> list[str]:
    """The automatic reviewer configured under a policy that never asks it (it acts only under `on-request`)."""
    if toml.approvals_reviewer in ("auto_review", "guardian_subagent") and approval_policy != "on-request":
        return [
            f"approvals_reviewer `{toml.approvals_reviewer}` acts only with approval_policy `on-request`; "
            f"under `{approval_policy}` no approval goes to the automatic reviewer"
        ]
    return []


def apply_more_requirements(req: RequirementsToml, toml: ConfigToml, warnings: list[str]) -> ConfigToml:
    """Enforce `allowed_approvals_reviewers` and `allowed_web_search_modes`; report the fields not enforced.

    Raises:
        ConfigError: the allowed reviewers are not valid, or none of them is one pycodex has.
    """
    reviewers: Any = req.allowed_approvals_reviewers
    if reviewers is not None:
        allowed = get_args(ApprovalsReviewer)
        if not isinstance(reviewers, list) or not reviewers or any(r not in allowed for r in reviewers):  # pyright: ignore[reportUnknownVariableType]
            raise ConfigError(
                f"allowed_approvals_reviewers in requirements.toml must be a non-empty list of {', '.join(allowed)}",
                key="allowed_approvals_reviewers",
            )
        if not set(SUPPORTED_REVIEWERS) & set(reviewers):  # pyright: ignore[reportUnknownArgumentType]
            raise ConfigError(
                f"requirements.toml allows only the approvals reviewers {', '.join(map(str, reviewers))}, and "  # pyright: ignore[reportUnknownArgumentType]
                "pycodex has only `user` (the person at the front door): ask the administrator, or use Codex",
                key="allowed_approvals_reviewers",
            )
        reviewer = toml.approvals_reviewer or "user"
        if reviewer not in reviewers:
            instead = "user" if "user" in reviewers else str(reviewers[0])  # pyright: ignore[reportUnknownArgumentType]
            if toml.approvals_reviewer is not None:
                warnings.append(
                    f"approvals_reviewer `{reviewer}` is not allowed by requirements.toml; using `{instead}` instead"
                )
            toml = toml.model_copy(update={"approvals_reviewer": instead})
    modes: Any = req.allowed_web_search_modes
    if modes is not None:
        choices = get_args(WebSearchMode)
        if not isinstance(modes, list) or any(m not in choices for m in modes):  # pyright: ignore[reportUnknownVariableType]
            raise ConfigError(
                f"allowed_web_search_modes in requirements.toml must be a list of {', '.join(choices)}",
                key="allowed_web_search_modes",
            )
        current = toml.web_search or "cached"
        if current not in modes:
            fallback: WebSearchMode = "disabled"
            if toml.web_search is not None:
                warnings.append(
                    f"web_search `{current}` is not allowed by requirements.toml; using `{fallback}` instead"
                )
            toml = toml.model_copy(update={"web_search": fallback})
    if unenforced := [name for name in NOT_ENFORCED if getattr(req, name, None) is not None]:
        names = ", ".join(f"`{name}`" for name in unenforced)
        warnings.append(f"requirements.toml sets {names}, which pycodex does not enforce")
    return toml
