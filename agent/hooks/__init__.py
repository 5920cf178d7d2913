"""Hooks and notify: the user's own programs run at points of a session (as the user, outside the sandbox; only
hooks from trusted layers, and only hooks trusted once by fingerprint), and `notify` after each turn.

Names load on first use (PEP 562), so importing one piece does not import the rest."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._config import HOOK_EVENTS as HOOK_EVENTS
    from ._config import Hook as Hook
    from ._config import HookConfigError as HookConfigError
    from ._config import HookEvent as HookEvent
    from ._config import HookSet as HookSet
    from ._config import hook_files as hook_files
    from ._config import load_hooks as load_hooks
    from ._config import parse_hooks as parse_hooks
    from ._config import trust_hooks as trust_hooks
    from ._config import trusted_hashes as trusted_hashes
    from ._engine import Hooks as Hooks
    from ._engine import Verdict as Verdict
    from ._engine import blocked_call_text as blocked_call_text
    from ._engine import contexts_message as contexts_message
    from ._engine import session_hooks as session_hooks
    from ._engine import tool_alias as tool_alias
    from ._notify import notify as notify
    from ._notify import notify_payload as notify_payload
    from ._run import HookRun as HookRun

_WHERE = {
    "HOOK_EVENTS": "._config",
    "Hook": "._config",
    "HookConfigError": "._config",
    "HookEvent": "._config",
    "HookSet": "._config",
    "hook_files": "._config",
    "load_hooks": "._config",
    "parse_hooks": "._config",
    "trust_hooks": "._config",
    "trusted_hashes": "._config",
    "Hooks": "._engine",
    "Verdict": "._engine",
    "blocked_call_text": "._engine",
    "contexts_message": "._engine",
    "session_hooks": "._engine",
    "tool_alias": "._engine",
    "notify": "._notify",
    "notify_payload": "._notify",
    "HookRun": "._run",
}

__all__ = [
    "HOOK_EVENTS",
    "Hook",
    "HookConfigError",
    "HookEvent",
    "HookSet",
    "hook_files",
    "load_hooks",
    "parse_hooks",
    "trust_hooks",
    "trusted_hashes",
    "Hooks",
    "Verdict",
    "blocked_call_text",
    "contexts_message",
    "session_hooks",
    "tool_alias",
    "notify",
    "notify_payload",
    "HookRun",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.hooks' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
