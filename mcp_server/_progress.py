"""What a host shows while a turn runs: one short human line per step, and the level to log it at.

Streaming deltas, token counts and echo events carry no step of their own: they reach hosts only as `codex/event`.
"""

from __future__ import annotations

import shlex
from typing import Literal

from agent import protocol as p

LogLevel = Literal["debug", "info", "notice", "warning", "error"]

_MAX = 100
# A warning or an error says what to do about it (e.g. how to trust a hook): it is not cut at the usual length.
_MAX_PROBLEM = 600


def _short(text: str, limit: int = _MAX) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def command_text(command: tuple[str, ...]) -> str:
    """A command as a person would type it (the script of `bash -lc SCRIPT`)."""
    if len(command) == 3 and command[1] in ("-lc", "-c") and command[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh"):
        return command[2]
    return shlex.join(command)


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def step(msg: p.EventMsg) -> tuple[str, LogLevel] | None:
    """The progress line and log level for an event, or None when it is not a step of its own."""
    match msg:
        case p.TaskStarted():
            return "Turn started", "info"
        case p.ExecCommandBegin(command=command):
            return f"Running `{_short(command_text(command))}`", "info"
        case p.ExecCommandEnd(command=command, exit_code=code, duration_ms=ms):
            return f"Command finished with exit code {code} in {ms / 1000:.1f} s: `{_short(command_text(command))}`", (
                "info" if code == 0 else "notice"
            )
        case p.ExecApprovalRequest(command=command):
            return f"Waiting for approval to run `{_short(command_text(command))}`", "notice"
        case p.ApplyPatchApprovalRequest(changes=changes):
            return f"Waiting for approval to change {_files(len(changes))}", "notice"
        case p.McpToolCallApprovalRequest(invocation=call):
            return f"Waiting for approval to call `{call.tool}` of the MCP server `{call.server}`", "notice"
        case p.NetworkApprovalRequest(host=host):
            return f"Waiting for approval to reach {host}", "notice"
        case p.PatchApplyBegin(changes=changes):
            return f"Applying a patch to {_files(len(changes))}", "info"
        case p.PatchApplyEnd(success=True, changes=changes):
            names = ", ".join(sorted(changes)) if changes else ""
            return _short(f"Patch applied{': ' + names if names else ''}"), "info"
        case p.PatchApplyEnd():
            return "Patch failed", "warning"
        case p.AgentMessage(message=text):
            return f"Agent: {_short(text)}", "info"
        case p.AgentReasoning(text=text):
            return f"Thinking: {_short(text)}", "debug"
        case p.PlanUpdate(plan=plan):
            done = sum(1 for item in plan if item.status == "completed")
            return f"Plan updated: {done} of {len(plan)} steps done", "info"
        case p.McpToolCallBegin(invocation=inv):
            return f"Calling tool {inv.server}.{inv.tool}", "info"
        case p.McpToolCallEnd(invocation=inv, is_error=failed):
            return f"Tool {inv.server}.{inv.tool} {'failed' if failed else 'finished'}", "info"
        case p.StreamError(message=text):
            return f"Model connection trouble: {_short(text)}", "warning"
        case p.Warning(message=text):
            return f"Warning: {_short(text, _MAX_PROBLEM)}", "warning"
        case p.Error(message=text):
            return f"Error: {_short(text, _MAX_PROBLEM)}", "error"
        case p.HookCompleted(message=text, status=status):
            return f"Hook: {_short(text)}", ("info" if status == "completed" else "warning")
        case p.AutoReviewVerdict(status=status, rationale=text):
            return f"Auto-review {status.replace('_', ' ')}: {_short(text)}", (
                "info" if status == "approved" else "warning"
            )
        case p.CollabToolCallEnd(tool=tool, receiver_thread_ids=ids, status=status):
            children = ", ".join(i[:8] for i in ids) or "no sub-agent"
            return f"Sub-agents: {tool} ({children})", ("info" if status == "completed" else "warning")
        case p.TaskComplete():
            return "Turn complete", "info"
        case p.TurnAborted():
            return "Turn interrupted", "notice"
        case _:
            return None
