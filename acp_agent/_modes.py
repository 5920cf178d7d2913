"""Session modes and config options: what a client may switch, and what each choice sets in the engine.

Modes are the three approval presets (sandbox mode + approval policy); the model and reasoning effort are
`select` config options (ACP's way of choosing a model).
"""

from __future__ import annotations

from dataclasses import dataclass

from acp.schema import (
    SessionConfigOptionSelect,
    SessionConfigSelectOption,
    SessionMode,
    SessionModeState,
)

import agent


@dataclass(frozen=True)
class Mode:
    id: str
    name: str
    description: str
    sandbox_mode: str
    approval_policy: str


MODES: tuple[Mode, ...] = (
    Mode(
        "read-only",
        "Read only",
        "Reads files and runs read-only commands; asks before changing anything.",
        "read-only",
        "on-request",
    ),
    Mode(
        "auto",
        "Workspace write",
        "Edits files and runs commands inside the workspace; asks before going beyond it.",
        "workspace-write",
        "on-request",
    ),
    Mode(
        "full-access",
        "Full access",
        "No sandbox and no questions: commands run with your permissions. Use with care.",
        "danger-full-access",
        "never",
    ),
)
MODE_IDS = tuple(mode.id for mode in MODES)

# Offered in the model selector besides the configured model (any other name can be set in config.toml).
KNOWN_MODELS = ("gpt-5.5", "gpt-5.5-codex", "gpt-5.5-mini", "gpt-5", "gpt-5-codex", "o4-mini")
EFFORTS = ("minimal", "low", "medium", "high", "xhigh")
MODEL_OPTION = "model"
EFFORT_OPTION = "reasoning_effort"


def mode_of(config: agent.Config) -> Mode:
    """The preset matching the config; else the one with the same sandbox mode (the approval policy differs)."""
    for mode in MODES:
        if (mode.sandbox_mode, mode.approval_policy) == (config.sandbox_mode, config.approval_policy):
            return mode
    return next((mode for mode in MODES if mode.sandbox_mode == config.sandbox_mode), MODES[1])


def mode_state(current: str) -> SessionModeState:
    return SessionModeState(
        current_mode_id=current,
        available_modes=[SessionMode(id=m.id, name=m.name, description=m.description) for m in MODES],
    )


def config_options(config: agent.Config) -> list[SessionConfigOptionSelect]:
    """The model and reasoning effort selectors, showing the current values."""
    models = [config.model, *(name for name in KNOWN_MODELS if name != config.model)]
    effort = config.reasoning_effort or "medium"
    return [
        SessionConfigOptionSelect(
            type="select",
            id=MODEL_OPTION,
            name="Model",
            category="model",
            current_value=config.model,
            options=[SessionConfigSelectOption(value=name, name=name) for name in models],
        ),
        SessionConfigOptionSelect(
            type="select",
            id=EFFORT_OPTION,
            name="Reasoning effort",
            category="thought_level",
            current_value=effort,
            options=[SessionConfigSelectOption(value=e, name=e) for e in EFFORTS],
        ),
    ]
