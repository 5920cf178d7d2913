"""Between the app and the engine: the session lives in one long-lived worker; the app calls its methods
(attributes down) and hears back through messages (messages up).

The driver owns `agent.Session` for its whole life, so the session's task group is entered and left in the same
task. Inside it, one task reads the session's event stream and posts every event to the app, in order, and turns
run as tasks beside it so that input can reach a running turn. Approvals and elicitations become dialogs: the
handler posts a request to show one and waits for the answer. (Dialog modules load on first use: the app's
first paint does not wait for them.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from textual.message_pump import MessagePump
from textual.screen import ModalScreen

import agent
from agent.protocol import ApprovalRequest, ReviewDecision

from ._messages import (
    CloseDialog,
    Notice,
    SessionClosed,
    SessionEvent,
    SessionReady,
    ShowDialog,
    TurnEnded,
    TurnStarted,
)
from ._threads import FeatureUnavailable, ResumedThread, ThreadStore

if TYPE_CHECKING:
    import mcp.types

T = TypeVar("T")


async def ask(target: MessagePump, dialog: ModalScreen[T], default: T) -> T:
    """Show `dialog` through `target` and wait for the answer; if the wait is cancelled (the turn was stopped),
    the dialog is closed."""
    answers: list[T] = []
    done = anyio.Event()

    def answered(value: Any) -> None:
        answers.append(default if value is None else value)
        done.set()

    target.post_message(ShowDialog(dialog, answered))
    try:
        await done.wait()
    finally:
        if not done.is_set():
            target.post_message(CloseDialog(dialog))
    return answers[0]


# ---- approvals and elicitation ------------------------------------------------------------------------------------


class TuiApprovals:
    """`agent.ApprovalHandler` as dialogs; each decision is also recorded in the transcript."""

    def __init__(self, target: MessagePump, cwd: Path | None = None) -> None:
        self._target = target
        self.cwd = cwd

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        from ._approval_dialogs import approval_dialog, approval_subject, decision_text

        decision: ReviewDecision = await ask(self._target, approval_dialog(request, self.cwd), "abort")
        self._target.post_message(Notice("approval", decision_text(decision, approval_subject(request, self.cwd))))
        return decision


class TuiElicitations:
    """`mcp_client.ElicitationHandler` as a dialog (`mcp.types` is imported on first use: it is slow to load)."""

    def __init__(self, target: MessagePump) -> None:
        self._target = target

    async def __call__(
        self, server: str, request: mcp.types.ElicitRequestFormParams | mcp.types.ElicitRequestURLParams
    ) -> mcp.types.ElicitResult:
        import mcp.types

        from ._elicitation import ElicitAnswer, ElicitationDialog

        if isinstance(request, mcp.types.ElicitRequestURLParams):
            dialog = ElicitationDialog(server, request.message, None, url=request.url)
        else:
            dialog = ElicitationDialog(server, request.message, request.requested_schema)
        answer = await ask(self._target, dialog, ElicitAnswer("cancel"))
        return mcp.types.ElicitResult(action=answer.action, content=answer.content)


class TuiAuthorizations:
    """`mcp_client.AuthorizationHandler` as the link dialog: a server wants a new login mid-session; "Open the link"
    opens the browser and the call waits for the login (up to 300 s); Decline or Cancel fail the call with the
    `pycodex mcp login` message."""

    def __init__(self, target: MessagePump) -> None:
        self._target = target

    async def __call__(self, request: Any) -> None:  # an `mcp_client.AuthorizationRequest`
        from ._elicitation import ElicitAnswer, ElicitationDialog

        message = f"{request.describe()} Open the link to log in in your browser; the call waits for it."
        dialog = ElicitationDialog(request.server, message, None, url=request.url)
        answer = await ask(self._target, dialog, ElicitAnswer("cancel"))
        if answer.action != "accept":
            return
        self._target.post_message(Notice("info", f"Waiting for the browser login to the {request.server} MCP server."))
        await request.complete()
        self._target.post_message(Notice("info", f"Logged in to the {request.server} MCP server again."))


# ---- the driver ---------------------------------------------------------------------------------------------------

SessionFactory: TypeAlias = "Callable[..., agent.Session]"
"""`agent.Session`'s signature; tests may wrap it."""


@dataclass(frozen=True)
class _Submit:
    items: list[agent.UserInput]


@dataclass(frozen=True)
class _Start:
    resume_id: str | None = None
    cleared: bool = False
    """Started by `/clear`: the session's SessionStart hooks hear `source: "clear"`."""


@dataclass(frozen=True)
class _Compact:
    pass


@dataclass(frozen=True)
class _Stop:
    pass


_Command = _Submit | _Start | _Compact | _Stop


