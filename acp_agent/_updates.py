"""Session events become ACP `session/update` notifications: one mapper per session, which remembers what it has
already shown (streamed text, started tool calls, a command's output so far)."""

from __future__ import annotations

import shlex
from typing import Any, assert_never, cast

from acp import (
    image_block,
    plan_entry,
    start_tool_call,
    text_block,
    tool_content,
    update_agent_message_text,
    update_agent_thought_text,
    update_plan,
    update_tool_call,
)
from acp.schema import (
    AgentMessageChunk,
    AgentPlanUpdate,
    AgentThoughtChunk,
    ContentToolCallContent,
    FileEditToolCallContent,
    ToolCallLocation,
    ToolCallProgress,
    ToolCallStart,
    UsageUpdate,
)

from agent import protocol as p

from . import _collab
from ._diff import diff_blocks

Update = AgentMessageChunk | AgentThoughtChunk | ToolCallStart | ToolCallProgress | AgentPlanUpdate | UsageUpdate
ToolContent = ContentToolCallContent | FileEditToolCallContent

# A running command's output is resent whole with each update (ACP replaces content); keep the tail only.
OUTPUT_LIMIT = 64 * 1024
_SHELLS = ("bash", "sh", "zsh", "dash")


def command_title(command: tuple[str, ...] | list[str]) -> str:
    """What a person would type: the script of `bash -lc SCRIPT`, else the words joined."""
    if len(command) == 3 and command[0].rsplit("/", 1)[-1] in _SHELLS and command[1] in ("-c", "-lc"):
        return command[2]
    return shlex.join(command)


_READERS = frozenset({"cat", "head", "tail", "nl", "less", "more", "bat", "wc"})
_SEARCHERS = frozenset({"rg", "grep", "egrep", "fgrep", "find", "fd", "ls", "tree", "ag"})
_SHELL_SYNTAX = frozenset("|;&<>$`(){}*?")


def command_kind(script: str, cwd: str) -> tuple[Any, list[ToolCallLocation] | None]:
    """`read` (with the files as locations) or `search` for a single plain reading command, else `execute`.

    Only a simple command qualifies (no pipes, redirections, substitutions or globs): anything else may write.
    """
    if _SHELL_SYNTAX & set(script):
        return "execute", None
    try:
        words = shlex.split(script)
    except ValueError:
        return "execute", None
    if not words:
        return "execute", None
    program = words[0].rsplit("/", 1)[-1]
    if program == "sed" and len(words) > 1 and words[1] == "-n":
        program = "cat"
    if program in _READERS:
        paths = [w for w in words[1:] if not w.startswith("-") and not w[:1].isdigit()]
        locations = [ToolCallLocation(path=p if p.startswith("/") else f"{cwd.rstrip('/')}/{p}") for p in paths]
        return "read", locations or None
    if program in _SEARCHERS:
        return "search", None
    return "execute", None


def _output_content(output: str) -> list[ToolContent]:
    if len(output) > OUTPUT_LIMIT:
        output = "…" + output[-OUTPUT_LIMIT:]
    return [tool_content(text_block("```\n" + output.removesuffix("\n") + "\n```"))] if output else []


def mcp_result_content(result: dict[str, Any] | None, error: str | None) -> list[ToolContent]:
    """An MCP tool's result blocks as tool-call content (text and images; other kinds as their JSON)."""
    if error:
        return [tool_content(text_block(error))]
    out: list[ToolContent] = []
    blocks: list[Any] = list((result or {}).get("content") or [])
    for raw in blocks:
        block: dict[str, Any] = cast("dict[str, Any]", raw) if isinstance(raw, dict) else {}
        kind = block.get("type")
        if kind == "text":
            out.append(tool_content(text_block(str(block.get("text", "")))))
        elif kind == "image" and block.get("data") and block.get("mimeType"):
            out.append(tool_content(image_block(str(block["data"]), str(block["mimeType"]))))
        elif kind is not None:
            out.append(tool_content(text_block(f"[{kind} content]")))
    return out


