"""The engine's HookStarted/HookCompleted events → `hook/started` and `hook/completed` (a `HookRunSummary` each)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent import protocol as p

from ._wire import now_ms

Notification = tuple[str, dict[str, Any]]


def _event_name(event: str) -> str:
    return event[:1].lower() + event[1:]


def _source(path: str) -> str:
    """Which config layer a hook's file belongs to, as Codex names it."""
    if not path:
        return "unknown"
    folder = Path(path).parent
    home = Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")
    if folder == home:
        return "user"
    if folder.name == ".codex":
        return "project"
    if folder == Path("/etc/codex"):
        return "system"
    return "unknown"


@dataclass
class _Run:
    run_id: str
    started_at: int
    order: int


@dataclass
class HookRuns:
    """The runs of one thread that have started and not ended, by hook key (a key may run more than once)."""

    running: dict[str, list[_Run]] = field(default_factory=lambda: dict[str, list[_Run]]())
    count: int = 0

    def _summary(
        self, msg: p.HookStarted | p.HookCompleted, run: _Run, status: str, *, in_turn: bool
    ) -> dict[str, Any]:
        ended = isinstance(msg, p.HookCompleted)
        now = now_ms()
        entries: list[dict[str, str]] = []
        if isinstance(msg, p.HookCompleted) and msg.status != "completed":
            entries.append({"kind": "error" if msg.status == "failed" else "feedback", "text": msg.message})
        return {
            "id": run.run_id,
            "eventName": _event_name(msg.event),
            "handlerType": "command",
            "executionMode": "sync",
            "scope": "turn" if in_turn else "thread",
            "source": _source(msg.source),
            "sourcePath": msg.source,
            "displayOrder": run.order,
            "status": status,
            "statusMessage": msg.message if not ended else None,
            "startedAt": run.started_at // 1000,
            "completedAt": now // 1000 if ended else None,
            "durationMs": now - run.started_at if ended else None,
            "entries": entries,
        }

    def notifications(self, thread_id: str, turn_id: str | None, msg: Any) -> list[Notification] | None:
        """The notification for `msg`, or None when it is not a hook event."""
        if isinstance(msg, p.HookStarted):
            self.count += 1
            run = _Run(f"hook-{self.count}", now_ms(), self.count)
            self.running.setdefault(msg.key, []).append(run)
            summary = self._summary(msg, run, "running", in_turn=turn_id is not None)
            return [("hook/started", {"threadId": thread_id, "turnId": turn_id, "run": summary})]
        if isinstance(msg, p.HookCompleted):
            waiting = self.running.get(msg.key) or []
            if waiting:
                run = waiting.pop(0)
            else:
                self.count += 1
                run = _Run(f"hook-{self.count}", now_ms(), self.count)
            summary = self._summary(msg, run, msg.status, in_turn=turn_id is not None)
            return [("hook/completed", {"threadId": thread_id, "turnId": turn_id, "run": summary})]
        return None
