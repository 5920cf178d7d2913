"""The app-server's items, turned back into the engine's events (what the TUI renders), for `RemoteSession`."""

from __future__ import annotations

import shlex
from typing import Any, cast

from agent import protocol as p

PLAN_STATUS = {"pending": "pending", "inProgress": "in_progress", "completed": "completed"}


def item_events(item: dict[str, Any], *, started: bool) -> list[Any]:
    """The events an `item/started` or `item/completed` notification stands for."""
    out: list[Any] = []
    kind, item_id = item.get("type"), str(item.get("id"))
    if kind == "userMessage" and not started:
        text = "\n".join(c.get("text", "") for c in item.get("content", []) if c.get("type") == "text")
        out.append(p.UserMessage(message=text))
    elif kind == "agentMessage" and not started:
        text = str(item.get("text") or "")
        out.append(p.AgentMessage(message=text, phase=item.get("phase")))
    elif kind == "reasoning" and not started:
        out.append(p.AgentReasoning(text="\n".join(item.get("summary") or [])))
    elif kind == "commandExecution":
        command = tuple(shlex.split(item.get("command") or ""))
        if started:
            out.append(p.ExecCommandBegin(call_id=item_id, command=command, cwd=str(item.get("cwd"))))
        elif item.get("status") != "declined":
            end = p.ExecCommandEnd(
                call_id=item_id,
                command=command,
                cwd=str(item.get("cwd")),
                exit_code=int_of(item.get("exitCode"), -1),
                aggregated_output=item.get("aggregatedOutput") or "",
                duration_ms=int_of(item.get("durationMs"), 0),
            )
            out.append(end)
    elif kind == "fileChange":
        changes = changes_of(item.get("changes") or [])
        if started:
            out.append(p.PatchApplyBegin(call_id=item_id, auto_approved=False, changes=changes))
        else:
            success = item.get("status") == "completed"
            out.append(p.PatchApplyEnd(call_id=item_id, stdout="", stderr="", success=success, changes=changes))
    elif kind == "mcpToolCall":
        invocation = p.McpInvocation(server=item["server"], tool=item["tool"], arguments=item.get("arguments"))
        if started:
            out.append(p.McpToolCallBegin(call_id=item_id, invocation=invocation))
        else:
            error = message_of(item.get("error"))
            end = p.McpToolCallEnd(
                call_id=item_id,
                invocation=invocation,
                duration_ms=int_of(item.get("durationMs"), 0),
                result=item.get("result"),
                error=error,
                is_error=item.get("status") == "failed",
            )
            out.append(end)
    return out


def changes_of(changes: list[dict[str, Any]]) -> dict[str, p.FileChange]:
    out: dict[str, p.FileChange] = {}
    for change in changes:
        kind = cast(dict[str, Any], change.get("kind") or {}).get("type", "update")
        diff = change.get("diff") or ""
        if kind == "update":
            out[change["path"]] = p.FileChange(type="update", unified_diff=diff)
        else:
            out[change["path"]] = p.FileChange(type=kind, content=diff)
    return out


def int_of(value: object, default: int) -> int:
    return value if isinstance(value, int) else default


def message_of(error: object) -> str | None:
    if isinstance(error, dict):
        message = cast(dict[str, Any], error).get("message")
        return str(message) if message is not None else None
    return None


def usage_of(data: dict[str, Any]) -> p.TokenUsage:
    return p.TokenUsage(
        input_tokens=data.get("inputTokens", 0),
        cached_input_tokens=data.get("cachedInputTokens", 0),
        output_tokens=data.get("outputTokens", 0),
        reasoning_output_tokens=data.get("reasoningOutputTokens", 0),
        total_tokens=data.get("totalTokens", 0),
    )
