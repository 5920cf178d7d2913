"""Errors of the app_server package.

AppServerError                  the server could not start or serve as asked
├── ListenError                 `--listen` is malformed, or names a non-loopback address without authentication
│                               (a usage error: exit 2)
├── AuthConfigError             the WebSocket token options are inconsistent or the token file cannot be read (exit 2)
└── RequestError                one request failed; answered as a JSON-RPC error with `code`, never fatal
    ├── InvalidRequestError      not a request we understand: unknown method, missing `params`, not initialized
    ├── InvalidParamsError       the params are wrong (a missing field, a bad value); `field` names it
    ├── NotSupportedError        a method Codex has and pycodex does not (or not yet)
    └── ThreadError              the thread named does not exist, is busy, or the turn named is not running
"""

from __future__ import annotations

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
PARSE_ERROR = -32700


class AppServerError(Exception):
    """Base class of the server's errors."""


class ListenError(AppServerError):
    """The listen address is malformed or not allowed."""

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message)
        self.address = address


class AuthConfigError(AppServerError):
    """The WebSocket authentication options cannot be used."""


class RequestError(AppServerError):
    """A request failed; `code` is its JSON-RPC error code."""

    code = INTERNAL_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(RequestError):
    code = INVALID_REQUEST


class InvalidParamsError(RequestError):
    code = INVALID_PARAMS

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotSupportedError(RequestError):
    code = METHOD_NOT_FOUND

    def __init__(self, message: str, *, method: str) -> None:
        super().__init__(message)
        self.method = method


class ThreadError(RequestError):
    code = INVALID_REQUEST

    def __init__(self, message: str, *, thread_id: str | None = None) -> None:
        super().__init__(message)
        self.thread_id = thread_id