class SessionDriver:
    """Runs sessions one after another (a `/new` or `/resume` ends one and starts the next) in `run()`."""

    def __init__(
        self,
        target: MessagePump,
        config: agent.Config | None,
        *,
        threads: ThreadStore,
        factory: SessionFactory | None = None,
        resume_id: str | None = None,
        approvals: TuiApprovals | None = None,
    ) -> None:
        self._target = target
        self.config = config
        self._threads = threads
        # agent.Session is loaded when the first session opens, not before the app's first paint.
        self.factory: SessionFactory | None = factory
        self.approvals = approvals or TuiApprovals(target, config.cwd if config else None)
        self.elicitations = TuiElicitations(target)
        self.authorizations = TuiAuthorizations(target)
        self.session: agent.Session | None = None
        self.running = False
        self._first = _Start(resume_id)
        self._finished = False
        self._send: MemoryObjectSendStream[_Command]
        self._receive: MemoryObjectReceiveStream[_Command]
        self._send, self._receive = anyio.create_memory_object_stream[_Command](math.inf)

    # ---- attributes down (called by the app) --------------------------------------------------------------------

    def configure(self, config: agent.Config, threads: ThreadStore) -> None:
        """Set the configuration (when it was loaded after the app started) and the store of past threads."""
        self.config = config
        self._threads = threads
        self.approvals.cwd = config.cwd

    @property
    def finished(self) -> bool:
        """True once `run` has ended (the person quit, or a session could not start)."""
        return self._finished

    def _command(self, command: _Command) -> None:
        try:
            self._send.send_nowait(command)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._target.post_message(Notice("warning", "No session is running: type /new to start one."))

    def submit(self, items: list[agent.UserInput]) -> bool:
        """Send input: it starts a turn, or joins the running one. Returns True when it joined a running turn."""
        joined = self.running and self.session is not None
        self._command(_Submit(items))
        return joined

    def interrupt(self) -> bool:
        """Stop the running turn. Returns False when nothing was running."""
        if self.running and self.session is not None:
            self.session.interrupt()
            return True
        return False

    def new_session(self, resume_id: str | None = None, *, cleared: bool = False) -> None:
        self._command(_Start(resume_id, cleared))

    def compact(self) -> None:
        self._command(_Compact())

    def stop(self) -> None:
        if not self._finished:
            self._command(_Stop())

    # ---- the worker ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the command stream (after `run` ended, or when it never ran)."""
        self._send.close()
        self._receive.close()

    async def run(self) -> None:
        try:
            start: _Start | None = self._first
            while start is not None:
                start = await self._serve(start)
        finally:
            self._finished = True
            self.close()

    async def _open(self, start: _Start) -> tuple[agent.Session, ResumedThread | None]:
        kwargs: dict[str, Any] = {
            "approvals": self.approvals,
            "source": "tui",
            "elicitation_handler": self.elicitations,
            "authorization_handler": self.authorizations,
        }
        resumed: ResumedThread | None = None
        if start.resume_id is not None:
            try:
                resumed = await self._threads.load(start.resume_id)
            except FeatureUnavailable as exc:
                self._target.post_message(Notice("error", str(exc)))
            else:
                if resumed.rollout is not None:
                    kwargs["resume"] = resumed.rollout
                else:
                    kwargs["thread_id"] = resumed.thread_id
        if start.cleared:
            kwargs["cleared"] = True
        assert self.config is not None, "configure() the driver before running it"
        from ._hook_trust import confirm_hook_trust

        await confirm_hook_trust(self._target, self.config, ask)
        factory = self.factory or agent.Session
        return factory(self.config, **kwargs), resumed

    async def _serve(self, start: _Start) -> _Start | None:
        session, resumed = await self._open(start)
        following: _Start | None = None
        failure: str | None = None
        try:
            async with session:
                self.session = session
                self._target.post_message(SessionReady(session, resumed))
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._pump, session)
                    following = await self._serve_commands(session, tg)
                    # Closing ends the event stream once drained, which ends the pump.
                    await session.aclose()
        except agent.AgentError as exc:
            failure = f"The session could not continue: {exc}"
            # A thread that cannot be reopened (busy, unreadable) leaves the person in a fresh session instead.
            following = _Start() if start.resume_id is not None else None
        finally:
            self.session = None
            self.running = False
        self._target.post_message(SessionClosed())
        if failure is not None:
            self._target.post_message(Notice("error", failure))
        return following

    async def _serve_commands(self, session: agent.Session, tg: anyio.abc.TaskGroup) -> _Start | None:
        async for command in self._receive:
            if isinstance(command, _Submit):
                if self.running:
                    session.add_input(command.items)
                else:
                    self.running = True
                    tg.start_soon(self._turn, session, command.items)
            elif isinstance(command, _Compact):
                tg.start_soon(self._compact, session)
            elif isinstance(command, _Start):
                return command
            else:
                return None
        return None

    async def _pump(self, session: agent.Session) -> None:
        async for event in session.events():
            self._target.post_message(SessionEvent(event))

    async def _turn(self, session: agent.Session, items: list[agent.UserInput]) -> None:
        self._target.post_message(TurnStarted())
        outcome: agent.TurnOutcome | None = None
        try:
            outcome = await session.run_turn(items)
        except agent.AgentError as exc:
            self._target.post_message(Notice("error", str(exc)))
        finally:
            self.running = False
            self._target.post_message(TurnEnded(outcome))

    async def _compact(self, session: agent.Session) -> None:
        self.running = True
        self._target.post_message(TurnStarted())
        try:
            await session.compact()
        except (agent.AgentError, RuntimeError) as exc:
            self._target.post_message(Notice("error", f"compaction failed: {exc}"))
        finally:
            self.running = False
            self._target.post_message(TurnEnded(None))
