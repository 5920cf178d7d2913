"""Loaded threads: each owns an `agent.Session` in its own task, fans its notifications out to the connections
subscribed to it, and asks its approvals of the connection that started the turn."""

from __future__ import annotations

import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream

import agent
from agent import protocol as p

from . import _shapes as shapes
from ._approvals import Questions, Subscriber
from ._events import Notification, Translator
from .errors import ThreadError

if TYPE_CHECKING:
    from agent import Config, Event, Rollout


class _Pump:
    """Reads the session's events and delivers them; `drain` waits until everything emitted so far is delivered."""

    def __init__(self, thread: LoadedThread) -> None:
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


class LoadedThread:
    """A thread with a live session. Create with `Threads.load`."""

    def __init__(
        self, config: Config, *, ephemeral: bool, created_at: int, preview: str, log: Callable[[str], None]
    ) -> None:
        self.config = config
        self._log = log
        self.ephemeral = ephemeral
        self.created_at = created_at
        self.preview = preview
        self.name: str | None = None
        self.forked_from: str | None = None
        self.source: str | None = "vscode"
        self.spawn: dict[str, Any] | None = None
        """A sub-agent thread's origin (parent, nickname, role) when one is resumed."""
        self.thread_id = ""
        self.session: agent.Session | None = None
        self.stop_side: Callable[[], None] | None = None
        """Stops the side turn (a review) while one runs: turn/interrupt calls it."""
        self.translator = Translator("")
        self.subscribers: list[Subscriber] = []
        self.owner: Subscriber | None = None
        self.turn_id: str | None = None
        self.turn_done = anyio.Event()
        self.turn_done.set()
        self._close = anyio.Event()
        self.unloaded = anyio.Event()
        self._tg: anyio.abc.TaskGroup | None = None
        self.pump = _Pump(self)
        self.waiting = 0
        """Questions the thread is waiting on (its status shows `waitingOnApproval` meanwhile)."""
        self.questions = Questions(self)
        self._early: list[Notification] = []
        self.client_message_id: str | None = None
        """turn/start's `clientUserMessageId`: the `clientId` of the next turn's user message item."""

    async def main(
        self,
        *,
        resume: Rollout | None,
        fork: bool,
        thread_source: str | None,
        task_status: anyio.abc.TaskStatus[None],
    ) -> None:
        """Own the session for as long as the thread is loaded (until `close`)."""
        async with agent.Session(
            self.config,
            approvals=self.questions,
            source="vscode",
            ephemeral=self.ephemeral,
            resume=resume,
            fork=fork,
            thread_source=thread_source,
            elicitation_handler=self.questions.forward_elicitation,
        ) as session:
            self.session = session
            self.thread_id = session.thread_id
            self.translator = Translator(session.thread_id)
            async with anyio.create_task_group() as tg:
                self._tg = tg
                tg.start_soon(self.pump.run, session.events())
                task_status.started()
                await self._close.wait()
                session.interrupt()
                await self.turn_done.wait()
                tg.cancel_scope.cancel()

    def close(self) -> None:
        """Unload: the running turn is interrupted (its commands killed) and the session closes its rollout."""
        self._close.set()

    # ---- what the thread says ----------------------------------------------------------------------------------

    def thread_object(self, *, turns: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        session = self.session
        path = session.rollout_path if session is not None else None
        if self.turn_id is not None:
            flags = ["waitingOnApproval"] if self.waiting else []
            status: dict[str, Any] = {"type": "active", "activeFlags": flags}
        else:
            status = {"type": "idle"}
        return shapes.thread(
            thread_id=self.thread_id,
            cwd=str(self.config.cwd),
            model_provider=self.config.provider.id,
            model=self.config.model,
            created_at=self.created_at,
            updated_at=int(time.time()),
            preview=(session.first_user_message if session else None) or self.preview,
            path=str(path) if path else None,
            name=self.name,
            source=self.source,
            status=status,
            ephemeral=self.ephemeral,
            forked_from=self.forked_from,
            turns=turns,
            spawn=self.spawn,
        )

    async def subscribe(self, subscriber: Subscriber) -> None:
        """Send this thread's notifications to `subscriber` too (first those nobody could receive yet)."""
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)
        early, self._early = self._early, []
        for method, params in early:
            await subscriber.notify(method, params)

    async def broadcast(self, notifications: Sequence[Notification]) -> None:
        if not self.subscribers:
            # Startup warnings come before anyone subscribed (the subscription follows thread/start's answer).
            self._early.extend(notifications)
            return
        for method, params in notifications:
            for subscriber in list(self.subscribers):
                if subscriber.closed:
                    continue
                await subscriber.notify(method, params)

    async def deliver(self, event: Event) -> None:
        if isinstance(event.msg, p.TaskComplete | p.TurnAborted) and event.id == self.turn_id:
            # The turn is over for the clients as soon as turn/completed goes out (thread/read right after it says
            # idle); the engine's own bookkeeping finishes before the next turn starts (see start_turn).
            self.turn_id = None
        notifications = self.translator.on_event(event)
        if isinstance(event.msg, p.UserMessage) and self.client_message_id is not None:
            for _, params in notifications:
                item = params.get("item")
                if isinstance(item, dict) and item.get("type") == "userMessage":
                    cast(dict[str, Any], item)["clientId"] = self.client_message_id
            self.client_message_id = None
        await self.broadcast(notifications)

    # ---- turns --------------------------------------------------------------------------------------------------

    async def start_turn(
        self, items: list[agent.UserInput], *, turn_id: str, output_schema: dict[str, Any] | None, owner: Subscriber
    ) -> None:
        """Start a turn in the thread's task (its notifications follow the caller's response)."""
        if self.turn_id is not None:
            raise ThreadError(
                f"thread {self.thread_id} is already running turn {self.turn_id}; steer it with turn/steer or stop "
                "it with turn/interrupt",
                thread_id=self.thread_id,
            )
        assert self._tg is not None and self.session is not None
        self.turn_id = turn_id
        with anyio.move_on_after(10):
            await self.turn_done.wait()
        self.owner = owner
        self.turn_done = anyio.Event()
        self._tg.start_soon(self._run_turn, self.session, items, output_schema, turn_id)

    async def compact(self, turn_id: str, *, owner: Subscriber) -> None:
        """Summarise the history now, as a turn of its own with a `contextCompaction` item."""
        assert self._tg is not None and self.session is not None
        self.turn_id = turn_id
        with anyio.move_on_after(10):
            await self.turn_done.wait()  # the last turn's own bookkeeping
        self.owner = owner
        self.turn_done = anyio.Event()
        self._tg.start_soon(self._run_compaction, self.session, turn_id)

    async def run_side_turn(self, turn_id: str, run: Callable[[], Awaitable[None]], *, owner: Subscriber) -> None:
        """Run `run` as this thread's turn `turn_id`, beside the thread's session (a review); `run` sends the turn's
        notifications itself."""
        assert self._tg is not None
        self.turn_id = turn_id
        with anyio.move_on_after(10):
            await self.turn_done.wait()
        self.owner = owner
        self.turn_done = anyio.Event()
        scope = anyio.CancelScope()
        self.stop_side = scope.cancel

        async def side() -> None:
            try:
                with scope:
                    await run()
                if scope.cancelled_caught:
                    notes = [] if self.translator.turn_id == turn_id else self.translator.begin_turn(turn_id)
                    await self.broadcast([*notes, *self.translator.interrupted()])
            finally:
                self.stop_side = None
                self.turn_id = None
                self.owner = None
                self.turn_done.set()

        self._tg.start_soon(side)

    async def _run_compaction(self, session: agent.Session, turn_id: str) -> None:
        translator = self.translator
        try:
            await self.broadcast(translator.begin_turn(turn_id))
            await self.broadcast(translator.compaction(started=True))
            try:
                await session.compact()
            except Exception as exc:  # a provider error, or a bug of ours: the turn fails, the server goes on
                self._log(f"thread {self.thread_id}: compaction failed: {exc!r}")
                await self.broadcast(translator.failed(f"compaction failed: {exc}"))
            else:
                await self.pump.drain()
                await self.broadcast(translator.compaction(started=False))
            await self.pump.drain()
            await self.broadcast(translator.end_turn())
        finally:
            self.turn_id = None
            self.owner = None
            self.turn_done.set()

    async def _run_turn(
        self, session: agent.Session, items: list[agent.UserInput], schema: dict[str, Any] | None, turn_id: str
    ) -> None:
        try:
            await session.run_turn(items, output_schema=schema, turn_id=turn_id)
        except Exception as exc:  # the session failed outside the turn's own error handling: say so, go on
            self._log(f"thread {self.thread_id}: turn {turn_id} failed:\n{traceback.format_exc()}")
            notes = self.translator.failed(str(exc)) + self.translator.end_turn()
            await self.broadcast(notes)
        finally:
            with anyio.CancelScope(shield=True):
                await self.pump.drain()
            if self.turn_id == turn_id:
                self.turn_id = None
            self.owner = None
            self.turn_done.set()


