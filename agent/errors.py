"""Errors of the agent package.

AgentError
├── ConfigError                 a config file, -c override or flag is invalid (exit 2 for flags, 1 for files)
│   └── UnknownConfigKeyError    an unknown key under --strict-config
├── ProviderError               talking to the model failed
│   ├── ProviderAuthError        no credentials, or the server refused them (401/403): retrying cannot help
│   ├── ProviderRequestError     the server rejected the request (400 and other 4xx): retrying cannot help
│   ├── ProviderUnavailableError 5xx, 429 or a dropped stream after every retry was used
│   └── ProviderNotConfiguredError  no provider could be chosen (no key, no local server)
├── SessionFileError            a session file (rollout, thread lock) cannot be created or written (disk full...)
├── SessionClosedError          the session was used after it was closed
└── TurnAbortedError            the turn was interrupted
"""

from __future__ import annotations

from pathlib import Path


class AgentError(Exception):
    """Base class for agent errors."""


class ConfigError(AgentError):
    """A configuration value is invalid; `source` names the file (and line) or flag it came from."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.key = key

    @property
    def exit_code(self) -> int:
        """2 when a flag (`-c`, `--cd`, ...) is at fault, a usage error; 1 when a file is."""
        return 2 if (self.source or "").startswith(("-c", "--")) else 1


class UnknownConfigKeyError(ConfigError):
    """An unknown configuration key, reported as an error because of --strict-config."""


class ProviderError(AgentError):
    """The model provider could not complete a request."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProviderAuthError(ProviderError):
    """Credentials are missing or were refused."""


class ProviderRequestError(ProviderError):
    """The request itself was rejected."""


class ProviderUnavailableError(ProviderError):
    """The provider failed or was unreachable after all retries."""

    retryable = True


class ProviderNotConfiguredError(ProviderError):
    """No usable model provider: nothing to connect to."""


class SessionFileError(AgentError):
    """A session file under `$CODEX_HOME` cannot be created or written; `path` names it, `reason` says why (the
    system's words: "No space left on device")."""

    def __init__(self, message: str, *, path: Path, reason: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


class SessionClosedError(AgentError):
    """The session has been closed."""


class TurnAbortedError(AgentError):
    """The turn was interrupted before it finished."""


class McpStartupFailedError(AgentError):
    """A `required = true` MCP server did not start; the message names it and says why."""


class ThreadBusyError(AgentError):
    """Another process holds the thread's lock; two writers would interleave its rollout."""


class ThreadNotFoundError(AgentError):
    """No recorded thread matches the id or prefix."""
