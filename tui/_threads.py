"""What the TUI needs from the engine for past sessions, as a small interface.

`pycodex resume` and `/resume` list past threads and reopen one with its transcript. The engine's state index
provides this (the sessions work); until it is wired in, `UnavailableThreads` answers every call with
`FeatureUnavailable`, and the TUI says so plainly instead of failing.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import agent

if TYPE_CHECKING:
    from agent.protocol import EventMsg


class FeatureUnavailable(Exception):
    """The engine does not offer this yet; the message says what is missing, for a person."""


@dataclass(frozen=True)
class ThreadSummary:
    """One past thread, as the resume picker lists it."""

    thread_id: str
    preview: str
    """The first prompt (or the thread's title)."""
    updated_at: datetime.datetime
    cwd: Path | None = None
    model: str | None = None


@dataclass(frozen=True)
class ResumedThread:
    """A thread to reopen: the engine's record of it (None from stores that have none) and its past events."""

    thread_id: str
    events: Sequence[EventMsg]
    rollout: agent.Rollout | None = None


class ThreadStore(Protocol):
    """Past threads: listing and reopening."""

    async def list_threads(self, *, cwd: Path | None, limit: int) -> Sequence[ThreadSummary]:
        """Newest first; only those started in `cwd` when given."""
        ...

    async def latest(self, *, cwd: Path | None) -> ThreadSummary | None:
        """The most recently updated thread (of `cwd` when given), or None."""
        ...

    async def load(self, thread_id: str) -> ResumedThread:
        """The thread with this id (or unique id prefix), ready to continue. Raises `FeatureUnavailable` with a
        message for a person when it cannot be found or read."""
        ...


UNAVAILABLE_TEXT = (
    "Resuming past sessions is not available yet: the engine's session index (listing and reopening threads) "
    "has not landed. This session keeps its own record meanwhile."
)


class UnavailableThreads:
    """The stand-in where the engine cannot list and reopen threads."""

    async def list_threads(self, *, cwd: Path | None, limit: int) -> Sequence[ThreadSummary]:
        raise FeatureUnavailable(UNAVAILABLE_TEXT)

    async def latest(self, *, cwd: Path | None) -> ThreadSummary | None:
        raise FeatureUnavailable(UNAVAILABLE_TEXT)

    async def load(self, thread_id: str) -> ResumedThread:
        raise FeatureUnavailable(UNAVAILABLE_TEXT)


def _when(text: str | None) -> datetime.datetime:
    if text:
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            pass
    return datetime.datetime.fromtimestamp(0, datetime.UTC)


def _summary(record: agent.ThreadRecord) -> ThreadSummary:
    return ThreadSummary(
        thread_id=record.id,
        preview=record.title or record.first_user_message or "",
        updated_at=_when(record.updated_at or record.created_at),
        cwd=Path(record.cwd) if record.cwd else None,
        model=record.model,
    )


class EngineThreads:
    """Past threads from the engine's index under `codex_home` (its calls block, so they run in a thread)."""

    def __init__(self, codex_home: Path) -> None:
        self.codex_home = codex_home

    async def list_threads(self, *, cwd: Path | None, limit: int) -> Sequence[ThreadSummary]:
        import anyio.to_thread

        records = await anyio.to_thread.run_sync(
            functools.partial(agent.list_threads, self.codex_home, cwd=cwd, limit=limit)
        )
        return [_summary(r) for r in records]

    async def latest(self, *, cwd: Path | None) -> ThreadSummary | None:
        import anyio.to_thread

        try:
            record = await anyio.to_thread.run_sync(functools.partial(agent.latest_thread, self.codex_home, cwd=cwd))
        except agent.ThreadNotFoundError:
            return None
        return _summary(record)

    async def load(self, thread_id: str) -> ResumedThread:
        import anyio.to_thread

        from ._replay import transcript_events

        def read() -> ResumedThread:
            record = agent.find_thread(self.codex_home, thread_id)
            rollout = agent.load_thread(record)
            return ResumedThread(rollout.thread_id, transcript_events(rollout.path), rollout)

        try:
            return await anyio.to_thread.run_sync(read)
        except agent.AgentError as exc:
            raise FeatureUnavailable(str(exc)) from exc


def age_text(then: datetime.datetime, now: datetime.datetime) -> str:
    """`just now`, `5m ago`, `3h ago`, `2d ago`, or the date for older."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d ago"
    return then.strftime("%Y-%m-%d")