class Threads:
    """The loaded threads of this server process, by id."""

    def __init__(self, tg: anyio.abc.TaskGroup, *, log: Callable[[str], None]) -> None:
        self._tg = tg
        self._log = log
        self._loaded: dict[str, LoadedThread] = {}

    async def load(
        self,
        config: Config,
        *,
        resume: Rollout | None = None,
        fork: bool = False,
        ephemeral: bool = False,
        thread_source: str | None = None,
    ) -> LoadedThread:
        """Open a session for a new thread, or for a recorded one (`resume`, or a copy of it with `fork`).

        Raises:
            agent.AgentError: the session could not start (agent.ThreadBusyError: another process has the thread).
        """
        created = shapes.unix_seconds(resume.created_at) if resume is not None and not fork else int(time.time())
        preview = (resume.first_user_message if resume is not None else None) or ""
        thread = LoadedThread(config, ephemeral=ephemeral, created_at=created, preview=preview, log=self._log)
        if resume is not None:
            thread.name = resume.title if not fork else None
            thread.forked_from = resume.thread_id if fork else None
            recorded = resume.meta.get("source")
            if not fork and isinstance(recorded, str):
                thread.source = recorded
            if not fork:
                thread.spawn = shapes.thread_spawn(resume.meta)
        await self._tg.start(self._run, thread, resume, fork, thread_source)
        self._loaded[thread.thread_id] = thread
        return thread

    async def _run(
        self,
        thread: LoadedThread,
        resume: Rollout | None,
        fork: bool,
        thread_source: str | None,
        *,
        task_status: anyio.abc.TaskStatus[None],
    ) -> None:
        try:
            await thread.main(resume=resume, fork=fork, thread_source=thread_source, task_status=task_status)
        except Exception:
            if not thread.thread_id:
                raise  # the session did not start: the request that loads it reports why
            # A thread that breaks must not take the server and its other threads down.
            self._log(f"thread {thread.thread_id} stopped:\n{traceback.format_exc()}")
        finally:
            self._loaded.pop(thread.thread_id, None)
            thread.unloaded.set()

    def get(self, thread_id: str) -> LoadedThread | None:
        return self._loaded.get(thread_id)

    def all(self) -> list[LoadedThread]:
        return list(self._loaded.values())

    def require(self, thread_id: str) -> LoadedThread:
        thread = self._loaded.get(thread_id)
        if thread is None:
            raise ThreadError(
                f"thread not loaded: {thread_id} (start it with thread/start or load it with thread/resume)",
                thread_id=thread_id,
            )
        return thread

    async def unload(self, thread: LoadedThread) -> None:
        """Close a thread's session and wait until it is closed (its commands killed, its rollout closed)."""
        thread.close()
        # Shielded and bounded: a connection that went away must still have its commands killed.
        with anyio.CancelScope(shield=True), anyio.move_on_after(15):
            await thread.unloaded.wait()

    async def forget(self, subscriber: Subscriber) -> None:
        """A connection went away: threads nobody else follows are interrupted and unloaded."""
        for thread in self.all():
            await self.unsubscribe(thread, subscriber)

    async def unsubscribe(self, thread: LoadedThread, subscriber: Subscriber) -> bool:
        """Stop sending `thread`'s notifications to `subscriber`; unload it when nobody follows it any more.
        Returns False when `subscriber` was not following it."""
        if subscriber not in thread.subscribers:
            return False
        thread.subscribers.remove(subscriber)
        if not [s for s in thread.subscribers if not s.closed]:
            await self.unload(thread)
        return True

    def close_all(self) -> None:
        for thread in self.all():
            thread.close()
