"""A sub-agent's own transcript, opened over the main one (a click on its entry, or `/agents`).

The engine hands the TUI each child's event stream once (`Session.sub_agent_events`), from the child's first event
on, however late it is asked. `SubAgentFeeds` reads it in a worker into a log kept for the rest of the session, so
the view can be closed and opened again; `SubAgentScreen` turns the log into cells with the same `Timeline` the
main transcript uses (what had happened before it opened all at once, then each event as it comes) and follows
the child while it runs. The view is read-only: the child takes its work from the parent's model, and input typed
to it behind the parent's back would come back to the parent as an unexplained notification.

Each event is kept with the time it arrived, and the view's timeline reads that time as its clock, so a turn that
ended before the view opened still shows how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import anyio
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import Static

from ._cells import ACCENT, MUTED, AgentCell, Cell, NoticeCell
from ._timeline import Timeline
from ._transcript import Transcript

if TYPE_CHECKING:
    import agent
    from agent.protocol import EventMsg

    from ._cells import NoticeKind

BACK_HINT = "esc back to the main transcript · ctrl+o details · pgup/pgdn scroll · read-only"


class Host(Protocol):
    """What the view needs of the app (`PycodexApp`)."""

    session: agent.Session | None
    clock: Callable[[], float]
    sub_agent_feeds: SubAgentFeeds | None

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...

    def notify_cell(self, kind: NoticeKind, text: str) -> None: ...

    def push_screen(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> object: ...

    def run_worker(
        self, work: Coroutine[Any, Any, None], *, group: str = "default", exit_on_error: bool = True
    ) -> object: ...


@dataclass(eq=False)
class ChildLog:
    """What one sub-agent emitted so far, each event with the time it arrived here."""

    agent_id: str
    events: list[tuple[float, EventMsg]] = field(default_factory=lambda: [])
    ended: bool = False
    """Its stream ended: the child's session closed."""
    missing: str | None = None
    """Why there are no events to show (the engine had none to give)."""
    viewer: MessagePump | None = None
    """The open view of this child, told of each new batch."""


class ChildLogChanged(Message):
    """New events (or the end) in `log`."""

    def __init__(self, log: ChildLog) -> None:
        super().__init__()
        self.child_log = log


