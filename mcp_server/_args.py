"""Tool-call arguments: checked against the schemas by hand, so that every mistake gets a message that names it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._schemas import APPROVAL_POLICIES, CODEX_INPUT_SCHEMA, SANDBOX_MODES
from .errors import ArgumentError

_CODEX_KEYS = frozenset(CODEX_INPUT_SCHEMA["properties"])


@dataclass(frozen=True)
class CodexArgs:
    """The `codex` tool's arguments, in Python names."""

    prompt: str
    model: str | None = None
    profile: str | None = None
    cwd: str | None = None
    approval_policy: str | None = None
    sandbox: str | None = None
    config: Mapping[str, Any] = field(default_factory=lambda: {})
    base_instructions: str | None = None
    developer_instructions: str | None = None
    compact_prompt: str | None = None


@dataclass(frozen=True)
class ReplyArgs:
    """The `codex-reply` tool's arguments."""

    prompt: str
    thread_id: str


def _string(arguments: Mapping[str, Any], key: str, tool: str, *, required: bool = False) -> str | None:
    value = arguments.get(key)
    if value is None:
        if required:
            raise ArgumentError(f"the {tool} tool needs `{key}` (a string)")
        return None
    if not isinstance(value, str):
        raise ArgumentError(f"`{key}` must be a string, not {type(value).__name__}")
    return value


def _choice(arguments: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    value = _string(arguments, key, "codex")
    if value is not None and value not in allowed:
        raise ArgumentError(f"`{key}` must be one of {', '.join(allowed)}; got {value!r}")
    return value


def parse_codex_args(arguments: Mapping[str, Any] | None) -> CodexArgs:
    """Check and convert the `codex` tool's arguments.

    Raises:
        ArgumentError: a required argument is missing, has the wrong type or value, or an unknown key is present.
    """
    arguments = arguments or {}
    unknown = sorted(set(arguments) - _CODEX_KEYS)
    if unknown:
        raise ArgumentError(
            f"unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(f'`{k}`' for k in unknown)} for the "
            f"codex tool; it takes {', '.join(sorted(_CODEX_KEYS))}"
        )
    prompt = _string(arguments, "prompt", "codex", required=True)
    assert prompt is not None
    config = arguments.get("config")
    if config is not None and not isinstance(config, dict):
        raise ArgumentError(f"`config` must be an object of dotted keys to values, not {type(config).__name__}")
    return CodexArgs(
        prompt=prompt,
        model=_string(arguments, "model", "codex"),
        profile=_string(arguments, "profile", "codex"),
        cwd=_string(arguments, "cwd", "codex"),
        approval_policy=_choice(arguments, "approval-policy", APPROVAL_POLICIES),
        sandbox=_choice(arguments, "sandbox", SANDBOX_MODES),
        config=dict(config or {}),  # pyright: ignore[reportUnknownArgumentType]
        base_instructions=_string(arguments, "base-instructions", "codex"),
        developer_instructions=_string(arguments, "developer-instructions", "codex"),
        compact_prompt=_string(arguments, "compact-prompt", "codex"),
    )


def parse_reply_args(arguments: Mapping[str, Any] | None) -> ReplyArgs:
    """Check and convert the `codex-reply` tool's arguments (`conversationId` is the old name of `threadId`).

    Raises:
        ArgumentError: the prompt or both thread ids are missing, or a value is not a string.
    """
    arguments = arguments or {}
    prompt = _string(arguments, "prompt", "codex-reply", required=True)
    assert prompt is not None
    thread_id = _string(arguments, "threadId", "codex-reply") or _string(arguments, "conversationId", "codex-reply")
    if not thread_id:
        raise ArgumentError("the codex-reply tool needs `threadId`: the id a codex call returned")
    return ReplyArgs(prompt=prompt, thread_id=thread_id)
