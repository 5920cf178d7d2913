"""Session events turned into transcript cells.

`Timeline.apply` takes every event in order and tells a `CellSink` (the transcript widget) which cells to add, which
changed and which text streamed in. It keeps no widget and draws nothing, so the mapping is tested without a screen.
Every event type is handled (the match ends in `assert_never`), so none is dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, assert_never

from agent.protocol import (
    AgentMessage,
    AgentMessageDelta,
    AgentReasoning,
    AgentReasoningDelta,
    ApplyPatchApprovalRequest,
    AutoReviewVerdict,
    CollabToolCallBegin,
    CollabToolCallEnd,
    Error,
    EventMsg,
    ExecApprovalRequest,
    ExecCommandBegin,
    ExecCommandEnd,
    ExecCommandOutputDelta,
    HookCompleted,
    HookStarted,
    McpToolCallApprovalRequest,
    McpToolCallBegin,
    McpToolCallEnd,
    NetworkApprovalRequest,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanUpdate,
    SessionConfigured,
    StreamError,
    SubAgentActivity,
    TaskComplete,
    TaskStarted,
    TokenCount,
    TurnAborted,
    TurnDiff,
    UserMessage,
    ViewImageToolCall,
    Warning,
)

from ._cells import (
    AgentCell,
    Cell,
    CommandCell,
    HeaderCell,
    McpCell,
    NoticeCell,
    NoticeKind,
    PatchCell,
    PlanCell,
    ReasoningCell,
    SubAgentCell,
    TurnEndCell,
    UserCell,
)

if TYPE_CHECKING:
    from agent import SubAgentInfo

VERSION = "0.1.0"

INTERRUPTED_TEXT = "Interrupted. Tell the agent what to do differently, or ask for something else."


class CellSink(Protocol):
    def add(self, cell: Cell) -> None: ...

    def changed(self, cell: Cell) -> None: ...

    async def stream(self, cell: AgentCell, delta: str) -> None: ...

    async def settle_answer(self, cell: AgentCell) -> None: ...


class Timeline:
    """The state needed to place each event: open commands, patches, tool calls, the answer streaming in."""

    def __init__(self, sink: CellSink, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._sink = sink
        self._clock = clock
        self.cwd: Path | None = None
        self.last_turn_diff: str | None = None
        self._commands: dict[str, CommandCell] = {}
        self._patches: dict[str, PatchCell] = {}
        self._mcp: dict[str, McpCell] = {}
        self._sub_agents: dict[str, SubAgentCell] = {}
        self._answer: AgentCell | None = None
        self._reasoning: ReasoningCell | None = None
        self._turn_started: float | None = None
        self.sub_agents: Callable[[], Sequence[SubAgentInfo]] | None = None
        """The session's children (`Session.sub_agents`): where a sub-agent's nickname is found."""
        self.resumed = False
        self.replaying = False
        """Replaying a past thread: turn durations are unknown, so turns end with a plain rule."""

    async def apply(self, msg: EventMsg) -> None:
        """Place one event."""
        match msg:
            case SessionConfigured():
                self._show_header(msg)
            case TaskStarted():
                self._turn_started = self._clock()
            case UserMessage():
                await self._close_text()
                self._sink.add(UserCell(msg.message, msg.images))
            case AgentMessageDelta():
                await self._close_reasoning()
                if self._answer is None:
                    self._answer = AgentCell()
                    self._sink.add(self._answer)
                self._answer.text += msg.delta
                await self._sink.stream(self._answer, msg.delta)
            case AgentMessage():
                await self._finish_answer(msg)
            case AgentReasoningDelta():
                if self._reasoning is None:
                    self._reasoning = ReasoningCell()
                    self._sink.add(self._reasoning)
                self._reasoning.text += msg.delta
                self._sink.changed(self._reasoning)
            case AgentReasoning():
                await self._finish_reasoning(msg)
            case ExecCommandBegin():
                await self._close_text()
                cell = CommandCell(msg.call_id, msg.command, msg.cwd)
                self._commands[msg.call_id] = cell
                self._sink.add(cell)
            case ExecCommandOutputDelta():
                command = self._commands.get(msg.call_id)
                if command is not None:
                    command.output += msg.chunk
                    self._sink.changed(command)
            case ExecCommandEnd():
                await self._end_command(msg)
            case (
                ExecApprovalRequest()
                | ApplyPatchApprovalRequest()
                | McpToolCallApprovalRequest()
                | NetworkApprovalRequest()
            ):
                # The approval dialog shows these; the decision is added to the transcript when it is made.
                await self._close_text()
            case PatchApplyBegin():
                await self._close_text()
                patch = PatchCell(msg.call_id, dict(msg.changes), cwd=self.cwd)
                self._patches[msg.call_id] = patch
                self._sink.add(patch)
            case PatchApplyEnd():
                await self._end_patch(msg)
            case TurnDiff():
                self.last_turn_diff = msg.unified_diff
            case PlanUpdate():
                await self._close_text()
                self._sink.add(PlanCell(msg.plan, msg.explanation))
            case TokenCount():
                pass  # the status bar shows usage
            case StreamError():
                self._sink.add(NoticeCell("info", msg.message))
            case Warning():
                self._sink.add(NoticeCell("warning", msg.message))
            case Error():
                await self._close_text()
                self._sink.add(NoticeCell("error", msg.message))
            case McpToolCallBegin():
                await self._close_text()
                call = McpCell(msg.call_id, msg.invocation.server, msg.invocation.tool, msg.invocation.arguments)
                self._mcp[msg.call_id] = call
                self._sink.add(call)
            case McpToolCallEnd():
                await self._end_mcp_call(msg)
            case CollabToolCallBegin():
                pass  # shown when it ends, with the sub-agents it concerned
            case CollabToolCallEnd():
                await self._close_text()
                if msg.status == "failed":
                    self._sink.add(NoticeCell("warning", collab_text(msg)))
                self._show_sub_agents(msg)
            case SubAgentActivity() | ViewImageToolCall():
                pass  # a child's state shows in its calls' cells; a viewed image, in what the model says of it
            case HookStarted():
                pass  # the cell comes with the hook's end, which says what it decided
            case HookCompleted():
                await self._close_text()
                kind: NoticeKind = "hook" if msg.status == "completed" else "warning"
                self._sink.add(NoticeCell(kind, msg.message))
            case AutoReviewVerdict():
                await self._close_text()
                verdict = f"Auto-review {msg.status.replace('_', ' ')}: {msg.rationale}"
                self._sink.add(NoticeCell("info" if msg.status == "approved" else "warning", verdict))
            case TaskComplete():
                await self._end_turn(interrupted=False)
            case TurnAborted():
                await self._end_turn(interrupted=True)
            case _:  # pragma: no cover - exhaustiveness is checked by the type checker
                assert_never(msg)

    def _show_header(self, msg: SessionConfigured) -> None:
        self.cwd = Path(msg.cwd)
        sandbox = str(msg.sandbox_policy.get("type", "")) or "?"
        self._sink.add(
            HeaderCell(
                version=VERSION,
                model=msg.model,
                cwd=self.cwd,
                approval_policy=msg.approval_policy,
                sandbox=sandbox,
                reasoning_effort=msg.reasoning_effort,
                resumed=self.resumed,
            )
        )

    async def _finish_answer(self, msg: AgentMessage) -> None:
        await self._close_reasoning()
        if self._answer is None:
            self._answer = AgentCell(text=msg.message)
            self._sink.add(self._answer)
        else:
            self._answer.text = msg.message
        await self._close_answer()

    async def _finish_reasoning(self, msg: AgentReasoning) -> None:
        if self._reasoning is None:
            self._reasoning = ReasoningCell(text=msg.text)
            self._sink.add(self._reasoning)
        else:
            self._reasoning.text = msg.text
        await self._close_reasoning()

    async def _end_command(self, msg: ExecCommandEnd) -> None:
        command = self._commands.pop(msg.call_id, None)
        if command is None:
            await self._close_text()
            command = CommandCell(msg.call_id, msg.command, msg.cwd)
            self._sink.add(command)
        command.output = msg.aggregated_output
        command.exit_code = msg.exit_code
        command.duration_ms = msg.duration_ms
        command.finished = True
        self._sink.changed(command)

    async def _end_patch(self, msg: PatchApplyEnd) -> None:
        patch = self._patches.pop(msg.call_id, None)
        if patch is None:
            await self._close_text()
            patch = PatchCell(msg.call_id, dict(msg.changes), cwd=self.cwd)
            self._sink.add(patch)
        elif msg.changes:
            patch.changes = dict(msg.changes)
        patch.success = msg.success
        patch.stderr = msg.stderr
        patch.finished = True
        self._sink.changed(patch)

    async def _end_mcp_call(self, msg: McpToolCallEnd) -> None:
        call = self._mcp.pop(msg.call_id, None)
        if call is None:
            await self._close_text()
            inv = msg.invocation
            call = McpCell(msg.call_id, inv.server, inv.tool, inv.arguments)
            self._sink.add(call)
        call.result = msg.result
        call.error = msg.error
        call.is_error = msg.is_error
        call.duration_ms = msg.duration_ms
        call.finished = True
        self._sink.changed(call)

    def _show_sub_agents(self, msg: CollabToolCallEnd) -> None:
        """One cell per child, added when it is first seen and updated by every later call that reports it."""
        for agent_id, state in msg.agents_states.items():
            cell = self._sub_agents.get(agent_id)
            if cell is None:
                known = self.sub_agents() if self.sub_agents is not None else ()
                cell = SubAgentCell(agent_id, nickname=next((c.nickname for c in known if c.id == agent_id), None))
                self._sub_agents[agent_id] = cell
                self._sink.add(cell)
            cell.status = str(state.get("status") or cell.status)
            message = state.get("message")
            cell.message = str(message) if message else cell.message
            cell.finished = cell.status not in ("pending_init", "running")
            self._sink.changed(cell)

    async def _close_answer(self) -> None:
        if self._answer is not None:
            answer, self._answer = self._answer, None
            answer.finished = True
            await self._sink.settle_answer(answer)

    async def _close_reasoning(self) -> None:
        if self._reasoning is not None:
            reasoning, self._reasoning = self._reasoning, None
            reasoning.finished = True
            self._sink.changed(reasoning)

    async def _close_text(self) -> None:
        await self._close_reasoning()
        await self._close_answer()

    async def _end_turn(self, *, interrupted: bool) -> None:
        await self._close_text()
        for cells in (self._commands, self._patches, self._mcp):
            for cell in cells.values():
                cell.finished = True
                self._sink.changed(cell)
            cells.clear()
        if interrupted:
            self._sink.add(NoticeCell("interrupted", INTERRUPTED_TEXT))
        if self.replaying:
            self._sink.add(TurnEndCell(None))
        elif self._turn_started is not None:
            elapsed = int((self._clock() - self._turn_started) * 1000)
            self._sink.add(TurnEndCell(elapsed))
        self._turn_started = None


def collab_text(msg: CollabToolCallEnd) -> str:
    """A sub-agent call in one line: what was done, and each child's state."""
    verbs = {
        "spawn_agent": "Started sub-agent",
        "send_input": "Sent input to",
        "wait": "Waited for",
        "close_agent": "Closed",
        "resume_agent": "Resumed",
    }
    states = ", ".join(
        f"{agent_id[:8]} {state.get('status', '')}" + (f": {state['message']}" if state.get("message") else "")
        for agent_id, state in msg.agents_states.items()
    )
    return f"{verbs[msg.tool]} {states or '(none)'}" + (" — failed" if msg.status == "failed" else "")