class UpdateMapper:
    """Maps one session's events to ACP updates (stateful: it knows which calls it has announced)."""

    def __init__(self, context_window: int | None = None) -> None:
        self.context_window = context_window
        self._message_streamed = False
        self._thought_streamed = False
        self._started: set[str] = set()
        self._output: dict[str, str] = {}
        self.last_error: str | None = None

    def _start_or_update(
        self,
        call_id: str,
        title: str,
        *,
        kind: Any,
        status: Any,
        content: list[ToolContent] | None = None,
        locations: list[ToolCallLocation] | None = None,
        raw_input: Any = None,
    ) -> ToolCallStart | ToolCallProgress:
        if call_id in self._started:
            return update_tool_call(call_id, status=status, content=content)
        self._started.add(call_id)
        return start_tool_call(
            call_id, title, kind=kind, status=status, content=content, locations=locations, raw_input=raw_input
        )

    def updates(self, msg: p.EventMsg) -> list[Update]:
        """The updates one event becomes (often none)."""
        match msg:
            case p.AgentMessageDelta():
                self._message_streamed = True
                return [update_agent_message_text(msg.delta)] if msg.delta else []
            case p.AgentMessage():
                streamed, self._message_streamed = self._message_streamed, False
                return [] if streamed or not msg.message else [update_agent_message_text(msg.message)]
            case p.AgentReasoningDelta():
                self._thought_streamed = True
                return [update_agent_thought_text(msg.delta)] if msg.delta else []
            case p.AgentReasoning():
                streamed, self._thought_streamed = self._thought_streamed, False
                return [] if streamed or not msg.text else [update_agent_thought_text(msg.text)]
            case p.ExecApprovalRequest() | p.ExecCommandBegin() | p.ExecCommandOutputDelta() | p.ExecCommandEnd():
                return self._command(msg)
            case p.ApplyPatchApprovalRequest() | p.PatchApplyBegin() | p.PatchApplyEnd():
                return self._patch(msg)
            case p.McpToolCallApprovalRequest() | p.McpToolCallBegin() | p.McpToolCallEnd():
                return self._mcp(msg)
            case p.PlanUpdate():
                return [update_plan(plan_entry(step.step, status=step.status) for step in msg.plan)]
            case p.TokenCount():
                return self._usage(msg)
            case p.ViewImageToolCall():
                return _collab.view_image(msg)
            case p.CollabToolCallBegin():
                self._started.add(msg.call_id)
                return [_collab.collab_begin(msg)]
            case p.CollabToolCallEnd():
                end = _collab.collab_end(msg)
                if msg.call_id in self._started:
                    return [end]
                begin = p.CollabToolCallBegin(
                    call_id=msg.call_id, tool=msg.tool, sender_thread_id=msg.sender_thread_id, prompt=msg.prompt
                )
                self._started.add(msg.call_id)
                return [_collab.collab_begin(begin), end]
            case p.Warning() | p.StreamError():
                return [update_agent_message_text(f"\n⚠ {msg.message}\n\n")]
            case p.HookCompleted() if msg.status != "completed":
                # A hook that blocked something (or failed and was ignored) changes what the person sees happen.
                return [update_agent_message_text(f"\n⚠ {msg.event} hook {msg.status}: {msg.message}\n\n")]
            case p.Error():
                self.last_error = msg.message
                return []
            case (
                p.SessionConfigured()
                | p.TaskStarted()
                | p.TaskComplete()
                | p.TurnAborted()
                | p.UserMessage()
                | p.TurnDiff()
                | p.NetworkApprovalRequest()  # asked as a permission on the command's tool call
                | p.HookStarted()  # hooks are the user's own scripts: only a block or a failure is shown
                | p.HookCompleted()
                | p.AutoReviewVerdict()  # the call's own update says it was declined
                | p.SubAgentActivity()  # the sub-agent calls (below) show what the parent did with its children
            ):
                return []
            case _:
                assert_never(msg)

    def _command(
        self, msg: p.ExecApprovalRequest | p.ExecCommandBegin | p.ExecCommandOutputDelta | p.ExecCommandEnd
    ) -> list[Update]:
        if isinstance(msg, p.ExecCommandOutputDelta):
            self._output[msg.call_id] = self._output.get(msg.call_id, "") + msg.chunk
            return [update_tool_call(msg.call_id, content=_output_content(self._output[msg.call_id]))]
        title = command_title(msg.command)
        if isinstance(msg, p.ExecCommandEnd):
            self._output.pop(msg.call_id, None)
            update = update_tool_call(
                msg.call_id,
                status="completed" if msg.exit_code == 0 else "failed",
                content=[
                    *_output_content(msg.aggregated_output),
                    tool_content(text_block(f"Exit code: {msg.exit_code}")),
                ],
                raw_output={"exit_code": msg.exit_code, "duration_ms": msg.duration_ms},
            )
            if msg.call_id in self._started:
                return [update]
            self._started.add(msg.call_id)
            return [start_tool_call(msg.call_id, title, kind="execute", status="in_progress"), update]
        kind, locations = command_kind(title, msg.cwd)
        return [
            self._start_or_update(
                msg.call_id,
                title,
                kind=kind,
                status="pending" if isinstance(msg, p.ExecApprovalRequest) else "in_progress",
                locations=locations,
                raw_input={"command": list(msg.command), "cwd": msg.cwd},
            )
        ]

    def _patch(self, msg: p.ApplyPatchApprovalRequest | p.PatchApplyBegin | p.PatchApplyEnd) -> list[Update]:
        if isinstance(msg, p.PatchApplyEnd):
            failure = [tool_content(text_block(msg.stderr))] if not msg.success and msg.stderr else None
            return [update_tool_call(msg.call_id, status="completed" if msg.success else "failed", content=failure)]
        paths = list(msg.changes)
        return [
            self._start_or_update(
                msg.call_id,
                "Edit " + ", ".join(paths) if paths else "Edit files",
                kind="edit",
                status="pending" if isinstance(msg, p.ApplyPatchApprovalRequest) else "in_progress",
                content=list(diff_blocks(msg.changes)),
                locations=[ToolCallLocation(path=path) for path in paths],
            )
        ]

    def _mcp(self, msg: p.McpToolCallApprovalRequest | p.McpToolCallBegin | p.McpToolCallEnd) -> list[Update]:
        if isinstance(msg, p.McpToolCallEnd):
            failed = msg.is_error or msg.error is not None
            return [
                update_tool_call(
                    msg.call_id,
                    status="failed" if failed else "completed",
                    content=mcp_result_content(msg.result, msg.error),
                    raw_output=msg.result if msg.result is not None else {"error": msg.error},
                )
            ]
        invocation = msg.invocation
        return [
            self._start_or_update(
                msg.call_id,
                f"{invocation.server}: {invocation.tool}",
                kind="other",
                status="pending" if isinstance(msg, p.McpToolCallApprovalRequest) else "in_progress",
                raw_input=invocation.arguments,
            )
        ]

    def _usage(self, msg: p.TokenCount) -> list[Update]:
        info = msg.info
        window = (info.model_context_window if info else None) or self.context_window
        if info is None or not window:
            return []
        used = info.last_token_usage.total_tokens or info.total_token_usage.total_tokens
        return [UsageUpdate(session_update="usage_update", used=used, size=window)]
