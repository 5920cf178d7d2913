"""The thread index: an SQLite database (WAL) of the threads under `$CODEX_HOME`, to list and resume them fast.

The file is `$CODEX_HOME/pycodex_state.sqlite`, our own (Codex's `state_*.sqlite` files are never touched). The
rollout files stay the source of truth: the index holds nothing that cannot be read back from them, and
`sync()` brings it up to date incrementally (a walk of the session directories and one `stat` per file; only new or
changed files are read, with `rollout_summary`). A missing or damaged index is simply rebuilt.

Archiving follows Codex: the rollout moves to `$CODEX_HOME/archived_sessions/` (and back to `sessions/YYYY/MM/DD/`
when unarchived), so the flag survives a rebuild. A title lives in the rollout as a `thread_name_updated` event.

Tables (schema version in `PRAGMA user_version`, one entry of `_MIGRATIONS` per version):
- `threads`: one row per thread id (the columns of `ThreadRecord`).
- `rollout_files`: every rollout file seen, with the `mtime_ns` and size it had when read, the thread it holds
  (NULL for a file that could not be read, with the reason in `error`): what makes `sync` cheap.

Concurrency: several processes may use the index at once (WAL readers never wait; writers wait at most
`BUSY_TIMEOUT_S` for each other). Reading rollouts in `sync` happens outside any transaction, so a write holds the
database for milliseconds only.

Synchronous by design (SQLite and file I/O): async callers run these methods in a worker thread
(`anyio.to_thread.run_sync`); one `StateIndex` may be used from any thread, one call at a time (a lock inside
serialises calls).
"""

from __future__ import annotations

import datetime
import os
import re
import sqlite3
import threading
import time
from collections.abc import Generator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from .. import errors
from .._redact import redact_secrets
from .._text import clean_values
from ..errors import AgentError
from ._lock import ThreadLock
from ._private import private_dirs, private_file
from ._reader import ARCHIVED_SESSIONS_DIR, RolloutReadError, ThreadSummary, rollout_summary
from ._sqlite_home import sqlite_home

INDEX_FILE_NAME = "pycodex_state.sqlite"
SESSIONS_DIR = "sessions"
BUSY_TIMEOUT_S = 5.0

ThreadRecord = ThreadSummary
"""One thread as the index knows it (the same fields `rollout_summary` reads)."""

_COLUMNS = (
    "id",
    "rollout_path",
    "cwd",
    "git_branch",
    "git_commit",
    "model",
    "model_provider",
    "source",
    "first_user_message",
    "title",
    "created_at",
    "updated_at",
    "tokens_used",
    "archived",
)
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM threads"
_UPSERT = (
    f"INSERT INTO threads ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    "ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
)
_NEWEST_FIRST = " ORDER BY updated_at DESC, id DESC"
_PUT_FILE = "INSERT OR REPLACE INTO rollout_files (path, mtime_ns, size, thread_id, error) VALUES (?, ?, ?, ?, ?)"

_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE threads (
            id TEXT PRIMARY KEY,
            rollout_path TEXT NOT NULL,
            cwd TEXT,
            git_branch TEXT,
            git_commit TEXT,
            model TEXT,
            model_provider TEXT,
            source TEXT,
            first_user_message TEXT,
            title TEXT,
            created_at TEXT,
            updated_at TEXT,
            tokens_used INTEGER NOT NULL DEFAULT 0,
            archived INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX threads_by_update ON threads (archived, updated_at DESC, id DESC)",
        "CREATE INDEX threads_by_update_all ON threads (updated_at DESC, id DESC)",
        "CREATE INDEX threads_by_cwd ON threads (cwd, archived, updated_at DESC)",
        "CREATE INDEX threads_by_path ON threads (rollout_path)",
        """CREATE TABLE rollout_files (
            path TEXT PRIMARY KEY,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            thread_id TEXT,
            error TEXT
        )""",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)
"""A migration that changes what is derived from rollouts can drop the tables and recreate them: the next `sync`
reads every file again."""


