"""pycodex as Codex's app-server: the JSON-RPC protocol (v2) Codex's IDE extensions and SDKs speak, over stdio,
WebSockets or a unix socket. A front door onto the engine: it imports only `agent`'s public names.

Light at import: the engine loads when a server runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._dispatch import NOT_YET as NOT_YET
    from ._front import run_app_server as run_app_server
    from ._server import AppServer as AppServer
    from ._server import AppServerOptions as AppServerOptions
    from .errors import AppServerError as AppServerError
    from .errors import AuthConfigError as AuthConfigError
    from .errors import ListenError as ListenError

_WHERE = {
    "NOT_YET": "._dispatch",
    "AppServer": "._server",
    "AppServerOptions": "._server",
    "AppServerError": ".errors",
    "AuthConfigError": ".errors",
    "ListenError": ".errors",
    "run_app_server": "._front",
}

__all__ = [
    "NOT_YET",
    "AppServer",
    "AppServerError",
    "AppServerOptions",
    "AuthConfigError",
    "ListenError",
    "run_app_server",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'app_server' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
