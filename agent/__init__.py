"""The pycodex engine: configuration, sessions and their turn loop, tools, approvals and events."""

from ._approvals import ApprovalHandler as ApprovalHandler
from ._approvals import RejectingApprovals as RejectingApprovals
from ._config import Config as Config
from ._config import ConfigOverrides as ConfigOverrides
from ._config import load_config as load_config
from ._config_layers import Source as Source
from ._config_layers import codex_home as codex_home
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
from ._session import Session as Session
from ._turn import TurnOutcome as TurnOutcome
from .errors import AgentError as AgentError
from .errors import ConfigError as ConfigError
from .errors import ProviderAuthError as ProviderAuthError
from .errors import ProviderError as ProviderError
from .errors import ProviderNotConfiguredError as ProviderNotConfiguredError
from .errors import ProviderRequestError as ProviderRequestError
from .errors import ProviderUnavailableError as ProviderUnavailableError
from .errors import UnknownConfigKeyError as UnknownConfigKeyError

__all__ = [
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