class StateIndexError(AgentError):
    """The index (or a rollout file it manages) cannot be used; `path` names the file and `reason` says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ThreadNotFoundError(errors.ThreadNotFoundError):
    """No thread with this id is indexed; `thread_id` is the id asked for."""

    def __init__(self, thread_id: str) -> None:
        super().__init__(f"no session with id {thread_id}")
        self.thread_id = thread_id


class AmbiguousThreadError(AgentError):
    """An id prefix matches several threads; `candidates` lists them (newest first, at most ten)."""

    def __init__(self, prefix: str, candidates: tuple[ThreadRecord, ...]) -> None:
        ids = ", ".join(c.id for c in candidates)
        super().__init__(f"the id {prefix!r} matches several sessions ({ids}); give more of it")
        self.prefix = prefix
        self.candidates = candidates


@dataclass(frozen=True, slots=True)
class SyncStats:
    """What one `sync` did."""

    scanned: int
    """Rollout files found on disk."""
    added: int
    updated: int
    removed: int
    unchanged: int
    failed: int
    """Files that could not be read as sessions (each named in `problems`)."""
    problems: tuple[str, ...] = ()


def _row_to_record(row: tuple[Any, ...]) -> ThreadRecord:
    return ThreadRecord(
        id=row[0],
        rollout_path=Path(row[1]),
        cwd=row[2],
        git_branch=row[3],
        git_commit=row[4],
        model=row[5],
        model_provider=row[6],
        source=row[7],
        first_user_message=row[8],
        title=row[9],
        created_at=row[10],
        updated_at=row[11],
        tokens_used=row[12],
        archived=bool(row[13]),
    )


def _record_to_row(record: ThreadRecord) -> tuple[Any, ...]:
    row = (
        record.id,
        str(record.rollout_path),
        record.cwd,
        record.git_branch,
        record.git_commit,
        record.model,
        record.model_provider,
        record.source,
        # Rollouts are redacted already; a live session's record may not be (its first message, its title).
        None if record.first_user_message is None else redact_secrets(record.first_user_message),
        None if record.title is None else redact_secrets(record.title),
        record.created_at,
        record.updated_at,
        record.tokens_used,
        int(record.archived),
    )
    # SQLite takes only valid Unicode: a lone surrogate (a prompt from argv bytes that are not UTF-8) is replaced.
    return clean_values(row)


def _contains(haystack: object, needle: object) -> bool:
    # `needle` arrives casefolded; SQLite's LIKE folds ASCII only.
    return isinstance(haystack, str) and isinstance(needle, str) and needle in haystack.casefold()


def _walk(directory: str, out: dict[str, tuple[int, int]]) -> None:
    try:
        entries = os.scandir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return
    with entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, out)
            elif entry.name.startswith("rollout-") and entry.name.endswith(".jsonl"):
                try:
                    st = entry.stat()
                except OSError:  # pragma: no cover - removed between the listing and the stat
                    continue
                out[entry.path] = (st.st_mtime_ns, st.st_size)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        _set_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.create_function("pycodex_contains", 2, _contains, deterministic=True)
        return conn
    except BaseException:
        conn.close()
        raise


def _set_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting out another connection doing the same: SQLite answers a journal-mode change that meets
    a lock with "database is locked" at once, without its busy handler (two sessions opening a new index together)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StateIndexError(
            path, f"the index was written by a newer pycodex (schema {version}; this one knows {SCHEMA_VERSION})"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the write lock.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for statements in _MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:  # pragma: no cover - a failed migration leaves the previous schema whole
        conn.execute("ROLLBACK")
        raise


def _open_database(path: Path) -> sqlite3.Connection:
    conn = _connect(path)
    try:
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _private_database(path: Path) -> None:
    """The index holds each session's first prompt: 0600, and so its -wal and -shm files, which SQLite creates with
    the database's own mode (an index made by an older pycodex is tightened)."""
    private_file(path)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{path}{suffix}")
        if extra.exists():
            private_file(extra)


