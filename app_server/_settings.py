"""Thread settings from thread/start, thread/resume and thread/fork that are not plain config overrides: those
pycodex acts on become config values, the others a warning to the client."""

from __future__ import annotations

from typing import Any

from ._wire import Params

RESUME_SETTINGS = (  # what thread/resume of an already loaded thread cannot change
    "model",
    "modelProvider",
    "config",
    "approvalPolicy",
    "approvalsReviewer",
    "sandbox",
    "baseInstructions",
    "developerInstructions",
    "personality",
    "serviceTier",
)


APPROVALS_REVIEWERS = ("user", "auto_review", "guardian_subagent")
SERVICE_TIERS = ("fast", "flex")


def setting_values(params: Params) -> dict[str, Any]:
    """Config values for the request's `approvalsReviewer` and `serviceTier` (they win over its `config`)."""
    values: dict[str, Any] = {}
    reviewer = params.choice("approvalsReviewer", APPROVALS_REVIEWERS)
    if reviewer is not None:
        values["approvals_reviewer"] = reviewer
    tier = params.opt_str("serviceTier")
    if tier in SERVICE_TIERS:
        values["service_tier"] = tier
    return values


def setting_notes(params: Params) -> list[str]:
    """What the client is told about the request's fields pycodex does not act on."""
    method = params.method
    notes: list[str] = []
    tier = params.opt_str("serviceTier")
    if tier is not None and tier not in SERVICE_TIERS:
        notes.append(f"{method}: serviceTier `{tier}` is not one pycodex knows (fast, flex) and was ignored")
    personality = params.opt_str("personality")
    if personality not in (None, "none"):
        notes.append(
            f"{method}: personality `{personality}` is not supported by pycodex and was ignored (in Codex it no "
            "longer selects a style either)"
        )
    if params.opt_str("serviceName") is not None:
        notes.append(f"{method}: `serviceName` is not supported by pycodex and was ignored")
    if params.choice("sessionStartSource", ("startup", "clear")) == "clear":
        notes.append(
            f"{method}: sessionStartSource `clear` is not supported by pycodex; SessionStart hooks see source `startup`"
        )
    return notes
