"""Errors of the ACP front door, and the JSON-RPC errors a client sees.

    AcpError                 (agent.AgentError is not a base: this package only maps to the wire)
    └── (none yet)

Client mistakes are answered as JSON-RPC errors (`acp.RequestError`) with a message that names what was wrong:
`unknown_session`, `busy` and `invalid_params` build them so the codes and words live in one place. (The `acp`
package is imported on first use: the stdio front must start without it.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acp import RequestError

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002
AUTH_REQUIRED = -32000


class AcpError(Exception):
    """`pycodex acp` could not start (bad flags or config): exit code 2."""


def _error(code: int, message: str, data: Any) -> RequestError:
    from acp import RequestError

    return RequestError(code, message, data)


def invalid_params(message: str, **data: Any) -> RequestError:
    """The request's parameters are wrong (code -32602); `message` says which and how."""
    return _error(INVALID_PARAMS, message, data or None)


def unknown_session(session_id: str) -> RequestError:
    """No open session has this id (code -32002, resource not found)."""
    return _error(
        RESOURCE_NOT_FOUND,
        f"unknown session {session_id!r}: open it first with session/new, session/load or session/resume",
        {"sessionId": session_id},
    )


def busy(session_id: str) -> RequestError:
    """A prompt arrived while the session's previous prompt is still running (code -32600)."""
    return _error(
        INVALID_REQUEST,
        f"session {session_id} is already running a prompt; wait for its answer or send session/cancel first",
        {"sessionId": session_id},
    )


def internal(message: str, **data: Any) -> RequestError:
    """The agent could not do what was asked for a reason of its own (code -32603)."""
    return _error(INTERNAL_ERROR, message, data or None)
