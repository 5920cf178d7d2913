"""Renderers for `pycodex exec`: JSON Lines (Codex's `exec --json` events) and the human transcript."""

from __future__ import annotations

import json
import shlex
import sys
from typing import Any, TextIO

from agent import Config, Event, TurnOutcome
from agent import protocol as p


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class JsonlRenderer:
    """Codex's `exec --json` stream: thread/turn events and items with ids `item_N` in order of appearance."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._closed = False
        self._ids: dict[str, str] = {}
        self._next = 0
        self._todo_id: str | None = None
        self._todo_items: list[dict[str, Any]] = []
        self._error: str | None = None
        self._usage = p.TokenUsage()
        self._commands: dict[str, str] = {}
        self._patches: dict[str, list[dict[str, str]]] = {}
        self._mcp: dict[str, dict[str, Any]] = {}
        self._signalled = False

    def signalled(self) -> None:
        """The run was stopped by a signal: an aborted turn ends the stream without a `turn.failed` line."""
        self._signalled = True

    def _write(self, obj: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            self._out.write(_dump(obj) + "\n")
            self._out.flush()
        except BrokenPipeError:
            # The reader went away (`| head`): stop writing, let the turn finish quietly.
            self._closed = True

    def _new_id(self, key: str | None = None) -> str:
        item_id = f"item_{self._next}"
        self._next += 1
        if key is not None:
            self._ids[key] = item_id
        return item_id

    def thread_started(self, thread_id: str) -> None:
        self._write({"type": "thread.started", "thread_id": thread_id})

    def on_event(self, event: Event) -> None:
        msg = event.msg
        if isinstance(msg, p.TaskStarted):
            self._error = None
            self._usage = p.TokenUsage()
            self._write({"type": "turn.started"})
        elif isinstance(msg, p.AgentReasoning):
            self._write(
                {"type": "item.completed", "item": {"id": self._new_id(), "type": "reasoning", "text": msg.text}}
            )
        elif isinstance(msg, p.AgentMessage):
            self._write(
                {"type": "item.completed", "item": {"id": self._new_id(), "type": "agent_message", "text": msg.message}}
            )
        elif isinstance(msg, p.ExecCommandBegin | p.ExecCommandEnd):
            self._on_command(msg)
        elif isinstance(msg, p.PlanUpdate):
            self._on_plan(msg)
        elif isinstance(msg, p.PatchApplyBegin | p.PatchApplyEnd):
            self._on_patch(msg)
        elif isinstance(msg, p.McpToolCallBegin | p.McpToolCallEnd):
            self._on_mcp_call(msg)
        elif isinstance(msg, p.CollabToolCallBegin | p.CollabToolCallEnd):
            self._on_collab_call(msg)
        elif isinstance(msg, p.AutoReviewVerdict) and msg.status != "approved":
            self._on_declined(msg)
        elif isinstance(msg, p.Warning) or (isinstance(msg, p.HookCompleted) and msg.status != "completed"):
            # A hook that blocked or failed leaves a trace as Codex shows errors: no new item type.
            self._write(
                {"type": "item.completed", "item": {"id": self._new_id(), "type": "error", "message": msg.message}}
            )
        elif isinstance(msg, p.StreamError):
            self._write({"type": "error", "message": msg.message})
        elif isinstance(msg, p.Error):
            self._error = msg.message
            self._write({"type": "error", "message": msg.message})
        elif isinstance(msg, p.TokenCount):
            if msg.info is not None:
                self._usage = self._usage + msg.info.last_token_usage
        elif isinstance(msg, p.TaskComplete):
            self._on_task_complete()
        elif isinstance(msg, p.TurnAborted) and not self._signalled:
            self._write({"type": "turn.failed", "error": {"message": "turn interrupted"}})

    def _on_command(self, msg: p.ExecCommandBegin | p.ExecCommandEnd) -> None:
        if isinstance(msg, p.ExecCommandBegin):
            command = shlex.join(msg.command)
            self._commands[msg.call_id] = command
            item = {
                "id": self._new_id(f"exec:{msg.call_id}"),
                "type": "command_execution",
                "command": command,
                "aggregated_output": "",
                "exit_code": None,
                "status": "in_progress",
            }
            self._write({"type": "item.started", "item": item})
            return
        item_id = self._ids.get(f"exec:{msg.call_id}") or self._new_id()
        item = {
            "id": item_id,
            "type": "command_execution",
            "command": self._commands.get(msg.call_id, shlex.join(msg.command)),
            "aggregated_output": msg.aggregated_output,
            "exit_code": msg.exit_code,
            "status": "completed" if msg.exit_code == 0 else "failed",
        }
        self._write({"type": "item.completed", "item": item})

    def _on_declined(self, msg: p.AutoReviewVerdict) -> None:
        """A command the automatic reviewer refused: a `command_execution` item that never ran."""
        argv = msg.action.get("command")
        if msg.action.get("tool") != "exec_command" or not isinstance(argv, list):
            return
        item = {
            "id": self._new_id(),
            "type": "command_execution",
            "command": shlex.join(str(a) for a in argv),  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
            "aggregated_output": "",
            "exit_code": None,
            "status": "declined",
        }
        self._write({"type": "item.completed", "item": item})

    def _on_plan(self, msg: p.PlanUpdate) -> None:
        self._todo_items = [{"text": step.step, "completed": step.status == "completed"} for step in msg.plan]
        if self._todo_id is None:
            self._todo_id = self._new_id()
            self._write(
                {
                    "type": "item.started",
                    "item": {"id": self._todo_id, "type": "todo_list", "items": self._todo_items},
                }
            )
        else:
            self._write(
                {
                    "type": "item.updated",
                    "item": {"id": self._todo_id, "type": "todo_list", "items": self._todo_items},
                }
            )

    def _on_patch(self, msg: p.PatchApplyBegin | p.PatchApplyEnd) -> None:
        if isinstance(msg, p.PatchApplyBegin):
            changes = [{"path": path, "kind": change.type} for path, change in msg.changes.items()]
            self._patches[msg.call_id] = changes
            self._write(
                {
                    "type": "item.started",
                    "item": {
                        "id": self._new_id(f"patch:{msg.call_id}"),
                        "type": "file_change",
                        "changes": changes,
                        "status": "in_progress",
                    },
                }
            )
            return
        item_id = self._ids.get(f"patch:{msg.call_id}") or self._new_id()
        changes = self._patches.get(msg.call_id) or [
            {"path": path, "kind": change.type} for path, change in msg.changes.items()
        ]
        self._write(
            {
                "type": "item.completed",
                "item": {
                    "id": item_id,
                    "type": "file_change",
                    "changes": changes,
                    "status": "completed" if msg.success else "failed",
                },
            }
        )

    def _on_collab_call(self, msg: p.CollabToolCallBegin | p.CollabToolCallEnd) -> None:
        """Sub-agent calls as Codex's `collab_tool_call` items (a spawn's id appears when it completes)."""
        # Codex's exec reports `resume_agent` as `wait`.
        tool = "wait" if msg.tool == "resume_agent" else msg.tool
        base: dict[str, Any] = {"type": "collab_tool_call", "tool": tool, "sender_thread_id": msg.sender_thread_id}
        if isinstance(msg, p.CollabToolCallBegin):
            item_id = self._new_id(f"collab:{msg.call_id}")
            item: dict[str, Any] = {
                "id": item_id,
                **base,
                "receiver_thread_ids": list(msg.receiver_thread_ids),
                "prompt": msg.prompt,
                "agents_states": {},
            }
            self._write({"type": "item.started", "item": {**item, "status": "in_progress"}})
            return
        item_id = self._ids.get(f"collab:{msg.call_id}") or self._new_id()
        item = {
            "id": item_id,
            **base,
            "receiver_thread_ids": list(msg.receiver_thread_ids),
            "prompt": msg.prompt,
            "agents_states": msg.agents_states,
            "status": msg.status,
        }
        self._write({"type": "item.completed", "item": item})

    def _on_mcp_call(self, msg: p.McpToolCallBegin | p.McpToolCallEnd) -> None:
        if isinstance(msg, p.McpToolCallBegin):
            base = {
                "type": "mcp_tool_call",
                "server": msg.invocation.server,
                "tool": msg.invocation.tool,
                "arguments": msg.invocation.arguments,
            }
            self._mcp[msg.call_id] = base
            self._write(
                {
                    "type": "item.started",
                    "item": {
                        "id": self._new_id(f"mcp:{msg.call_id}"),
                        **base,
                        "result": None,
                        "error": None,
                        "status": "in_progress",
                    },
                }
            )
            return
        item_id = self._ids.get(f"mcp:{msg.call_id}") or self._new_id()
        base = self._mcp.get(msg.call_id) or {
            "type": "mcp_tool_call",
            "server": msg.invocation.server,
            "tool": msg.invocation.tool,
            "arguments": msg.invocation.arguments,
        }
        result = msg.result
        status = "failed" if (msg.is_error or msg.error) else "completed"
        self._write(
            {
                "type": "item.completed",
                "item": {
                    "id": item_id,
                    **base,
                    "result": result,
                    "error": {"message": msg.error} if msg.error else None,
                    "status": status,
                },
            }
        )

    def _on_task_complete(self) -> None:
        if self._todo_id is not None:
            self._write(
                {
                    "type": "item.completed",
                    "item": {"id": self._todo_id, "type": "todo_list", "items": self._todo_items},
                }
            )
            self._todo_id = None
        if self._error is not None:
            self._write({"type": "turn.failed", "error": {"message": self._error}})
            return
        u = self._usage
        self._write(
            {
                "type": "turn.completed",
                "usage": {
                    "input_tokens": u.input_tokens,
                    "cached_input_tokens": u.cached_input_tokens,
                    "cache_write_input_tokens": 0,
                    "output_tokens": u.output_tokens,
                    "reasoning_output_tokens": u.reasoning_output_tokens,
                },
            }
        )

    def fatal(self, message: str) -> None:
        """An error before any turn started (bad provider, unreadable input)."""
        self._write({"type": "error", "message": message})
        self._write({"type": "turn.failed", "error": {"message": message}})

    def finish(self, outcome: TurnOutcome | None) -> None:
        del outcome


_OUTPUT_LINES = 20


class HumanRenderer:
    """A readable transcript on stderr; the final message alone goes to stdout."""

    def __init__(self, err: TextIO, out: TextIO) -> None:
        self._err = err
        self._out = out
        color = err.isatty()
        self._bold = "\x1b[1m" if color else ""
        self._dim = "\x1b[2m" if color else ""
        self._green = "\x1b[32m" if color else ""
        self._red = "\x1b[31m" if color else ""
        self._magenta = "\x1b[35m" if color else ""
        self._reset = "\x1b[0m" if color else ""
        self._usage = p.TokenUsage()
        self._shown_warnings: set[str] = set()

    def _line(self, text: str = "") -> None:
        try:
            self._err.write(text + "\n")
            self._err.flush()
        except BrokenPipeError:
            pass

    def header(self, config: Config, thread_id: str, prompt: str) -> None:
        policy = config.sandbox_mode
        if config.sandbox_mode == "workspace-write":
            policy += " [workdir, /tmp, $TMPDIR]"
        self._line(f"{self._bold}pycodex{self._reset} v0.1.0")
        self._line("--------")
        for key, value in (
            ("workdir", str(config.cwd)),
            ("model", config.model),
            ("provider", config.provider.id),
            ("approval", "never"),
            ("sandbox", policy),
            ("reasoning effort", config.reasoning_effort or "default"),
            ("session id", thread_id),
        ):
            self._line(f"{self._bold}{key}:{self._reset} {value}")
        self._line("--------")
        # Configuration warnings belong to the start, before the transcript (the session repeats them as events).
        for warning in config.warnings:
            self._line(f"{self._red}warning:{self._reset} {warning}")
            self._shown_warnings.add(warning)
        self._line(f"{self._bold}{self._cyan()}user{self._reset}")
        self._line(prompt)

    def _cyan(self) -> str:
        return "\x1b[36m" if self._bold else ""

    def on_event(self, event: Event) -> None:
        msg = event.msg
        if isinstance(msg, p.AgentReasoning):
            self._line(f"{self._dim}{msg.text}{self._reset}")
        elif isinstance(msg, p.AgentMessage):
            self._line(f"{self._bold}{self._magenta}agent{self._reset}")
            self._line(msg.message)
        elif isinstance(msg, p.ExecCommandBegin):
            self._line(f"{self._bold}{self._magenta}exec{self._reset}")
            self._line(f"{self._bold}{shlex.join(msg.command)}{self._reset} in {msg.cwd}")
        elif isinstance(msg, p.ExecCommandEnd):
            if msg.exit_code == 0:
                self._line(f"{self._green} succeeded in {msg.duration_ms}ms:{self._reset}")
            else:
                self._line(f"{self._red} exited {msg.exit_code} in {msg.duration_ms}ms:{self._reset}")
            lines = msg.aggregated_output.splitlines()
            if len(lines) > _OUTPUT_LINES:
                half = _OUTPUT_LINES // 2
                lines = [
                    *lines[:half],
                    f"{self._dim}… +{len(lines) - _OUTPUT_LINES} lines{self._reset}",
                    *lines[-half:],
                ]
            for line in lines:
                self._line(f"{self._dim}{line}{self._reset}")
        elif isinstance(msg, p.PlanUpdate):
            self._line(f"{self._bold}plan{self._reset}" + (f" {msg.explanation}" if msg.explanation else ""))
            marks = {"completed": "✓", "in_progress": "→", "pending": "•"}
            for step in msg.plan:
                self._line(f"  {marks[step.status]} {step.step}")
        elif isinstance(msg, p.PatchApplyBegin):
            self._line(f"{self._bold}{self._magenta}apply patch{self._reset}")
            for path, change in msg.changes.items():
                self._line(f"{change.type} {path}")
                if change.unified_diff:
                    self._line(change.unified_diff.rstrip("\n"))
        elif isinstance(msg, p.PatchApplyEnd):
            status = "completed" if msg.success else "failed"
            self._line(f"patch: {status}")
            if not msg.success and msg.stderr:
                self._line(f"{self._red}{msg.stderr.rstrip()}{self._reset}")
        elif isinstance(msg, p.McpToolCallBegin):
            self._line(f"{self._bold}{self._magenta}tool{self._reset} {msg.invocation.server}.{msg.invocation.tool}")
        elif isinstance(msg, p.McpToolCallEnd):
            state = "failed" if (msg.is_error or msg.error) else "succeeded"
            self._line(f" {state} in {msg.duration_ms}ms")
        elif isinstance(msg, p.Warning):
            if msg.message not in self._shown_warnings:
                self._line(f"{self._red}warning:{self._reset} {msg.message}")
        elif isinstance(msg, p.StreamError):
            self._line(f"{self._dim}{msg.message}{self._reset}")
        elif isinstance(msg, p.Error):
            self._line(f"{self._red}ERROR:{self._reset} {msg.message}")
        elif isinstance(msg, p.TokenCount):
            if msg.info is not None:
                self._usage = self._usage + msg.info.last_token_usage
        elif isinstance(msg, p.TurnAborted):
            self._line(f"{self._red}interrupted{self._reset}")
        elif isinstance(msg, p.CollabToolCallEnd):
            children = ", ".join(f"{i[:8]} {s.get('status', '')}" for i, s in msg.agents_states.items()) or "-"
            self._line(f"{self._bold}{self._magenta}sub-agents{self._reset} {msg.tool}: {children}")
        elif isinstance(msg, p.AutoReviewVerdict):
            color = self._dim if msg.status == "approved" else self._red
            risk = f" (risk {msg.risk_level})" if msg.risk_level else ""
            self._line(f"{color}auto-review {msg.status}{risk}:{self._reset} {msg.rationale}")
        elif isinstance(msg, p.HookCompleted):
            color = self._dim if msg.status == "completed" else self._red
            self._line(f"{color}hook:{self._reset} {msg.message}")

    def signalled(self) -> None:
        """The run was stopped by a signal (the transcript still says the turn was interrupted)."""

    def fatal(self, message: str) -> None:
        self._line(f"{self._red}Error:{self._reset} {message}")

    def finish(self, outcome: TurnOutcome | None) -> None:
        if self._usage.total_tokens:
            self._line(f"{self._bold}tokens used{self._reset}")
            self._line(f"{self._usage.total_tokens:,}")
        if outcome is not None and outcome.status == "completed" and outcome.last_agent_message is not None:
            try:
                self._out.write(outcome.last_agent_message + "\n")
                self._out.flush()
            except BrokenPipeError:
                pass


def stdout() -> TextIO:
    return sys.stdout
