"""Session events → app-server notifications, one translator per thread.

The engine's events are Codex's `EventMsg` names; the app-server speaks in items (`item/started`,
`item/completed` with a `ThreadItem`), their deltas, and turn and thread notifications.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from agent import Event, EventRedactor
from agent import protocol as p

from . import _shapes as shapes
from ._collab_items import activity_item, collab_item
from ._hook_events import HookRuns
from ._wire import now_ms

Notification = tuple[str, dict[str, Any]]

_PLAN_STATUS = {"pending": "pending", "in_progress": "inProgress", "completed": "completed"}


def user_message_item(item_id: str, text: str, images: tuple[str, ...] = ()) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text, "text_elements": []}] if text else []
    for image in images:
        if image.startswith(("data:", "http://", "https://")):
            content.append({"type": "image", "url": image})
        else:
            content.append({"type": "localImage", "path": image})
    return {"type": "userMessage", "id": item_id, "clientId": None, "content": content}


def agent_message_item(item_id: str, text: str, phase: str | None = None) -> dict[str, Any]:
    return {"type": "agentMessage", "id": item_id, "text": text, "phase": phase}


def file_changes(changes: dict[str, p.FileChange]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path, change in changes.items():
        kind: dict[str, Any] = {"type": change.type}
        if change.type == "update":
            kind["move_path"] = change.move_path
        diff = change.unified_diff if change.type == "update" else change.content
        out.append({"path": path, "kind": kind, "diff": diff or ""})
    return out


@dataclass
class _Turn:
    turn_id: str
    started_at: int
    items_started: set[str] = field(default_factory=lambda: set[str]())
    items_completed: set[str] = field(default_factory=lambda: set[str]())
    commands: dict[str, dict[str, Any]] = field(default_factory=lambda: dict[str, dict[str, Any]]())
    patches: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: dict[str, list[dict[str, Any]]]())
    collab: dict[str, dict[str, Any]] = field(default_factory=lambda: dict[str, dict[str, Any]]())
    message_id: str | None = None
    message_text: str = ""
    reasoning_id: str | None = None
    last_message: dict[str, Any] | None = None
    error: str | None = None


class Translator:
    """Turns one thread's events into notifications (method, params), keeping what a turn needs to remember."""

    def __init__(self, thread_id: str) -> None:
        self.thread_id = thread_id
        self._turn: _Turn | None = None
        self._hooks = HookRuns()
        self._redactor = EventRedactor()

    @property
    def turn_id(self) -> str | None:
        return self._turn.turn_id if self._turn else None

    def _n(self, method: str, **params: Any) -> Notification:
        return method, {"threadId": self.thread_id, **params}

    def _started(self, turn: _Turn, item: dict[str, Any]) -> Notification:
        turn.items_started.add(item["id"])
        return self._n("item/started", turnId=turn.turn_id, item=item, startedAtMs=now_ms())

    def _completed(self, turn: _Turn, item: dict[str, Any]) -> list[Notification]:
        out = [] if item["id"] in turn.items_started else [self._started(turn, item)]
        turn.items_completed.add(item["id"])
        out.append(self._n("item/completed", turnId=turn.turn_id, item=item, completedAtMs=now_ms()))
        return out

    def status(self, status: dict[str, Any]) -> Notification:
        return self._n("thread/status/changed", status=status)

    def turn_object(self, status: str, *, completed: bool = False) -> dict[str, Any]:
        turn = self._turn
        assert turn is not None
        now = now_ms()
        items = [turn.last_message] if completed and turn.last_message else []
        return {
            "id": turn.turn_id,
            "items": items,
            "itemsView": "summary" if completed else "notLoaded",
            "status": status,
            "error": {"message": turn.error} if completed and turn.error and status == "failed" else None,
            "startedAt": turn.started_at // 1000,
            "completedAt": now // 1000 if completed else None,
            "durationMs": now - turn.started_at if completed else None,
        }

    def begin_turn(self, turn_id: str) -> list[Notification]:
        self._turn = _Turn(turn_id, now_ms())
        return [
            self.status({"type": "active", "activeFlags": []}),
            self._n("turn/started", turn=self.turn_object("inProgress")),
        ]

    def end_turn(self) -> list[Notification]:
        turn = self._turn
        return self._turn_ended("failed" if turn and turn.error else "completed") if turn else []

    def failed(self, message: str) -> list[Notification]:
        turn = self._turn
        if turn is None:
            return [("warning", {"threadId": self.thread_id, "message": message})]
        turn.error = message
        return [self._n("error", turnId=turn.turn_id, error={"message": message}, willRetry=False)]

    def compaction(self, *, started: bool) -> list[Notification]:
        """The `contextCompaction` item of a thread/compact/start turn (started, then completed)."""
        turn = self._turn
        assert turn is not None
        item = {"type": "contextCompaction", "id": f"compaction-{turn.turn_id}"}
        if started:
            return [self._started(turn, item)]
        return [*self._completed(turn, item), self._n("thread/compacted", turnId=turn.turn_id)]

    def review_mode(self, review: str, *, entered: bool) -> list[Notification]:
        """The `enteredReviewMode` (the target) and `exitedReviewMode` (the findings) items of a review turn."""
        turn = self._turn
        assert turn is not None
        kind = "enteredReviewMode" if entered else "exitedReviewMode"
        return self._completed(turn, {"type": kind, "id": f"{kind}-{turn.turn_id}", "review": review})

    def interrupted(self) -> list[Notification]:
        return self._turn_ended("interrupted") if self._turn else []

    def on_event(self, event: Event) -> list[Notification]:
        # Clients are not the model: what they get is redacted, streamed deltas as streams (a secret split across
        # pieces is held back until it is whole, then masked).
        out: list[Notification] = []
        for msg in self._redactor.feed(event.msg):
            out += self._translate(event.id, msg)
        return out

    def _translate(self, event_id: str, msg: p.EventMsg) -> list[Notification]:
        if isinstance(msg, p.TaskStarted):
            return self.begin_turn(msg.turn_id)
        hooked = self._hooks.notifications(self.thread_id, self.turn_id, msg)
        if hooked is not None:
            return hooked
        turn = self._turn
        if turn is None or (event_id and event_id != turn.turn_id):
            return self._outside_turn(msg)
        return self._in_turn(turn, msg)

    def _outside_turn(self, msg: Any) -> list[Notification]:
        if isinstance(msg, p.Warning):
            return [("warning", {"threadId": self.thread_id, "message": msg.message})]
        if isinstance(msg, p.Error):
            return [("warning", {"threadId": self.thread_id, "message": msg.message})]
        return []

    def _in_turn(self, turn: _Turn, msg: Any) -> list[Notification]:
        tid = turn.turn_id
        if isinstance(msg, p.UserMessage):
            return self._completed(turn, user_message_item(str(uuid.uuid4()), msg.message, msg.images))
        if isinstance(msg, p.AgentMessageDelta):
            out: list[Notification] = []
            if turn.message_id is None:
                turn.message_id, turn.message_text = msg.item_id or str(uuid.uuid4()), ""
                out.append(self._started(turn, agent_message_item(turn.message_id, "")))
            turn.message_text += msg.delta
            out.append(self._n("item/agentMessage/delta", turnId=tid, itemId=turn.message_id, delta=msg.delta))
            return out
        if isinstance(msg, p.AgentMessage):
            item = agent_message_item(turn.message_id or str(uuid.uuid4()), msg.message, msg.phase)
            turn.message_id = None
            turn.last_message = item
            return self._completed(turn, item)
        if isinstance(msg, p.AgentReasoningDelta):
            out = []
            if turn.reasoning_id is None:
                turn.reasoning_id = str(uuid.uuid4())
                out.append(
                    self._started(turn, {"type": "reasoning", "id": turn.reasoning_id, "summary": [], "content": []})
                )
            out.append(
                self._n(
                    "item/reasoning/summaryTextDelta",
                    turnId=tid,
                    itemId=turn.reasoning_id,
                    delta=msg.delta,
                    summaryIndex=0,
                )
            )
            return out
        if isinstance(msg, p.AgentReasoning):
            item = {
                "type": "reasoning",
                "id": turn.reasoning_id or str(uuid.uuid4()),
                "summary": [msg.text],
                "content": [],
            }
            turn.reasoning_id = None
            return self._completed(turn, item)
        if isinstance(msg, p.ExecApprovalRequest | p.ExecCommandBegin):
            return self._command_started(turn, msg)
        if isinstance(msg, p.ExecCommandOutputDelta):
            return [self._n("item/commandExecution/outputDelta", turnId=tid, itemId=msg.call_id, delta=msg.chunk)]
        if isinstance(msg, p.ExecCommandEnd):
            item = {
                **self._command_item(turn, msg.call_id, msg.command, msg.cwd),
                "status": "completed" if msg.exit_code == 0 else "failed",
                "aggregatedOutput": msg.aggregated_output,
                "exitCode": msg.exit_code,
                "durationMs": msg.duration_ms,
            }
            return self._completed(turn, item)
        if isinstance(msg, p.ApplyPatchApprovalRequest | p.PatchApplyBegin):
            turn.patches.setdefault(msg.call_id, file_changes(msg.changes))
            if msg.call_id in turn.items_started:
                return []
            item = {
                "type": "fileChange",
                "id": msg.call_id,
                "changes": turn.patches[msg.call_id],
                "status": "inProgress",
            }
            return [self._started(turn, item)]
        if isinstance(msg, p.PatchApplyEnd):
            changes = turn.patches.get(msg.call_id) or file_changes(msg.changes)
            status = "completed" if msg.success else "failed"
            return self._completed(
                turn, {"type": "fileChange", "id": msg.call_id, "changes": changes, "status": status}
            )
        if isinstance(msg, p.McpToolCallBegin | p.McpToolCallEnd):
            return self._mcp(turn, msg)
        if isinstance(msg, p.CollabToolCallBegin):
            turn.collab[msg.call_id] = item = collab_item(msg)
            return [self._started(turn, item)]
        if isinstance(msg, p.CollabToolCallEnd):
            return self._completed(turn, collab_item(msg))
        if isinstance(msg, p.SubAgentActivity):
            return self._completed(turn, activity_item(msg))
        if isinstance(msg, p.PlanUpdate):
            plan = [{"step": s.step, "status": _PLAN_STATUS[s.status]} for s in msg.plan]
            return [self._n("turn/plan/updated", turnId=tid, explanation=msg.explanation, plan=plan)]
        if isinstance(msg, p.TurnDiff):
            return [self._n("turn/diff/updated", turnId=tid, diff=msg.unified_diff)]
        if isinstance(msg, p.TokenCount):
            if msg.info is None:
                return []
            usage = {
                "total": shapes.usage(msg.info.total_token_usage),
                "last": shapes.usage(msg.info.last_token_usage),
                "modelContextWindow": msg.info.model_context_window,
            }
            return [self._n("thread/tokenUsage/updated", turnId=tid, tokenUsage=usage)]
        if isinstance(msg, p.StreamError):
            return [self._n("error", turnId=tid, error={"message": msg.message}, willRetry=True)]
        if isinstance(msg, p.Error):
            turn.error = msg.message
            return [self._n("error", turnId=tid, error={"message": msg.message}, willRetry=False)]
        if isinstance(msg, p.Warning):
            return [("warning", {"threadId": self.thread_id, "message": msg.message})]
        if isinstance(msg, p.TaskComplete):
            return self._turn_ended("failed" if turn.error else "completed")
        if isinstance(msg, p.TurnAborted):
            return self._turn_ended("interrupted")
        return []

    def _command_item(self, turn: _Turn, call_id: str, command: tuple[str, ...], cwd: str) -> dict[str, Any]:
        return turn.commands.setdefault(
            call_id,
            {
                "type": "commandExecution",
                "id": call_id,
                "command": shapes.command_text(command),
                "cwd": cwd,
                "processId": None,
                "source": "agent",
                "status": "inProgress",
                "commandActions": shapes.command_actions(command),
                "aggregatedOutput": None,
                "exitCode": None,
                "durationMs": None,
            },
        )

    def _command_started(self, turn: _Turn, msg: p.ExecApprovalRequest | p.ExecCommandBegin) -> list[Notification]:
        item = self._command_item(turn, msg.call_id, msg.command, msg.cwd)
        if isinstance(msg, p.ExecCommandBegin) and msg.process_id is not None:
            item["processId"] = str(msg.process_id)
        if msg.call_id in turn.items_started:
            return []
        return [self._started(turn, dict(item))]

    def declined(self, call_id: str, *, kind: str) -> list[Notification]:
        """The person declined (or cancelled) an approval: the item ends as `declined`."""
        turn = self._turn
        if turn is None:
            return []
        if kind == "command":
            item = turn.commands.get(call_id)
            if item is None:
                return []
            return self._completed(turn, {**item, "status": "declined"})
        changes = turn.patches.get(call_id, [])
        return self._completed(turn, {"type": "fileChange", "id": call_id, "changes": changes, "status": "declined"})

    def _mcp(self, turn: _Turn, msg: p.McpToolCallBegin | p.McpToolCallEnd) -> list[Notification]:
        item: dict[str, Any] = {
            "type": "mcpToolCall",
            "id": msg.call_id,
            "server": msg.invocation.server,
            "tool": msg.invocation.tool,
            "arguments": msg.invocation.arguments,
            "status": "inProgress",
            "result": None,
            "error": None,
            "durationMs": None,
        }
        if isinstance(msg, p.McpToolCallBegin):
            return [self._started(turn, item)]
        failed = msg.is_error or msg.error is not None
        result = msg.result if msg.result is not None and "content" in msg.result else None
        item.update(
            status="failed" if failed else "completed",
            result=result,
            error={"message": msg.error} if msg.error else None,
            durationMs=msg.duration_ms,
        )
        return self._completed(turn, item)

    def _turn_ended(self, status: str) -> list[Notification]:
        turn = self._turn
        assert turn is not None
        out: list[Notification] = []
        # Items the engine started but never finished (a command killed by an interrupt reports its end first).
        for call_id, item in turn.commands.items():
            if call_id in turn.items_started and call_id not in turn.items_completed:
                out.extend(self._completed(turn, {**item, "status": "failed"}))
        for call_id, item in turn.collab.items():  # a wait cut short by turn/interrupt
            if call_id not in turn.items_completed:
                out.extend(self._completed(turn, {**item, "status": "interrupted"}))
        out.append(self.status({"type": "idle"}))
        out.append(self._n("turn/completed", turn=self.turn_object(status, completed=True)))
        self._turn = None
        return out
