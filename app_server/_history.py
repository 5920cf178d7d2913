"""A thread's past turns, as `Turn` objects with their items, read back from its rollout's `event_msg` records."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any, cast

from . import _shapes as shapes
from ._events import agent_message_item, user_message_item


def _changes(raw: object) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(raw, dict):
        return out
    for path, change in cast(dict[str, Any], raw).items():
        change = cast(dict[str, Any], change) if isinstance(change, dict) else {}
        kind_name = change.get("type") if change.get("type") in ("add", "delete", "update") else "update"
        kind: dict[str, Any] = {"type": kind_name}
        if kind_name == "update":
            kind["move_path"] = change.get("move_path")
        diff = change.get("unified_diff") if kind_name == "update" else change.get("content")
        out.append({"path": str(path), "kind": kind, "diff": diff if isinstance(diff, str) else ""})
    return out


class _Builder:
    def __init__(self) -> None:
        self.turns: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.count = 0

    def _turn(self, turn_id: str | None = None) -> dict[str, Any]:
        if self.current is None:
            self.count += 1
            self.current = {
                "id": turn_id or f"turn-{self.count}",
                "items": [],
                "itemsView": "full",
                "status": "completed",
                "error": None,
                "startedAt": None,
                "completedAt": None,
                "durationMs": None,
            }
            self.turns.append(self.current)
        return self.current

    def _item(self, item: dict[str, Any]) -> None:
        self._turn()["items"].append(item)

    def event(self, payload: dict[str, Any], n: int) -> None:
        kind = payload.get("type")
        if kind == "task_started":
            self.current = None
            self._turn(str(payload.get("turn_id") or "") or None)["status"] = "inProgress"
        elif kind in ("task_complete", "turn_aborted"):
            turn = self._turn()
            if kind == "turn_aborted":
                turn["status"] = "interrupted"
            elif turn["error"] is None:
                turn["status"] = "completed"
            else:
                turn["status"] = "failed"
            self.current = None
        elif kind == "error":
            self._turn()["error"] = {"message": str(payload.get("message", ""))}
        elif kind == "user_message":
            images = tuple(str(i) for i in cast(list[Any], payload.get("images") or []))
            self._item(user_message_item(f"item-{n}", str(payload.get("message", "")), images))
        elif kind == "agent_message":
            self._item(agent_message_item(f"item-{n}", str(payload.get("message", "")), payload.get("phase")))
        elif kind == "agent_reasoning":
            self._item(
                {"type": "reasoning", "id": f"item-{n}", "summary": [str(payload.get("text", ""))], "content": []}
            )
        elif kind == "exec_command_end":
            command = [str(c) for c in cast(list[Any], payload.get("command") or [])]
            exit_code = payload.get("exit_code")
            self._item(
                {
                    "type": "commandExecution",
                    "id": str(payload.get("call_id") or f"item-{n}"),
                    "command": shlex.join(command),
                    "cwd": str(payload.get("cwd") or "/"),
                    "processId": None,
                    "source": "agent",
                    "status": "completed" if exit_code == 0 else "failed",
                    "commandActions": shapes.command_actions(command),
                    "aggregatedOutput": payload.get("aggregated_output"),
                    "exitCode": exit_code if isinstance(exit_code, int) else None,
                    "durationMs": payload.get("duration_ms") if isinstance(payload.get("duration_ms"), int) else None,
                }
            )
        elif kind == "patch_apply_end":
            self._item(
                {
                    "type": "fileChange",
                    "id": str(payload.get("call_id") or f"item-{n}"),
                    "changes": _changes(payload.get("changes")),
                    "status": "completed" if payload.get("success") else "failed",
                }
            )


def turns_of_rollout(path: Path) -> list[dict[str, Any]]:
    """The turns recorded in a rollout file (unreadable lines are skipped; a missing file has none)."""
    builder = _Builder()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for n, line in enumerate(lines):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("type") == "event_msg":
            payload = cast(dict[str, Any], record).get("payload")
            if isinstance(payload, dict):
                builder.event(cast(dict[str, Any], payload), n)
    return builder.turns
