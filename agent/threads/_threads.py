"""Past threads for the front doors: list, find, load, archive, delete, backed by the SQLite index.

The rollout files are the source of truth; every listing first brings the index up to date with them (cheap when
nothing changed: a directory walk and a stat per file). These functions block; async callers run them in a thread.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ThreadNotFoundError
from ._index import StateIndex, ThreadRecord
from ._reader import Rollout, read_rollout


def _open(codex_home: Path) -> StateIndex:
    index = StateIndex.open(codex_home)
    index.sync(codex_home / "sessions")
    return index


def list_threads(
    codex_home: Path,
    *,
    cwd: Path | None = None,
    include_archived: bool = False,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ThreadRecord]:
    """Threads newest first, optionally only those of `cwd`, matching `search` in their first prompt or title."""
    with _open(codex_home) as index:
        return index.list(cwd=cwd, include_archived=include_archived, search=search, limit=limit, offset=offset)


def find_thread(codex_home: Path, id_or_prefix: str) -> ThreadRecord:
    """The thread with this id or unique id prefix (`AmbiguousThreadError` lists the candidates)."""
    with _open(codex_home) as index:
        record = index.find(id_or_prefix)
    if record is None:
        raise ThreadNotFoundError(f"no session with id {id_or_prefix!r} under {codex_home / 'sessions'}")
    return record


def latest_thread(codex_home: Path, *, cwd: Path | None = None) -> ThreadRecord:
    """The most recently updated thread (of `cwd` when given)."""
    with _open(codex_home) as index:
        record = index.latest(cwd=cwd)
    if record is None:
        where = f" for {cwd}" if cwd is not None else ""
        raise ThreadNotFoundError(f"no recorded session{where} to resume")
    return record


def load_thread(record: ThreadRecord | Path) -> Rollout:
    """Read a thread's rollout (history, plan, files changed, settings of its last turn)."""
    return read_rollout(record.rollout_path if isinstance(record, ThreadRecord) else record)


def set_archived(codex_home: Path, id_or_prefix: str, archived: bool) -> ThreadRecord:
    """Archive or unarchive a thread (archived threads are left out of listings by default)."""
    with _open(codex_home) as index:
        record = index.find(id_or_prefix)
        if record is None:
            raise ThreadNotFoundError(f"no session with id {id_or_prefix!r}")
        index.set_archived(record.id, archived)
        return index.get(record.id) or record


def delete_thread(codex_home: Path, id_or_prefix: str) -> ThreadRecord:
    """Delete a thread: its rollout file and its index entry."""
    with _open(codex_home) as index:
        record = index.find(id_or_prefix)
        if record is None:
            raise ThreadNotFoundError(f"no session with id {id_or_prefix!r}")
        index.delete(record.id, remove_file=True)
        return record


def record_thread(codex_home: Path, record: ThreadRecord) -> None:
    """Insert or update one thread's entry (a session does this as it goes)."""
    with StateIndex.open(codex_home) as index:
        index.upsert(record)
