"""What a session persists, in one place: the rollout file (locked against a second writer), and the thread's row
in the index. The session tells the recorder what happened; the recorder knows the files."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from ..errors import SessionFileError, ThreadBusyError
from ._lock import ThreadLock
from ._rollout import RolloutError, RolloutWriter, rollout_path

if TYPE_CHECKING:
    from ..config import Config
    from ._index import ThreadRecord
    from ._reader import Rollout

JsonObject = dict[str, Any]
Report = Callable[[str], None]
"""Told, once, why persistence failed (the session shows it as a warning; the turn goes on)."""


class ThreadRecorder:
    """The rollout and index of one thread. `open_new` or `open_resumed`, then `record`, then `close`."""

    def __init__(self, codex_home: Path, *, report: Report) -> None:
        self._codex_home = codex_home
        self._report = report
        self._rollout: RolloutWriter | None = None
        self._lock: ThreadLock | None = None
        self._rollout_failed = False
        self._index_failed = False
        self._index_lock = anyio.Lock()
        self._closed = False

    @property
    def path(self) -> Path | None:
        return self._rollout.path if self._rollout else None

    def open_resumed(self, resume: Rollout) -> str | None:
        """Append to the thread's own file; returns a note when a torn last line had to be cut.

        Raises `ThreadLockedError` when another process is writing the thread.
        """
        lock = ThreadLock(resume.path)
        lock.acquire()
        self._lock = lock
        # A crash mid-write leaves a torn last line: cut it before appending, or the next record would be glued
        # onto it and lost.
        from ._reader import repair_tail

        repaired = repair_tail(resume.path)
        self._rollout = RolloutWriter(resume.path, ordinal=resume.next_ordinal)
        return repaired

    def open_new(self, thread_id: str, meta: JsonObject) -> None:
        """Create the thread's file and write its `session_meta` record."""
        path = rollout_path(self._codex_home, thread_id)
        self._lock = ThreadLock(path)
        self._lock.acquire()
        self._rollout = RolloutWriter(path)
        try:
            self._rollout.append("session_meta", meta)
        except RolloutError:
            # Nothing of the thread was recorded (a full disk): leave no empty file for the index to trip over.
            self._rollout.close()
            path.unlink(missing_ok=True)
            raise

    def release(self) -> None:
        """Close the file and let go of the lock while the thread is idle; `reopen` (or the next record) takes them
        again."""
        if self._rollout is not None:
            self._rollout.close()
        if self._lock is not None:
            self._lock.release()

    def reopen(self) -> None:
        """Take the lock and open the file again after `release`.

        Raises `ThreadLockedError` when another process took the thread meanwhile, `SessionFileError` when the
        file cannot be opened (archived, deleted, a full disk).
        """
        if self._rollout is None or not self._rollout.closed or self._rollout_failed or self._closed:
            return
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._rollout.reopen()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    def record(self, record_type: str, payload: JsonObject) -> None:
        """Append one record; a failure is reported once and later records are dropped."""
        if self._rollout is None or self._rollout_failed or self._closed:
            return
        try:
            self.reopen()
            self._rollout.append(record_type, payload)
        except (SessionFileError, ThreadBusyError) as exc:
            # Reported once, loudly; the turn goes on (the model's work is not lost with the file).
            self._rollout_failed = True
            self._report(str(exc))

    def record_items(self, items: list[JsonObject]) -> None:
        for item in items:
            self.record("response_item", item)

    async def update_index(self, build: Callable[[], ThreadRecord]) -> None:
        """Bring the thread's index row up to date with the record `build` makes (the index is a cache: a failure is
        reported once). One update at a time, each record built when its turn comes, in a worker thread (the first
        call imports sqlite3)."""
        if self._rollout is None:
            return
        from ._threads import record_thread

        async with self._index_lock:
            try:
                await anyio.to_thread.run_sync(lambda: record_thread(self._codex_home, build()))
            except Exception as exc:  # sqlite3 errors, a read-only home: the rollout is kept
                if not self._index_failed:
                    self._index_failed = True
                    self._report(f"the session index could not be updated: {exc}")

    def close(self) -> None:
        self._closed = True
        if self._rollout is not None:
            self._rollout.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def session_meta(
    config: Config,
    *,
    thread_id: str,
    source: str,
    cli_version: str,
    base_instructions: str,
    git: JsonObject | None,
    forked_from: Rollout | None,
    subagent: JsonObject | None = None,
) -> JsonObject:
    """The `session_meta` record that opens a new rollout (Codex's fields)."""
    meta: JsonObject = {
        "id": thread_id,
        "session_id": thread_id,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cwd": str(config.cwd),
        "originator": f"pycodex_{source}",
        "cli_version": cli_version,
        "source": source,
        "model_provider": config.provider.id,
        "model": config.model,
        "base_instructions": {"text": base_instructions},
    }
    if git is not None:
        meta["git"] = git
    if subagent is not None:
        # Codex's shape for a thread spawned by another: the source names the parent and the depth.
        meta["source"] = {"subagent": {"thread_spawn": subagent}}
        meta["thread_source"] = "subagent"
        meta["agent_nickname"] = subagent.get("agent_nickname")
    if forked_from is not None:
        meta["forked_from"] = {"id": forked_from.thread_id, "rollout_path": str(forked_from.path)}
    return meta


def thread_record(
    config: Config,
    *,
    thread_id: str,
    rollout: Path,
    source: str,
    git: JsonObject | None,
    first_user_message: str | None,
    created_at: str,
    updated_at: str,
    tokens_used: int,
) -> ThreadRecord:
    """The thread's row in the index, as of now."""
    from ._index import ThreadRecord

    git = git or {}
    return ThreadRecord(
        id=thread_id,
        rollout_path=rollout,
        cwd=str(config.cwd),
        git_branch=git.get("branch"),
        git_commit=git.get("commit"),
        model=config.model,
        model_provider=config.provider.id,
        source=source,
        first_user_message=first_user_message,
        title=None,
        created_at=created_at,
        updated_at=updated_at,
        tokens_used=tokens_used,
        archived=False,
    )
