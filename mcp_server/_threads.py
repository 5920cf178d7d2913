"""Threads: one long-lived task per thread owns its `agent.Session`; tool calls attach to it turn by turn.

A call starts a turn and follows it through a `Sink` (which turns events into notifications and asks approvals).
Approvals that cannot be asked during the call (the 2026-07-28 era, where a server has no back-channel) are parked
on the thread: the call returns them to the host, and the host's retry answers them and follows the turn again.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

import agent
from agent import protocol as p

from ._transcript import Transcript
from .errors import ThreadBusyError

if TYPE_CHECKING:
    from agent import Config, Event, ReviewDecision, Rollout, TurnOutcome

OnChange = Callable[[str, tuple[str, ...]], Awaitable[None]]
"""Told when a thread's transcript or diff changed (for resource subscriptions)."""

# Events kept for a host that is not attached (between rounds of a 2026-07-28 call); older ones are dropped.
_BACKLOG_LIMIT = 10_000
# How long a new turn waits for an interrupted one to finish stopping.
_STOP_WAIT = 5.0


@dataclass
class Approval:
    """A question the turn is waiting on."""

    key: str
    thread_id: str
    turn_id: str
    request: p.ApprovalRequest
    answered: anyio.Event = field(default_factory=anyio.Event)
    decision: ReviewDecision = "denied"

    def answer(self, decision: ReviewDecision) -> None:
        if not self.answered.is_set():
            self.decision = decision
            self.answered.set()


class Sink(Protocol):
    """Where a following call sends a thread's events and asks its approvals."""

    async def on_event(self, event: Event) -> None: ...

    async def elicit(self, server: str, request: Any) -> dict[str, Any] | None:
        """Relay an external server's elicitation to the host; None when it cannot be asked."""
        ...

    async def ask(self, approval: Approval) -> ReviewDecision | None:
        """The decision, or None when the question must go back to the host with the call's result."""
        ...


@dataclass
class Turn:
    """One turn started by a call; `outcome` is set when `done` is."""

    items: list[agent.UserInput]
    done: anyio.Event = field(default_factory=anyio.Event)
    outcome: TurnOutcome | None = None


class _Pump:
    """Reads the session's event stream and hands each event on; `drain` waits until it has caught up."""

    def __init__(self, thread: Thread) -> None:
        self._thread = thread
        self._busy = False
        self._recv: MemoryObjectReceiveStream[Event] | None = None
        self._waiters: list[anyio.Event] = []

    async def run(self, recv: MemoryObjectReceiveStream[Event]) -> None:
        self._recv = recv
        try:
            async for event in recv:
                self._busy = True
                try:
                    await self._thread.deliver(event)
                finally:
                    self._busy = False
                if recv.statistics().current_buffer_used == 0:
                    self._wake()
        finally:
            self._recv = None
            self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.set()

    async def drain(self) -> None:
        if self._recv is None or (not self._busy and self._recv.statistics().current_buffer_used == 0):
            return
        waiter = anyio.Event()
        self._waiters.append(waiter)
        await waiter.wait()


class _ThreadApprovals:
    """The session's approval handler: every question goes through the thread."""

    def __init__(self, thread: Thread) -> None:
        self._thread = thread

    async def request_approval(self, request: p.ApprovalRequest, turn_id: str) -> ReviewDecision:
        return await self._thread.ask(request, turn_id)


