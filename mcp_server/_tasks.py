"""MCP tasks (2025-11-25): a host that negotiates them starts a `codex` call as a task and polls it, instead of
holding one request open past its own timeout.

`tools/call` with `task` answers at once with the task; the turn runs on; `tasks/get` and `tasks/list` report it,
`tasks/result` waits for the call's result, `tasks/cancel` stops the turn. The 2026-07-28 revision moved tasks to an
extension (SEP-2663) that this server does not implement.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError

RELATED_TASK = "io.modelcontextprotocol/related-task"
POLL_INTERVAL_MS = 1000


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class TaskRecord:
    """One task: its status for `tasks/get`, its result for `tasks/result`."""

    task_id: str
    ttl: int | None
    status: types.TaskStatus = "working"
    status_message: str | None = None
    created_at: str = field(default_factory=_now)
    last_updated_at: str = field(default_factory=_now)
    result: types.CallToolResult | None = None
    done: anyio.Event = field(default_factory=anyio.Event)
    cancel: Any = None
    """Called by `tasks/cancel` to stop the turn (set once the turn has started)."""

    def task(self) -> types.Task:
        return types.Task(
            task_id=self.task_id,
            status=self.status,
            status_message=self.status_message,
            created_at=self.created_at,
            last_updated_at=self.last_updated_at,
            ttl=self.ttl,
            poll_interval=POLL_INTERVAL_MS,
        )

    def meta(self) -> dict[str, Any]:
        return {RELATED_TASK: {"taskId": self.task_id}}

    def set_status(self, status: types.TaskStatus, message: str | None = None) -> None:
        if self.done.is_set():
            return
        self.status = status
        self.status_message = message
        self.last_updated_at = _now()

    def waiting(self, question: str | None) -> None:
        """`input_required` while a question is out, `working` again once it is answered."""
        if question is not None:
            self.set_status("input_required", question)
        elif self.status == "input_required":
            self.set_status("working")

    def finish(self, result: types.CallToolResult, *, cancelled: bool = False) -> None:
        if self.done.is_set():
            return
        self.result = result
        if cancelled or self.status == "cancelled":
            self.set_status("cancelled", self.status_message)
        else:
            self.set_status("failed" if result.is_error else "completed")
        self.done.set()


class TaskStore:
    """The tasks of this server process."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskRecord] = {}

    def create(self, ttl: int | None) -> TaskRecord:
        record = TaskRecord(secrets.token_hex(12), ttl)
        self._tasks[record.task_id] = record
        return record

    def get(self, task_id: str) -> TaskRecord:
        """The task.

        Raises:
            MCPError: no task with that id (INVALID_PARAMS, as the spec asks).
        """
        record = self._tasks.get(task_id)
        if record is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Task not found: {task_id}")
        return record

    def all(self) -> list[TaskRecord]:
        return list(self._tasks.values())
