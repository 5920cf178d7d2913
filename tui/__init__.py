"""The pycodex chat TUI (Textual): a view over a session's events, and the dialogs that answer its questions.

`run_tui(config)` runs it in the terminal; `PycodexApp` is the app itself (tests drive it with Pilot). Past sessions
come from a `ThreadStore` (`EngineThreads` by default); `TuiElicitations` is the MCP elicitation handler it gives
sessions. Names load on first use (PEP 562), so that `run_tui` does not pull in the engine before the first paint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import ConfigLoader as ConfigLoader
    from ._app import ConfigLoadError as ConfigLoadError
    from ._app import PycodexApp as PycodexApp
    from ._bridge import TuiApprovals as TuiApprovals
    from ._bridge import TuiElicitations as TuiElicitations
    from ._remote import RemoteSession as RemoteSession
    from ._run import run_tui as run_tui
    from ._threads import EngineThreads as EngineThreads
    from ._threads import FeatureUnavailable as FeatureUnavailable
    from ._threads import ResumedThread as ResumedThread
    from ._threads import ThreadStore as ThreadStore
    from ._threads import ThreadSummary as ThreadSummary
    from ._threads import UnavailableThreads as UnavailableThreads

_WHERE = {
    "RemoteSession": "._remote",
    "ConfigLoadError": "._app",
    "ConfigLoader": "._app",
    "EngineThreads": "._threads",
    "FeatureUnavailable": "._threads",
    "PycodexApp": "._app",
    "ResumedThread": "._threads",
    "ThreadStore": "._threads",
    "ThreadSummary": "._threads",
    "TuiApprovals": "._bridge",
    "TuiElicitations": "._bridge",
    "UnavailableThreads": "._threads",
    "run_tui": "._run",
}

__all__ = [
    "RemoteSession",
    "ConfigLoadError",
    "ConfigLoader",
    "EngineThreads",
    "FeatureUnavailable",
    "PycodexApp",
    "ResumedThread",
    "ThreadStore",
    "ThreadSummary",
    "TuiApprovals",
    "TuiElicitations",
    "UnavailableThreads",
    "run_tui",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tui' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
