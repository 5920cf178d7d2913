"""The pycodex engine: configuration, sessions and their turn loop, tools, approvals and events.

Names are loaded on first use (PEP 562), so that `import agent.execpolicy` or `agent.apply_patch` does not pull in
the session, the HTTP client and pydantic. Type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._approvals import ApprovalHandler as ApprovalHandler
    from ._approvals import RejectingApprovals as RejectingApprovals
    from ._command import CommandResult as CommandResult
    from ._command import run_command as run_command
    from ._config import Config as Config
    from ._config import ConfigOverrides as ConfigOverrides
    from ._config import load_config as load_config
    from ._config_layers import Source as Source
    from ._config_layers import codex_home as codex_home
    from ._config_merge import MergedLayers as MergedLayers
    from ._config_merge import merge_config_layers as merge_config_layers
    from ._protocol import Event as Event
    from ._protocol import EventMsg as EventMsg
    from ._protocol import ImageUrlInput as ImageUrlInput
    from ._protocol import LocalImageInput as LocalImageInput
    from ._protocol import ReviewDecision as ReviewDecision
    from ._protocol import TextInput as TextInput
    from ._protocol import TokenUsage as TokenUsage
    from ._protocol import UserInput as UserInput
    from ._providers import ProviderInfo as ProviderInfo
    from ._providers import builtin_provider as builtin_provider
    from ._rollout_reader import Rollout as Rollout
    from ._session import Session as Session
    from ._state_index import ThreadRecord as ThreadRecord
    from ._threads import delete_thread as delete_thread
    from ._threads import find_thread as find_thread
    from ._threads import latest_thread as latest_thread
    from ._threads import list_threads as list_threads
    from ._threads import load_thread as load_thread
    from ._threads import set_archived as set_archived
    from ._turn import TurnOutcome as TurnOutcome
    from .errors import AgentError as AgentError
    from .errors import ConfigError as ConfigError
    from .errors import ProviderAuthError as ProviderAuthError
    from .errors import ProviderError as ProviderError
    from .errors import ProviderNotConfiguredError as ProviderNotConfiguredError
    from .errors import ProviderRequestError as ProviderRequestError
    from .errors import ProviderUnavailableError as ProviderUnavailableError
    from .errors import ThreadBusyError as ThreadBusyError
    from .errors import ThreadNotFoundError as ThreadNotFoundError
    from .errors import UnknownConfigKeyError as UnknownConfigKeyError

_WHERE = {
    "CommandResult": "._command",
    "run_command": "._command",
    "delete_thread": "._threads",
    "find_thread": "._threads",
    "latest_thread": "._threads",
    "list_threads": "._threads",
    "load_thread": "._threads",
    "set_archived": "._threads",
    "ThreadRecord": "._state_index",
    "Rollout": "._rollout_reader",
    "ThreadBusyError": ".errors",
    "ThreadNotFoundError": ".errors",
    "MergedLayers": "._config_merge",
    "merge_config_layers": "._config_merge",
    "AgentError": ".errors",
    "ApprovalHandler": "._approvals",
    "Config": "._config",
    "ConfigError": ".errors",
    "ConfigOverrides": "._config",
    "Event": "._protocol",
    "EventMsg": "._protocol",
    "ImageUrlInput": "._protocol",
    "LocalImageInput": "._protocol",
    "ProviderAuthError": ".errors",
    "ProviderError": ".errors",
    "ProviderInfo": "._providers",
    "ProviderNotConfiguredError": ".errors",
    "ProviderRequestError": ".errors",
    "ProviderUnavailableError": ".errors",
    "RejectingApprovals": "._approvals",
    "ReviewDecision": "._protocol",
    "Session": "._session",
    "Source": "._config_layers",
    "TextInput": "._protocol",
    "TokenUsage": "._protocol",
    "TurnOutcome": "._turn",
    "UnknownConfigKeyError": ".errors",
    "UserInput": "._protocol",
    "builtin_provider": "._providers",
    "codex_home": "._config_layers",
    "load_config": "._config",
}

__all__ = [
    "CommandResult",
    "run_command",
    "delete_thread",
    "find_thread",
    "latest_thread",
    "list_threads",
    "load_thread",
    "set_archived",
    "ThreadRecord",
    "Rollout",
    "ThreadBusyError",
    "ThreadNotFoundError",
    "MergedLayers",
    "merge_config_layers",
    "AgentError",
    "ApprovalHandler",
    "Config",
    "ConfigError",
    "ConfigOverrides",
    "Event",
    "EventMsg",
    "ImageUrlInput",
    "LocalImageInput",
    "ProviderAuthError",
    "ProviderError",
    "ProviderInfo",
    "ProviderNotConfiguredError",
    "ProviderRequestError",
    "ProviderUnavailableError",
    "RejectingApprovals",
    "ReviewDecision",
    "Session",
    "Source",
    "TextInput",
    "TokenUsage",
    "TurnOutcome",
    "UnknownConfigKeyError",
    "UserInput",
    "builtin_provider",
    "codex_home",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
