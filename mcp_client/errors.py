"""Errors of the mcp_client package.

    McpClientError                      base; `server` names the server when one is involved
    ├── McpConfigError                  an `[mcp_servers.<name>]` table or a server name is invalid
    ├── McpUnknownServerError           no server of that name is configured (or it is not running)
    ├── McpStartupError                 a server could not be started; `reason` says why
    │   ├── McpStartupTimeoutError      it did not answer within `startup_timeout_sec`
    │   └── McpRequiredServerError      a server marked `required = true` failed; fatal for the session
    ├── McpAuthRequiredError            the server wants a new OAuth login and nobody could do it here
    ├── McpOAuthError                   an OAuth login (discovery, registration, callback, token) failed
    ├── McpCredentialStoreError         the keyring or the credentials file could not be read or written
    ├── McpToolError                    a tool call or resource request failed below the tool's own result
    │   ├── McpUnknownToolError         no tool of that name on that server (or it is filtered out)
    │   └── McpToolTimeoutError         the call ran past `tool_timeout_sec`
    └── McpClosedError                  the connection manager was used after it was closed

Foreign exceptions (mcp, httpx2, keyring, OS) are translated into these in one place per layer; the translated
error keeps the foreign one as `__cause__`. Messages never contain tokens or secrets.
"""

from __future__ import annotations


class McpClientError(Exception):
    """Base class for mcp_client errors."""

    def __init__(self, message: str, *, server: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.server = server


class McpConfigError(McpClientError):
    """An `[mcp_servers.<name>]` table is invalid; `field` names the offending key when there is one."""

    def __init__(self, message: str, *, server: str | None = None, field: str | None = None) -> None:
        super().__init__(message, server=server)
        self.field = field


class McpUnknownServerError(McpClientError):
    """No server of that name is configured, or it is disabled or failed to start."""


class McpStartupError(McpClientError):
    """A server could not be started (spawned, connected, initialised or its tools listed)."""

    def __init__(self, message: str, *, server: str, reason: str) -> None:
        super().__init__(message, server=server)
        self.reason = reason


class McpStartupTimeoutError(McpStartupError):
    """A server did not finish starting within its startup timeout."""

    def __init__(self, message: str, *, server: str, timeout_sec: float) -> None:
        super().__init__(message, server=server, reason="timeout")
        self.timeout_sec = timeout_sec


class McpRequiredServerError(McpStartupError):
    """A server with `required = true` failed to start; the session cannot go on without it."""


class McpAuthRequiredError(McpClientError):
    """The server asks for a new OAuth login that could not happen here (never logged in, refresh failed, or a
    call needs more scopes); `scopes` are the scopes a new login should ask for, when known."""

    def __init__(self, message: str, *, server: str | None = None, scopes: list[str] | None = None) -> None:
        super().__init__(message, server=server)
        self.scopes = scopes


class McpOAuthError(McpClientError):
    """An OAuth login could not be completed."""


class McpCredentialStoreError(McpClientError):
    """The OAuth credentials could not be read or written (keyring or file)."""


class McpToolError(McpClientError):
    """A tool call or resource request failed at the protocol or transport level."""

    def __init__(self, message: str, *, server: str, tool: str | None = None) -> None:
        super().__init__(message, server=server)
        self.tool = tool


class McpUnknownToolError(McpToolError):
    """The server has no such tool, or the tool is filtered out by `enabled_tools`/`disabled_tools`."""


class McpToolTimeoutError(McpToolError):
    """A tool call did not finish within its timeout."""

    def __init__(self, message: str, *, server: str, tool: str | None, timeout_sec: float) -> None:
        super().__init__(message, server=server, tool=tool)
        self.timeout_sec = timeout_sec


class McpClosedError(McpClientError):
    """The connection manager was used after `aclose()`."""