class SubAgentFeeds:
    """The logs of the current session's sub-agents, each read from the engine by one worker started on demand."""

    def __init__(self, app: Host, clock: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._clock = clock
        self._logs: dict[str, ChildLog] = {}
        self._session: Any = None

    def log_for(self, session: agent.Session, agent_id: str) -> ChildLog:
        """The log of `agent_id`, a child of `session`, reading it from now on if it was not read yet."""
        if session is not self._session:
            self._session, self._logs = session, {}  # the logs belonged to the session before this one
        log = self._logs.get(agent_id)
        if log is None:
            log = self._logs[agent_id] = ChildLog(agent_id)
            self._app.run_worker(self._read(session, log), group="sub-agents", exit_on_error=False)
        return log

    async def _read(self, session: agent.Session, log: ChildLog) -> None:
        stream = await session.sub_agent_events(log.agent_id)
        if stream is None:
            log.missing = "pycodex has no events of this sub-agent (it never started a session of its own)."
            log.ended = True
            self._tell(log)
            return
        with stream:
            while True:
                try:
                    event = await stream.receive()
                except (anyio.EndOfStream, anyio.ClosedResourceError):
                    break
                log.events.append((self._clock(), event.msg))
                # What else is waiting goes in the same batch: one redraw for a burst of deltas.
                while True:
                    try:
                        log.events.append((self._clock(), stream.receive_nowait().msg))
                    except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
                        break
                self._tell(log)
        log.ended = True
        self._tell(log)

    @staticmethod
    def _tell(log: ChildLog) -> None:
        if log.viewer is not None:
            log.viewer.post_message(ChildLogChanged(log))


class _Sink:
    """The view's transcript, or (while the events from before the view opened are placed) a list of cells."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.collected: list[Cell] | None = None

    def add(self, cell: Cell) -> None:
        if self.collected is not None:
            self.collected.append(cell)
        else:
            self.transcript.add(cell)

    def changed(self, cell: Cell) -> None:
        if self.collected is None:
            self.transcript.changed(cell)

    async def stream(self, cell: AgentCell, delta: str) -> None:
        if self.collected is None:
            await self.transcript.stream(cell, delta)

    async def settle_answer(self, cell: AgentCell) -> None:
        if self.collected is None:
            await self.transcript.settle_answer(cell)


class SubAgentScreen(Screen[None]):
    """One sub-agent's transcript, following it while it runs; Escape goes back (the main session runs on)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "back", show=False)]

    def __init__(self, info: agent.SubAgentInfo, log: ChildLog, status: Any = None) -> None:
        super().__init__()
        self.child = info
        self.child_log = log
        self._status = status
        """Asked for the child's current state (a `SubAgentInfo` or None) each time its events move on."""
        self.transcript = Transcript(id="transcript")
        self.title_bar = Static(id="sub-agent-title")
        self._sink = _Sink(self.transcript)
        self._now = 0.0
        self._timeline = Timeline(self._sink, clock=lambda: self._now)
        self._applied = 0
        self._told_missing = False

    def compose(self) -> ComposeResult:
        yield self.title_bar
        yield self.transcript
        yield Static(Text(BACK_HINT, style=MUTED), id="sub-agent-hint")

    async def on_mount(self) -> None:
        self.child_log.viewer = self
        self._show_title()
        self.transcript.focus()
        await self._catch_up()

    def on_unmount(self) -> None:
        if self.child_log.viewer is self:
            self.child_log.viewer = None

    async def on_child_log_changed(self, message: ChildLogChanged) -> None:
        if message.child_log is self.child_log:
            await self._catch_up()
            self._show_title()

    def action_back(self) -> None:
        self.dismiss(None)

    def _show_title(self) -> None:
        info = (self._status() if self._status is not None else None) or self.child
        title = Text.assemble(("Sub-agent ", "bold"), (info.nickname, f"bold {ACCENT}"))
        if info.role:
            title.append(f" ({info.role})", style=ACCENT)
        status = "closed" if self.child_log.ended and info.status in ("pending_init", "running") else info.status
        title.append(f" · {status.replace('_', ' ')} · {info.id}", style=MUTED)
        self.title_bar.update(title)

    async def _catch_up(self) -> None:
        """Place the events that came in since the last call. The first batch (what happened before the view
        opened) is placed all at once: its settled cells go straight into the history view."""
        events = self.child_log.events[self._applied :]
        backlog = self._applied == 0 and len(events) > 1
        self._applied += len(events)
        if backlog:
            self._sink.collected = []
        for arrived, msg in events:
            self._now = arrived
            try:
                await self._timeline.apply(msg)
            except Exception as exc:  # a drawing bug must not take the view down
                self._sink.add(NoticeCell("error", f"pycodex could not show a {msg.type} event: {exc!r}"))
        if backlog:
            cells, self._sink.collected = self._sink.collected or [], None
            settled = 0
            while settled < len(cells) and cells[settled].finished:
                settled += 1
            self.transcript.add_many(cells[:settled])
            for cell in cells[settled:]:
                self.transcript.add(cell)
        if self.child_log.missing and not self._told_missing:
            self._told_missing = True
            self.transcript.add(NoticeCell("warning", self.child_log.missing))
        self.transcript.anchor()


def open_sub_agent(app: Host, agent_id: str, back: Callable[[], object]) -> None:
    """Show the transcript of the current session's sub-agent `agent_id`; `back` is called when the person leaves
    it. For an id that is not one of the session's sub-agents, a warning goes to the transcript on screen."""
    session = app.session
    info = next((i for i in session.sub_agents() if i.id == agent_id), None) if session is not None else None
    if session is None or info is None:
        text = (
            f"Sub-agent {agent_id} is not one of this session's (it belongs to an earlier session, or to a "
            f"sub-agent): `pycodex resume {agent_id}` opens its transcript."
        )
        top = next((s for s in reversed(app.screen_stack) if isinstance(s, SubAgentScreen)), None)
        if top is not None:
            top.transcript.add(NoticeCell("warning", text))
        else:
            app.notify_cell("warning", text)
        return

    def status() -> agent.SubAgentInfo | None:
        current = app.session
        if current is not session:
            return None
        return next((i for i in session.sub_agents() if i.id == agent_id), None)

    def left(_: object) -> None:
        back()

    if app.sub_agent_feeds is None:
        app.sub_agent_feeds = SubAgentFeeds(app, app.clock)
    log = app.sub_agent_feeds.log_for(session, agent_id)
    app.push_screen(SubAgentScreen(info, log, status), left)
