"""Session events to transcript cells, without a screen."""

from __future__ import annotations

import pytest

from agent.protocol import (
    AgentMessage,
    AgentMessageDelta,
    AgentReasoning,
    AgentReasoningDelta,
    Error,
    EventMsg,
    ExecCommandBegin,
    ExecCommandEnd,
    ExecCommandOutputDelta,
    FileChange,
    McpInvocation,
    McpToolCallBegin,
    McpToolCallEnd,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanItem,
    PlanUpdate,
    SessionConfigured,
    StreamError,
    TaskComplete,
    TaskStarted,
    TurnAborted,
    TurnDiff,
    UserMessage,
    Warning,
)
from tui._cells import (
    AgentCell,
    Cell,
    CommandCell,
    HeaderCell,
    McpCell,
    NoticeCell,
    PatchCell,
    PlanCell,
    ReasoningCell,
    TurnEndCell,
    UserCell,
)
from tui._timeline import INTERRUPTED_TEXT, Timeline

pytestmark = pytest.mark.anyio


class Sink:
    def __init__(self) -> None:
        self.cells: list[Cell] = []
        self.log: list[tuple[str, str]] = []

    def add(self, cell: Cell) -> None:
        self.cells.append(cell)
        self.log.append(("add", type(cell).__name__))

    def changed(self, cell: Cell) -> None:
        self.log.append(("changed", type(cell).__name__))

    async def stream(self, cell: AgentCell, delta: str) -> None:
        self.log.append(("stream", delta))

    async def settle_answer(self, cell: AgentCell) -> None:
        self.log.append(("settle", cell.text))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def play(*events: EventMsg, clock: Clock | None = None) -> Sink:
    sink = Sink()
    timeline = Timeline(sink, clock=clock or Clock())
    for event in events:
        await timeline.apply(event)
    return sink


async def test_streamed_text_becomes_one_answer_settled_with_the_final_text() -> None:
    sink = await play(
        AgentMessageDelta(item_id="m", delta="Hel"),
        AgentMessageDelta(item_id="m", delta="lo"),
        AgentMessage(message="Hello!"),
    )
    [answer] = sink.cells
    assert isinstance(answer, AgentCell) and answer.text == "Hello!" and answer.finished
    assert sink.log == [("add", "AgentCell"), ("stream", "Hel"), ("stream", "lo"), ("settle", "Hello!")]


async def test_an_answer_without_deltas_still_appears() -> None:
    sink = await play(AgentMessage(message="whole"))
    [answer] = sink.cells
    assert isinstance(answer, AgentCell) and answer.text == "whole" and answer.finished


async def test_two_answers_in_a_turn_are_two_cells() -> None:
    sink = await play(AgentMessage(message="one"), AgentMessage(message="two"))
    assert [c.plain() for c in sink.cells] == ["one", "two"]


async def test_reasoning_is_closed_when_the_answer_starts() -> None:
    sink = await play(
        AgentReasoningDelta(delta="**Plan**\n\nsteps"),
        AgentMessageDelta(item_id="m", delta="ok"),
        AgentMessage(message="ok"),
    )
    thinking, answer = sink.cells
    assert isinstance(thinking, ReasoningCell) and thinking.finished and thinking.title == "Plan"
    assert isinstance(answer, AgentCell)


async def test_a_final_reasoning_event_replaces_the_streamed_text() -> None:
    sink = await play(AgentReasoningDelta(delta="partial"), AgentReasoning(text="**Full** summary"))
    [thinking] = sink.cells
    assert isinstance(thinking, ReasoningCell) and thinking.text == "**Full** summary" and thinking.finished


async def test_a_command_collects_its_output_and_ends_with_code_and_time() -> None:
    sink = await play(
        ExecCommandBegin(call_id="c", command=("bash", "-lc", "make"), cwd="/w"),
        ExecCommandOutputDelta(call_id="c", chunk="building\n"),
        ExecCommandOutputDelta(call_id="other", chunk="ignored\n"),
        ExecCommandEnd(
            call_id="c",
            command=("bash", "-lc", "make"),
            cwd="/w",
            exit_code=2,
            aggregated_output="all\n",
            duration_ms=7,
        ),
    )
    [command] = sink.cells
    assert isinstance(command, CommandCell)
    assert (command.output, command.exit_code, command.duration_ms, command.finished) == ("all\n", 2, 7, True)
    assert sink.log.count(("changed", "CommandCell")) == 2


async def test_an_end_without_a_begin_still_shows_the_command() -> None:
    sink = await play(
        ExecCommandEnd(call_id="c", command=("ls",), cwd="/w", exit_code=0, aggregated_output="x", duration_ms=1)
    )
    [command] = sink.cells
    assert isinstance(command, CommandCell) and command.finished and command.output == "x"


