"""One ACP session: a task that owns an `agent.Session`, runs its prompts one at a time, streams its events to the
client as `session/update` and asks its approvals as `session/request_permission`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
from acp.schema import ClientCapabilities, PromptResponse, StopReason, Usage
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

import agent
from agent import protocol as p

from ._elicit import forward_elicitation
from ._permissions import OPTIONS, decision_for, describe
from ._updates import Update, UpdateMapper
from .errors import busy, internal

if TYPE_CHECKING:
    from acp import Client

    from agent import Config, Event, ReviewDecision, Rollout, TurnOutcome

logger = logging.getLogger(__name__)


@dataclass
class _Turn:
    items: list[agent.UserInput]
    done: anyio.Event = field(default_factory=anyio.Event)
    outcome: TurnOutcome | None = None
    cancelled: bool = False

    def finish(self, outcome: TurnOutcome) -> None:
        if not self.done.is_set():
            self.outcome = outcome
            self.done.set()


class _Pump:
    """Reads the session's events and sends their updates; `drain` waits until everything read has been sent."""

    def __init__(self, deliver: Any) -> None:
        self._deliver = deliver
        self._busy = False
        self._recv: MemoryObjectReceiveStream[Event] | None = None
        self._waiters: list[anyio.Event] = []

    async def run(self, recv: MemoryObjectReceiveStream[Event]) -> None:
        self._recv = recv
        try:
            async for event in recv:
                self._busy = True
                try:
                    await self._deliver(event)
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


def stop_reason(outcome: TurnOutcome, cancelled: bool) -> StopReason:
    """The ACP stop reason of a turn that ended without an error to report."""
    if outcome.status == "aborted" or cancelled:
        return "cancelled"
    # The engine's typed reason: the output token limit, or a refusal (the model's, or a UserPromptSubmit hook's).
    return outcome.stop_reason or "end_turn"


def _usage(outcome: TurnOutcome) -> Usage:
    u = outcome.usage
    return Usage(
        total_tokens=u.total_tokens,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        thought_tokens=u.reasoning_output_tokens or None,
        cached_read_tokens=u.cached_input_tokens or None,
    )


