"""The pycodex engine: configuration, sessions and their turn loop, tools, approvals and events.

Names are loaded on first use (PEP 562), so that `import agent.execpolicy` or `agent.apply_patch` does not pull in
the session, the HTTP client and pydantic. Type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._protocol import Event as Event
    from ._protocol import EventMsg as EventMsg
    from ._protocol import ImageUrlInput as ImageUrlInput
    from ._protocol import LocalImageInput as LocalImageInput
    from ._protocol import ReviewDecision as ReviewDecision
    from ._protocol import TextInput as TextInput
    from ._protocol import TokenUsage as TokenUsage
    from ._protocol import UserInput as UserInput
    from ._redact import EventRedactor as EventRedactor
    from ._redact import SecretStream as SecretStream
    from ._redact import redact_event as redact_event
    from ._redact import redact_secrets as redact_secrets
    from ._redact import redact_value as redact_value
    from ._session import Session as Session
    from ._session import mcp_connections as mcp_connections
    from ._text import ERRORS as TEXT_ERRORS
    from ._text import clean_text as clean_text
    from ._text import clean_values as clean_values
    from ._text import encode_text as encode_text
    from ._turn import TurnOutcome as TurnOutcome
    from .config import APPROVAL_POLICIES as APPROVAL_POLICIES
    from .config import SANDBOX_MODES as SANDBOX_MODES
    from .config import Config as Config
    from .config import ConfigOverrides as ConfigOverrides
    from .config import FlagError as FlagError
    from .config import FlagNames as FlagNames
    from .config import MergedLayers as MergedLayers
    from .config import ProviderInfo as ProviderInfo
    from .config import SessionFlags as SessionFlags
    from .config import Source as Source
    from .config import builtin_provider as builtin_provider
    from .config import choose_provider as choose_provider
    from .config import codex_home as codex_home
    from .config import load_config as load_config
    from .config import merge_config_layers as merge_config_layers
    from .config import overrides_from_flags as overrides_from_flags
    from .config._auth import AuthStore as AuthStore
    from .config._auth import AuthStoreError as AuthStoreError
    from .config._auth import StoredAuth as StoredAuth
    from .config._auth import mask_api_key as mask_api_key
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
    from .model import provider_models as provider_models
    from .threads import Rollout as Rollout
    from .threads import ThreadRecord as ThreadRecord
    from .threads import delete_thread as delete_thread
    from .threads import find_thread as find_thread
    from .threads import latest_thread as latest_thread
    from .threads import list_threads as list_threads
    from .threads import load_thread as load_thread
    from .threads import set_archived as set_archived
    from .tools import ApprovalHandler as ApprovalHandler
    from .tools import RejectingApprovals as RejectingApprovals
    from .tools import SubAgentInfo as SubAgentInfo
    from .tools._command import CommandResult as CommandResult
    from .tools._command import run_command as run_command
    from .tools._mcp_status import McpServerStatus as McpServerStatus
    from .tools._mcp_status import mcp_server_status as mcp_server_status

_WHERE = {
    "CommandResult": ".tools._command",
    "run_command": ".tools._command",
    "McpServerStatus": ".tools._mcp_status",
    "mcp_server_status": ".tools._mcp_status",
    "AuthStore": ".config._auth",
    "AuthStoreError": ".config._auth",
    "StoredAuth": ".config._auth",
    "mask_api_key": ".config._auth",
    "EventRedactor": "._redact",
    "SecretStream": "._redact",
    "redact_event": "._redact",
    "redact_secrets": "._redact",
    "redact_value": "._redact",
    "SessionFlags": ".config",
    "FlagNames": ".config",
    "FlagError": ".config",
    "overrides_from_flags": ".config",
    "choose_provider": ".config",
    "SANDBOX_MODES": ".config",
    "APPROVAL_POLICIES": ".config",
    "delete_thread": ".threads._threads",
    "find_thread": ".threads._threads",
    "latest_thread": ".threads._threads",
    "list_threads": ".threads._threads",
    "load_thread": ".threads._threads",
    "set_archived": ".threads._threads",
    "ThreadRecord": ".threads._index",
    "Rollout": ".threads._reader",
    "ThreadBusyError": ".errors",
    "ThreadNotFoundError": ".errors",
    "MergedLayers": ".config._merge",
    "merge_config_layers": ".config._merge",
    "provider_models": ".model",
    "AgentError": ".errors",
    "ApprovalHandler": ".tools._approvals",
    "Config": ".config._load",
    "ConfigError": ".errors",
    "ConfigOverrides": ".config._load",
    "Event": "._protocol",
    "EventMsg": "._protocol",
    "ImageUrlInput": "._protocol",
    "LocalImageInput": "._protocol",
    "ProviderAuthError": ".errors",
    "ProviderError": ".errors",
    "ProviderInfo": ".config._providers",
    "ProviderNotConfiguredError": ".errors",
    "ProviderRequestError": ".errors",
    "ProviderUnavailableError": ".errors",
    "RejectingApprovals": ".tools._approvals",
    "SubAgentInfo": ".tools._agents",
    "ReviewDecision": "._protocol",
    "Session": "._session",
    "mcp_connections": "._session",
    "Source": ".config._layers",
    "TextInput": "._protocol",
    "TokenUsage": "._protocol",
    "TurnOutcome": "._turn",
    "UnknownConfigKeyError": ".errors",
    "UserInput": "._protocol",
    "builtin_provider": ".config._providers",
    "codex_home": ".config._layers",
    "load_config": ".config._load",
    "clean_text": "._text",
    "clean_values": "._text",
    "encode_text": "._text",
}

__all__ = [
    "provider_models",
    "CommandResult",
    "run_command",
    "McpServerStatus",
    "mcp_server_status",
    "mcp_connections",
    "AuthStore",
    "AuthStoreError",
    "StoredAuth",
    "mask_api_key",
    "EventRedactor",
    "SecretStream",
    "redact_event",
    "redact_secrets",
    "redact_value",
    "SessionFlags",
    "FlagNames",
    "FlagError",
    "overrides_from_flags",
    "choose_provider",
    "SANDBOX_MODES",
    "APPROVAL_POLICIES",
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
    "SubAgentInfo",
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
    "TEXT_ERRORS",
    "clean_text",
    "clean_values",
    "encode_text",
]


def __getattr__(name: str) -> Any:
    if name == "TEXT_ERRORS":
        from ._text import ERRORS

        globals()[name] = ERRORS
        return ERRORS
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