async def test_a_patch_shows_its_changes_and_result() -> None:
    changes = {"/w/a.py": FileChange(type="update", unified_diff="@@ -1 +1 @@\n-a\n+b\n")}
    sink = await play(
        SessionConfigured(
            session_id="s", model="m", model_provider_id="p", approval_policy="never", sandbox_policy={}, cwd="/w"
        ),
        PatchApplyBegin(call_id="p", auto_approved=True, changes=changes),
        PatchApplyEnd(call_id="p", stdout="ok", stderr="", success=True),
        PatchApplyEnd(call_id="q", stdout="", stderr="no such file", success=False, changes=changes),
    )
    _, applied, failed = sink.cells
    assert isinstance(applied, PatchCell) and applied.success is True and applied.changes == changes
    assert isinstance(failed, PatchCell) and failed.success is False and failed.stderr == "no such file"


async def test_plans_tool_calls_and_notices_each_get_a_cell() -> None:
    inv = McpInvocation(server="docs", tool="search", arguments={"q": "x"})
    sink = await play(
        PlanUpdate(plan=(PlanItem(step="a", status="completed"), PlanItem(step="b", status="in_progress"))),
        McpToolCallBegin(call_id="m", invocation=inv),
        McpToolCallEnd(
            call_id="m", invocation=inv, duration_ms=3, result={"content": [{"type": "text", "text": "hit"}]}
        ),
        StreamError(message="Reconnecting... 1/5"),
        Warning(message="careful"),
        Error(message="broken"),
        TurnDiff(unified_diff="diff"),
    )
    kinds = [type(c) for c in sink.cells]
    assert kinds == [PlanCell, McpCell, NoticeCell, NoticeCell, NoticeCell]
    mcp = sink.cells[1]
    assert isinstance(mcp, McpCell) and mcp.finished and "hit" in mcp.plain()
    assert [(c.kind, c.text) for c in sink.cells[2:] if isinstance(c, NoticeCell)] == [
        ("info", "Reconnecting... 1/5"),
        ("warning", "careful"),
        ("error", "broken"),
    ]


async def test_a_session_opens_with_its_header_and_the_prompt_follows() -> None:
    sink = await play(
        SessionConfigured(
            session_id="s",
            model="gpt",
            model_provider_id="p",
            approval_policy="on-request",
            sandbox_policy={"type": "workspace-write"},
            cwd="/w",
        ),
        UserMessage(message="hi", images=("a.png",)),
    )
    header, user = sink.cells
    assert isinstance(header, HeaderCell) and header.sandbox == "workspace-write" and header.model == "gpt"
    assert isinstance(user, UserCell) and user.images == ("a.png",)


async def test_a_finished_turn_closes_what_is_open_and_says_how_long_it_took() -> None:
    clock = Clock()
    sink = Sink()
    timeline = Timeline(sink, clock=clock)
    await timeline.apply(TaskStarted(turn_id="t"))
    await timeline.apply(ExecCommandBegin(call_id="c", command=("sleep", "9"), cwd="/w"))
    await timeline.apply(AgentMessageDelta(item_id="m", delta="part"))
    clock.now += 61.5
    await timeline.apply(TaskComplete(turn_id="t"))
    command, answer, end = sink.cells
    assert isinstance(command, CommandCell) and command.finished and command.exit_code is None
    assert isinstance(answer, AgentCell) and answer.finished
    assert isinstance(end, TurnEndCell) and end.plain() == "worked for 1m 01s"


async def test_an_interrupted_turn_says_so() -> None:
    sink = await play(TaskStarted(turn_id="t"), TurnAborted(turn_id="t"))
    notice, end = sink.cells
    assert isinstance(notice, NoticeCell) and notice.kind == "interrupted" and notice.text == INTERRUPTED_TEXT
    assert isinstance(end, TurnEndCell)


async def test_a_replayed_turn_ends_with_a_plain_rule() -> None:
    sink = Sink()
    timeline = Timeline(sink, clock=Clock())
    timeline.replaying = True
    await timeline.apply(TaskComplete(turn_id="t"))
    [end] = sink.cells
    assert isinstance(end, TurnEndCell) and end.plain() == ""


async def test_each_sub_agent_gets_one_cell_that_follows_its_state() -> None:
    from agent.protocol import CollabToolCallEnd
    from tui._cells import SubAgentCell

    child = "0190abcd-0000-7000-8000-000000000001"
    spawned = CollabToolCallEnd(
        call_id="c1",
        tool="spawn_agent",
        sender_thread_id="p",
        receiver_thread_ids=(child,),
        agents_states={child: {"status": "pending_init", "message": None}},
    )
    waited = CollabToolCallEnd(
        call_id="c2",
        tool="wait",
        sender_thread_id="p",
        receiver_thread_ids=(child,),
        agents_states={child: {"status": "completed", "message": "There are 3 files.\nDetails follow."}},
    )
    sink = await play(spawned, waited)
    [cell] = sink.cells
    assert isinstance(cell, SubAgentCell)
    assert (cell.status, cell.finished) == ("completed", True)
    assert cell.plain() == f"sub-agent {child} completed There are 3 files.\nDetails follow."
    assert sink.log == [("add", "SubAgentCell"), ("changed", "SubAgentCell"), ("changed", "SubAgentCell")]