class AcpSession:
    """A pycodex thread served to an ACP client. Start it with `main` in a task group (`tg.start`)."""

    def __init__(
        self,
        client: Client,
        config: Config,
        *,
        resume: Rollout | None = None,
        fork: bool = False,
        capabilities: ClientCapabilities | None = None,
    ) -> None:
        self._client = client
        self._capabilities = capabilities or ClientCapabilities()
        self._questions = 0
        self.config = config
        self._resume = resume
        self._fork = fork
        self.session_id = ""
        self.session: agent.Session | None = None
        self.mode_id = ""
        self.opened_with: tuple[Any, ...] = ()
        """What the client opened it with (cwd, additional directories, MCP servers): set by the agent."""
        self._mapper = UpdateMapper()
        self._redactor = agent.EventRedactor()
        self._pump = _Pump(self._deliver)
        # Events wait here until the client surely knows the session id: its first prompt, or the end of a load's
        # replay (the session's start-up warnings are shown at the start of the first prompt).
        self._attached = anyio.Event()
        self._turn: _Turn | None = None
        self._running: _Turn | None = None
        self._turn_usage = agent.TokenUsage()
        self._cancelled = False
        self._rejected: set[tuple[str, ...]] = set()
        self._send: MemoryObjectSendStream[_Turn]
        self._recv: MemoryObjectReceiveStream[_Turn]
        self._send, self._recv = anyio.create_memory_object_stream[_Turn](1)
        self.closed = anyio.Event()

    # ---- the session's own task ---------------------------------------------------------------------------------

    async def main(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        """Own the engine session for this ACP session's whole life."""
        try:
            async with agent.Session(
                self.config,
                approvals=self,
                source="acp",
                resume=self._resume,
                fork=self._fork,
                elicitation_handler=self._elicit,
            ) as session:
                self.session = session
                self.session_id = session.thread_id
                self._mapper.context_window = session.context_window()
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._pump.run, session.events())
                    task_status.started()
                    async with self._recv:
                        async for turn in self._recv:
                            await self._run(session, turn)
                    tg.cancel_scope.cancel()
        finally:
            self.closed.set()

    async def _run(self, session: agent.Session, turn: _Turn) -> None:
        if turn.cancelled:  # cancelled while it waited for the previous turn to wind down
            turn.finish(agent.TurnOutcome(status="aborted"))
            return
        self._running = turn
        self._turn_usage = agent.TokenUsage()
        try:
            outcome = await session.run_turn(turn.items)
        except agent.AgentError as exc:
            outcome = agent.TurnOutcome(status="failed", error=str(exc))
        await self._pump.drain()
        self._running = None
        turn.finish(outcome)

    async def _deliver(self, event: Event) -> None:
        await self._attached.wait()
        msg = event.msg
        # The client is not the model: updates are redacted, streamed deltas as streams (a secret split across
        # pieces is held back until it is whole, then masked).
        for redacted in self._redactor.feed(msg):
            for update in self._mapper.updates(redacted):
                await self.send_update(update)
        if isinstance(msg, p.TokenCount) and msg.info is not None:
            self._turn_usage = self._turn_usage + msg.info.last_token_usage
        turn = self._running
        if turn is not None and isinstance(msg, p.TaskComplete | p.TurnAborted):
            # The turn's last event has reached the client: answer the prompt now, while the engine still files
            # the thread in its index.
            error = self._mapper.last_error
            status = "aborted" if isinstance(msg, p.TurnAborted) else "failed" if error else "completed"
            stop = msg.stop_reason if isinstance(msg, p.TaskComplete) else None
            turn.finish(agent.TurnOutcome(status=status, usage=self._turn_usage, error=error, stop_reason=stop))

    async def send_update(self, update: Update | Any) -> None:
        """One `session/update` to the client (a client that went away is not an error of the turn)."""
        try:
            await self._client.session_update(session_id=self.session_id, update=update)
        except Exception:
            logger.debug("could not send an update for session %s", self.session_id, exc_info=True)

    def attach(self) -> None:
        """The client knows this session now: let its events flow."""
        self._attached.set()

    def close(self) -> None:
        """Stop the running prompt (if any) and let the session's task end."""
        self.cancel()
        self._send.close()

    # ---- prompts ------------------------------------------------------------------------------------------------

    async def prompt(self, items: Sequence[agent.UserInput]) -> PromptResponse:
        """Run one prompt turn to its end.

        Raises:
            acp.RequestError: a prompt is already running (busy), or the turn failed (internal error, with the
                engine's message).
        """
        if self._turn is not None:
            raise busy(self.session_id)
        turn = _Turn(list(items))
        self._turn = turn
        self._cancelled = False
        self._mapper.last_error = None
        self.attach()
        try:
            await self._send.send(turn)
            await turn.done.wait()
        except anyio.get_cancelled_exc_class():
            # The request itself was cancelled (the connection closed): stop the turn too.
            self.cancel()
            raise
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise internal(f"session {self.session_id} is closed") from None
        finally:
            self._turn = None
        outcome = turn.outcome
        assert outcome is not None
        reason = stop_reason(outcome, self._cancelled)
        if outcome.status == "failed" and reason == "end_turn":
            raise internal(self._mapper.last_error or outcome.error or "the turn failed", sessionId=self.session_id)
        return PromptResponse(stop_reason=reason, usage=_usage(outcome))

    def cancel(self) -> None:
        """Stop the running turn: the model stream is cancelled, its commands killed, open questions dropped."""
        if self._turn is not None and self.session is not None:
            self._cancelled = True
            self._turn.cancelled = True
            if self._running is self._turn:
                self.session.interrupt()

    @property
    def busy(self) -> bool:
        return self._turn is not None

    async def _elicit(self, server: str, request: Any) -> Any:
        """An external MCP server's question, relayed to the client (see `_elicit`)."""
        import mcp_types

        self._questions += 1
        await self._pump.drain()
        answer = await forward_elicitation(
            self._client, self._capabilities, self.session_id, server, request, self._questions
        )
        try:
            return mcp_types.ElicitResult.model_validate(answer)
        except ValueError:
            return mcp_types.ElicitResult(action="cancel")

    # ---- approvals (agent.ApprovalHandler) ----------------------------------------------------------------------

    async def request_approval(self, request: p.ApprovalRequest, turn_id: str) -> ReviewDecision:
        """Ask the client (`session/request_permission`); the mapping of every kind is in `_permissions`."""
        ask = describe(request)
        if ask.key in self._rejected:
            return "denied"
        # The engine emitted the pending tool call just before asking: let it reach the client first.
        await self._pump.drain()
        try:
            response = await self._client.request_permission(
                session_id=self.session_id, tool_call=ask.tool_call, options=list(OPTIONS)
            )
        except anyio.get_cancelled_exc_class():
            raise
        except Exception as exc:  # an error answer or a broken connection: nobody said yes
            logger.debug("permission request failed: %s", exc)
            return "denied"
        decision, remember = decision_for(response)
        if remember:
            self._rejected.add(ask.key)
        return decision