def _cause(exc: sqlite3.Error, path: Path) -> str:
    """SQLite's message, and what it does not say: that the disk holding the index is full."""
    text = str(exc)
    try:
        stats = os.statvfs(path.parent)
    except OSError:
        return text
    if stats.f_bavail == 0 or (stats.f_files and stats.f_favail == 0):
        return f"{text} (no space left on the device holding {path.parent})"
    return text


def _is_damaged(exc: sqlite3.DatabaseError) -> bool:
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT")


class StateIndex:
    """The index of threads under one `$CODEX_HOME`. Open with `StateIndex.open(codex_home)`."""

    def __init__(self, codex_home: Path, path: Path, conn: sqlite3.Connection) -> None:
        self.codex_home = codex_home
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, codex_home: Path) -> StateIndex:
        """Open (creating or migrating) the index of `codex_home`. A damaged file is replaced by an empty index.

        Raises `StateIndexError` when the index was written by a newer pycodex or cannot be created.
        """
        codex_home = codex_home.absolute()
        directory = sqlite_home(codex_home)  # `sqlite_home`, when set
        path = directory / INDEX_FILE_NAME
        try:
            private_dirs(directory)
            _private_database(path)
            try:
                conn = _open_database(path)
            except sqlite3.DatabaseError as exc:
                if not _is_damaged(exc):  # pragma: no cover - locked past the busy timeout, disk I/O errors
                    raise
                # The index is derived data: replace it, and the next sync rebuilds it from the rollouts.
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                private_file(path)
                conn = _open_database(path)
        except sqlite3.Error as exc:
            raise StateIndexError(path, f"cannot open the session index: {_cause(exc, path)}") from exc
        except OSError as exc:
            raise StateIndexError(path, f"cannot open the session index: {exc.strerror or exc}") from exc
        return cls(codex_home, path, conn)

    def close(self) -> None:
        """Close the database (further calls raise `StateIndexError`)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _db(self) -> Generator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StateIndexError(self.path, "the session index is closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StateIndexError(self.path, f"the session index failed: {_cause(exc, self.path)}") from exc

    @contextmanager
    def _write(self) -> Generator[sqlite3.Connection]:
        with self._db() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # A full disk or an I/O error may have rolled the transaction back already; rolling back again
                # would raise "no transaction is active" and hide the real cause, which is what propagates.
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    # ---- reading --------------------------------------------------------------------------------------------------

    def get(self, thread_id: str) -> ThreadRecord | None:
        """The thread with exactly this id, or None."""
        with self._db() as conn:
            row = conn.execute(_SELECT + " WHERE id = ?", (thread_id,)).fetchone()
        return _row_to_record(row) if row else None

    def find(self, id_or_prefix: str) -> ThreadRecord | None:
        """The thread whose id is `id_or_prefix` or the only one starting with it (archived ones included).

        Raises `AmbiguousThreadError` when several ids start with it; returns None when none does.
        """
        prefix = id_or_prefix.strip().lower()
        if not prefix:
            return None
        exact = self.get(prefix)
        if exact is not None:
            return exact
        with self._db() as conn:
            rows = conn.execute(
                _SELECT + " WHERE id >= ? AND id < ?" + _NEWEST_FIRST + " LIMIT 10", (prefix, prefix + "\U0010ffff")
            ).fetchall()
        if len(rows) > 1:
            raise AmbiguousThreadError(id_or_prefix, tuple(_row_to_record(r) for r in rows))
        return _row_to_record(rows[0]) if rows else None

    def list(
        self,
        *,
        cwd: Path | None = None,
        include_archived: bool = False,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ThreadRecord]:
        """Threads, most recently updated first.

        `cwd` keeps those started in that directory; `search` those whose first prompt or title contains it
        (case-insensitive, Unicode-aware).
        """
        where: list[str] = []
        params: list[Any] = []
        if not include_archived:
            where.append("archived = 0")
        if cwd is not None:
            where.append("cwd = ?")
            params.append(str(cwd))
        if search:
            where.append("(pycodex_contains(first_user_message, ?) OR pycodex_contains(title, ?))")
            params += [search.casefold()] * 2
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + _NEWEST_FIRST + " LIMIT ? OFFSET ?"
        with self._db() as conn:
            rows = conn.execute(sql, (*params, limit, offset)).fetchall()
        return [_row_to_record(r) for r in rows]

    def latest(self, *, cwd: Path | None = None, include_archived: bool = False) -> ThreadRecord | None:
        """The most recently updated thread (in `cwd` if given), or None."""
        found = self.list(cwd=cwd, include_archived=include_archived, limit=1)
        return found[0] if found else None

    # ---- writing --------------------------------------------------------------------------------------------------

    def upsert(self, record: ThreadRecord) -> None:
        """Add or replace the thread `record.id` (a live session calls this as its thread changes)."""
        with self._db() as conn:
            conn.execute(_UPSERT, _record_to_row(record))

    def _require(self, thread_id: str) -> ThreadRecord:
        record = self.get(thread_id)
        if record is None:
            raise ThreadNotFoundError(thread_id)
        return record

    def _unarchived_path(self, record: ThreadRecord) -> Path:
        name = record.rollout_path.name
        match = re.match(r"rollout-(\d{4})-(\d{2})-(\d{2})T", name)
        if match:
            year, month, day = match.groups()
        elif record.created_at and re.match(r"\d{4}-\d{2}-\d{2}", record.created_at):
            year, month, day = record.created_at[:10].split("-")
        else:
            year, month, day = f"{datetime.date.today():%Y-%m-%d}".split("-")
        return self.codex_home / SESSIONS_DIR / year / month / day / name

    def set_archived(self, thread_id: str, archived: bool) -> ThreadRecord:
        """Archive (or unarchive) a thread: its rollout moves to `archived_sessions/` (or back). Returns the record.

        Raises `ThreadNotFoundError`, `ThreadLockedError` when a session is writing the thread, and
        `StateIndexError` when the file is missing or the destination is taken.
        """
        record = self._require(thread_id)
        if record.archived == archived:
            return record
        source = record.rollout_path
        if archived:
            destination = self.codex_home / ARCHIVED_SESSIONS_DIR / source.name
        else:
            destination = self._unarchived_path(record)
        with ThreadLock(source):
            if not source.exists():
                raise StateIndexError(source, "the session file is missing")
            if destination.exists():
                raise StateIndexError(destination, "a session file with this name is already there")
            try:
                private_dirs(destination.parent)
                os.rename(source, destination)
                st = destination.stat()
            except OSError as exc:  # pragma: no cover - permissions, another filesystem
                raise StateIndexError(source, f"cannot move the session file: {exc.strerror or exc}") from exc
        with self._write() as conn:
            conn.execute(
                "UPDATE threads SET rollout_path = ?, archived = ? WHERE id = ?",
                (str(destination), int(archived), thread_id),
            )
            conn.execute("DELETE FROM rollout_files WHERE path = ?", (str(source),))
            conn.execute(_PUT_FILE, (str(destination), st.st_mtime_ns, st.st_size, thread_id, None))
        return self._require(thread_id)

    def delete(self, thread_id: str, *, remove_file: bool) -> None:
        """Remove a thread from the index, and its rollout file too when `remove_file`.

        Kept on disk (`remove_file=False`), the file stays out of the index until it changes (a resume).
        Raises `ThreadNotFoundError`, and `ThreadLockedError` when removing the file of a thread in use.
        """
        record = self._require(thread_id)
        path = record.rollout_path
        if remove_file:
            with ThreadLock(path):
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:  # pragma: no cover - permissions
                    raise StateIndexError(path, f"cannot remove the session file: {exc.strerror or exc}") from exc
            with self._write() as conn:
                conn.execute("DELETE FROM threads WHERE id = ?", (thread_id,))
                conn.execute("DELETE FROM rollout_files WHERE path = ?", (str(path),))
            return
        try:
            st: os.stat_result | None = path.stat()
        except OSError:
            st = None
        with self._write() as conn:
            conn.execute("DELETE FROM threads WHERE id = ?", (thread_id,))
            if st is None:
                conn.execute("DELETE FROM rollout_files WHERE path = ?", (str(path),))
            else:
                conn.execute(_PUT_FILE, (str(path), st.st_mtime_ns, st.st_size, None, "removed from the index"))

    # ---- keeping up with the files --------------------------------------------------------------------------------

    def sync(self, sessions_dir: Path | None = None) -> SyncStats:
        """Bring the index up to date with the rollout files under `sessions_dir` (default `$CODEX_HOME/sessions`)
        and `$CODEX_HOME/archived_sessions`: new files are added, changed ones (mtime or size) read again, vanished
        ones removed. Unchanged files are only `stat`ed.
        """
        sessions_root = str((sessions_dir or self.codex_home / SESSIONS_DIR).absolute())
        roots = list(dict.fromkeys([sessions_root, str(self.codex_home / ARCHIVED_SESSIONS_DIR)]))
        on_disk: dict[str, tuple[int, int]] = {}
        for root in roots:
            _walk(root, on_disk)
        with self._db() as conn:
            known: dict[str, tuple[int, int, str | None]] = {
                row[0]: (row[1], row[2], row[3])
                for row in conn.execute("SELECT path, mtime_ns, size, thread_id FROM rollout_files")
            }
        prefixes = tuple(root.rstrip(os.sep) + os.sep for root in roots)
        vanished = [p for p in known if p not in on_disk and p.startswith(prefixes)]
        to_read = {p for p, st in on_disk.items() if p not in known or known[p][:2] != st}
        # A thread whose file vanished may live on in another file (a copy): read those again.
        orphans = {known[p][2] for p in vanished} - {None}
        if orphans:
            to_read |= {p for p, (_, _, tid) in known.items() if tid in orphans and p in on_disk}

        summaries: list[tuple[str, ThreadSummary | None, str | None]] = []
        problems: list[str] = []
        for path in sorted(to_read):
            try:
                summaries.append((path, rollout_summary(Path(path)), None))
            except RolloutReadError as exc:
                summaries.append((path, None, exc.reason))
                problems.append(str(exc))

        added = updated = 0
        with self._write() as conn:
            for path in vanished:
                conn.execute("DELETE FROM rollout_files WHERE path = ?", (path,))
                conn.execute("DELETE FROM threads WHERE rollout_path = ?", (path,))
            for path, summary, error in summaries:
                mtime_ns, size = on_disk[path]
                conn.execute(_PUT_FILE, (path, mtime_ns, size, summary.id if summary else None, error))
                if summary is None:
                    continue
                if path in known and known[path][2] is not None:
                    updated += 1
                else:
                    added += 1
                current = conn.execute(
                    "SELECT rollout_path, updated_at FROM threads WHERE id = ?", (summary.id,)
                ).fetchone()
                if (
                    current is not None
                    and current[0] != path
                    and current[0] in on_disk
                    and (current[1] or "") > (summary.updated_at or "")
                ):
                    continue  # two files hold this thread: the most recently updated one stands for it
                conn.execute(_UPSERT, _record_to_row(summary))
        return SyncStats(
            scanned=len(on_disk),
            added=added,
            updated=updated,
            removed=len(vanished),
            unchanged=len(on_disk) - len(to_read),
            failed=len(problems),
            problems=tuple(problems),
        )

    def rebuild(self, sessions_dir: Path | None = None) -> SyncStats:
        """Forget everything and read every rollout file again."""
        with self._write() as conn:
            conn.execute("DELETE FROM threads")
            conn.execute("DELETE FROM rollout_files")
        return self.sync(sessions_dir)
