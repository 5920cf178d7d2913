"""Errors of the mcp_server package.

McpServerError                  the server could not start or serve as asked
├── ListenAddressError          `--listen` is not an http://HOST:PORT URL, or names a non-loopback host
│                               without the flag that allows it (a usage error: exit 2)
├── AuthTokenError              `--auth-token-env` names a variable that is unset or empty (exit 2)
└── ToolCallError               a tool call cannot proceed; becomes an `isError` result, never a JSON-RPC error
    ├── ArgumentError            the call's arguments are wrong (missing prompt, bad enum value, unknown key)
    ├── ThreadNotFoundError      no thread with that id in this server
    └── ThreadBusyError          the thread is running another turn
"""

from __future__ import annotations


class McpServerError(Exception):
    """Base class of the server's errors."""


class ListenAddressError(McpServerError):
    """The listen address is malformed or not allowed."""

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message)
        self.address = address


class AuthTokenError(McpServerError):
    """The bearer token's environment variable is missing or empty."""

    def __init__(self, message: str, *, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


class ToolCallError(McpServerError):
    """A tool call failed before or instead of running a turn; reported as an `isError` result."""

    def __init__(self, message: str, *, thread_id: str | None = None) -> None:
        super().__init__(message)
        self.thread_id = thread_id


class ArgumentError(ToolCallError):
    """The tool call's arguments are invalid."""


class ThreadNotFoundError(ToolCallError):
    """The thread id names no thread this server knows."""


class ThreadBusyError(ToolCallError):
    """The thread already runs a turn."""