class Thread:
    """A thread of work served over MCP. Create with `ThreadRegistry.start`."""

    def __init__(self, *, abandon_after: float, on_change: OnChange | None = None) -> None:
        self._on_change = on_change
        self.thread_id = ""
        self.transcript = Transcript("")
        self.session: agent.Session | None = None
        self._abandon_after = abandon_after
        self._sink: Sink | None = None
        self._backlog: deque[Event] = deque(maxlen=_BACKLOG_LIMIT)
        self._pending: dict[str, Approval] = {}
        self._turn: Turn | None = None
        self._stopping = False
        self._changed = anyio.Event()
        self._pump = _Pump(self)
        self._send: MemoryObjectSendStream[Turn]
        self._recv: MemoryObjectReceiveStream[Turn]
        self._send, self._recv = anyio.create_memory_object_stream[Turn](1)
        self.approvals = _ThreadApprovals(self)

    # ---- the thread's own task ----------------------------------------------------------------------------------

    async def main(
        self, config: Config, *, resume: Rollout | None = None, task_status: anyio.abc.TaskStatus[None]
    ) -> None:
        """Own the session for the thread's whole life: run the turns calls submit, one at a time.

        With `resume`, the session continues a thread recorded earlier (by this server or another front door).
        """
        async with agent.Session(
            config,
            approvals=self.approvals,
            source="mcp",
            resume=resume,
            elicitation_handler=self.forward_elicitation,
            authorization_handler=self.forward_authorization,
        ) as session:
            self.session = session
            self.thread_id = session.thread_id
            self.transcript = Transcript(session.thread_id)
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._pump.run, session.events())
                task_status.started()
                async with self._recv:
                    async for turn in self._recv:
                        await self._run(session, turn)
                tg.cancel_scope.cancel()

    async def _run(self, session: agent.Session, turn: Turn) -> None:
        try:
            outcome = await session.run_turn(turn.items)
        except agent.AgentError as exc:
            outcome = agent.TurnOutcome(status="failed", error=str(exc))
        await self._pump.drain()
        turn.outcome = outcome
        self._turn = None
        turn.done.set()
        self._notify()

    def close(self) -> None:
        """Let the thread's task end once its current turn is over."""
        self._send.close()

    # ---- events and approvals -----------------------------------------------------------------------------------

    async def deliver(self, event: Event) -> None:
        changed = self.transcript.add(event.id, event.msg)
        if changed and self._on_change is not None:
            await self._on_change(self.thread_id, changed)
        sink = self._sink
        if sink is None:
            self._backlog.append(event)
            return
        await sink.on_event(event)

    async def ask(self, request: p.ApprovalRequest, turn_id: str) -> ReviewDecision:
        approval = Approval(secrets.token_hex(8), self.thread_id, turn_id, request)
        # The engine emitted the question as an event just before asking: let it reach the host first.
        await self._pump.drain()
        sink = self._sink
        if sink is not None:
            decision = await sink.ask(approval)
            if decision is not None:
                return decision
        self._pending[approval.key] = approval
        self._notify()
        try:
            with anyio.move_on_after(self._abandon_after):
                await approval.answered.wait()
                return approval.decision
            # Nobody came back with an answer: stop the turn rather than leave it waiting for ever.
            return "abort"
        finally:
            del self._pending[approval.key]

    async def forward_elicitation(self, server: str, request: Any) -> Any:
        """An external MCP server's question (form or URL), relayed to the host of the call now following this
        thread; declined when no call is following or the host cannot be asked mid-call."""
        import mcp_types as types

        sink = self._sink
        answer = await sink.elicit(server, request) if sink is not None else None
        if answer is None:
            return types.ElicitResult(action="decline")
        try:
            return types.ElicitResult.model_validate(answer)
        except ValueError:
            return types.ElicitResult(action="cancel")

    async def forward_authorization(self, request: Any) -> None:
        """An external MCP server wants a new login (an `mcp_client.AuthorizationRequest`): the link goes to the
        host as a URL elicitation, and once the host accepts, the call waits for the browser. Declined (the call
        fails with the `pycodex mcp login` message) when no call is following or the host cannot open links."""
        import mcp_types as types

        params = types.ElicitRequestURLParams(
            message=request.describe(), url=request.url, elicitation_id=secrets.token_hex(8)
        )
        answer = await self.forward_elicitation(request.server, params)
        if answer.action == "accept":
            await request.complete()

    def pending(self) -> list[Approval]:
        """Parked questions nobody has answered yet."""
        return [a for a in self._pending.values() if not a.answered.is_set()]

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    # ---- what calls do ------------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._turn is not None

    async def start_turn(self, items: Sequence[agent.UserInput]) -> Turn:
        """Submit a turn.

        Raises:
            ThreadBusyError: a turn is already running on this thread.
        """
        if self._turn is not None and self._stopping:
            # The last turn was interrupted and is winding down (killing its commands): the next one may follow it.
            with anyio.move_on_after(_STOP_WAIT):
                await self._turn.done.wait()
        if self._turn is not None:
            raise ThreadBusyError(
                f"thread {self.thread_id} is still working on a turn; wait for its result or cancel that call",
                thread_id=self.thread_id,
            )
        turn = Turn(list(items))
        self._turn = turn
        self._stopping = False
        await self._send.send(turn)
        return turn

    async def follow(self, turn: Turn, sink: Sink, *, deferred: bool) -> TurnOutcome | list[Approval]:
        """Send the turn's events to `sink` until it ends; with `deferred`, return early with parked questions.

        Raises:
            ThreadBusyError: another call is following this thread.
        """
        if self._sink is not None:
            raise ThreadBusyError(
                f"another call is already following thread {self.thread_id}", thread_id=self.thread_id
            )
        self._sink = sink
        try:
            while self._backlog:
                await sink.on_event(self._backlog.popleft())
            while True:
                changed = self._changed
                if turn.done.is_set():
                    assert turn.outcome is not None
                    return turn.outcome
                if deferred and (parked := self.pending()):
                    return parked
                await changed.wait()
        finally:
            self._sink = None

    def interrupt(self) -> None:
        """Stop the running turn (its commands are killed); the thread stays usable."""
        self._stopping = self._turn is not None
        for approval in self.pending():
            approval.answer("abort")
        if self.session is not None:
            self.session.interrupt()


class ThreadRegistry:
    """The threads of this server process, by id."""

    def __init__(
        self, tg: anyio.abc.TaskGroup, *, abandon_after: float = 600.0, on_change: OnChange | None = None
    ) -> None:
        self._tg = tg
        self.on_change = on_change
        self._threads: dict[str, Thread] = {}
        self._abandon_after = abandon_after

    async def start(self, config: Config, *, resume: Rollout | None = None) -> Thread:
        """Open a session for a new thread, or for a recorded one (its task lives as long as the server).

        Raises:
            agent.AgentError: the session could not start (agent.ThreadBusyError: another process has the thread).
        """
        thread = Thread(abandon_after=self._abandon_after, on_change=self.on_change)
        await self._tg.start(self._run_thread, thread, config, resume)
        self._threads[thread.thread_id] = thread
        return thread

    async def _run_thread(
        self, thread: Thread, config: Config, resume: Rollout | None, *, task_status: anyio.abc.TaskStatus[None]
    ) -> None:
        try:
            await thread.main(config, resume=resume, task_status=task_status)
        finally:
            self._threads.pop(thread.thread_id, None)

    def get(self, thread_id: str) -> Thread | None:
        return self._threads.get(thread_id)

    def all(self) -> list[Thread]:
        return list(self._threads.values())

    def close(self) -> None:
        for thread in self.all():
            thread.close()
