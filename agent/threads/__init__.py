"""Threads on disk: rollout files (writer and reader, Codex's format), the SQLite index, the thread lock, and the
recorder that does a session's persistence.

Names load on first use (PEP 562), so importing one piece does not import the rest."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._index import StateIndex as StateIndex
    from ._index import ThreadRecord as ThreadRecord
    from ._lock import ThreadLock as ThreadLock
    from ._lock import ThreadLockedError as ThreadLockedError
    from ._reader import Rollout as Rollout
    from ._reader import read_rollout as read_rollout
    from ._reader import resume_history as resume_history
    from ._recorder import ThreadRecorder as ThreadRecorder
    from ._recorder import session_meta as session_meta
    from ._recorder import thread_record as thread_record
    from ._threads import delete_thread as delete_thread
    from ._threads import find_thread as find_thread
    from ._threads import latest_thread as latest_thread
    from ._threads import list_threads as list_threads
    from ._threads import load_thread as load_thread
    from ._threads import set_archived as set_archived

_WHERE = {
    "thread_record": "._recorder",
    "session_meta": "._recorder",
    "delete_thread": "._threads",
    "find_thread": "._threads",
    "latest_thread": "._threads",
    "list_threads": "._threads",
    "load_thread": "._threads",
    "read_rollout": "._reader",
    "resume_history": "._reader",
    "Rollout": "._reader",
    "set_archived": "._threads",
    "StateIndex": "._index",
    "ThreadLock": "._lock",
    "ThreadLockedError": "._lock",
    "ThreadRecord": "._index",
    "ThreadRecorder": "._recorder",
}

__all__ = [
    "thread_record",
    "session_meta",
    "delete_thread",
    "find_thread",
    "latest_thread",
    "list_threads",
    "load_thread",
    "read_rollout",
    "resume_history",
    "Rollout",
    "set_archived",
    "StateIndex",
    "ThreadLock",
    "ThreadLockedError",
    "ThreadRecord",
    "ThreadRecorder",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.threads' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
