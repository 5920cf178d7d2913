"""pycodex as an MCP server: the `codex` and `codex-reply` tools over stdio or Streamable HTTP.

Light at import: the SDK and the engine load only when a server runs (see `_front` for why that matters).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._front import run_stdio as run_stdio
    from ._http import parse_listen_url as parse_listen_url
    from ._http import run_http as run_http
    from ._options import ServerOptions as ServerOptions
    from .errors import ArgumentError as ArgumentError
    from .errors import AuthTokenError as AuthTokenError
    from .errors import ListenAddressError as ListenAddressError
    from .errors import McpServerError as McpServerError
    from .errors import ThreadBusyError as ThreadBusyError
    from .errors import ThreadNotFoundError as ThreadNotFoundError
    from .errors import ToolCallError as ToolCallError

_WHERE = {
    "ArgumentError": ".errors",
    "AuthTokenError": ".errors",
    "ListenAddressError": ".errors",
    "McpServerError": ".errors",
    "ServerOptions": "._options",
    "ThreadBusyError": ".errors",
    "ThreadNotFoundError": ".errors",
    "ToolCallError": ".errors",
    "parse_listen_url": "._http",
    "run_http": "._http",
    "run_stdio": "._front",
}

__all__ = [
    "ArgumentError",
    "AuthTokenError",
    "ListenAddressError",
    "McpServerError",
    "ServerOptions",
    "ThreadBusyError",
    "ThreadNotFoundError",
    "ToolCallError",
    "parse_listen_url",
    "run_http",
    "run_stdio",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mcp_server' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
