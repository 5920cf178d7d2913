"""The pycodex chat TUI (Textual): a view over a session's events, and the dialogs that answer its questions.

`run_tui(config)` runs it in the terminal; `PycodexApp` is the app itself (tests drive it with Pilot). Past sessions
come from a `ThreadStore` (`EngineThreads` by default); `TuiElicitations` is the MCP elicitation handler it gives
sessions.
"""

from ._app import PycodexApp as PycodexApp
from ._bridge import TuiApprovals as TuiApprovals
from ._bridge import TuiElicitations as TuiElicitations
from ._run import run_tui as run_tui
from ._threads import EngineThreads as EngineThreads
from ._threads import FeatureUnavailable as FeatureUnavailable
from ._threads import ResumedThread as ResumedThread
from ._threads import ThreadStore as ThreadStore
from ._threads import ThreadSummary as ThreadSummary
from ._threads import UnavailableThreads as UnavailableThreads

__all__ = [
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
