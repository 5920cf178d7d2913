"""The pycodex chat app: the transcript, the composer and the status bar, wired to a session driver.

The app is a view over session events: the driver posts them up, the timeline turns them into cells, the transcript
shows the cells. What the person does goes down as calls on the driver (send, interrupt, new session) or on the
session (reconfigure). Slash commands live in `_commands.py`.

The first frame needs Textual and the view only: the engine side (driver, timeline, event types, anyio) is imported
once the configuration is known, which with a `ConfigLoader` is after that frame.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import TextArea

from ._cells import Cell, NoticeCell, NoticeKind, UserCell
from ._commands import SlashCommands
from ._composer import Composer
from ._messages import (
    CloseDialog,
    Notice,
    OpenSubAgent,
    SessionClosed,
    SessionEvent,
    SessionReady,
    ShowDialog,
    TurnEnded,
    TurnStarted,
)
from ._prompt_history import PromptHistory
from ._status_bar import StatusBar, context_text
from ._threads import FeatureUnavailable, ThreadStore, UnavailableThreads
from ._transcript import Transcript, on_screen

if TYPE_CHECKING:
    import agent
    from agent.protocol import TokenUsageInfo

    from ._bridge import SessionDriver, SessionFactory
    from ._sub_agents import SubAgentFeeds
    from ._timeline import Timeline

ConfigLoader: TypeAlias = "Callable[[], agent.Config]"
"""Builds the configuration; raises `ConfigLoadError` with the message and exit code for the person."""

QUIT_WINDOW_S = 2.0
QUIT_HINT = "press ctrl+c again to quit"


class ConfigLoadError(Exception):
    """The configuration could not be built: the app exits with this message and `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Collector:
    """A cell sink that only collects (replaying a past thread straight into the history view)."""

    def __init__(self) -> None:
        self.cells: list[Cell] = []

    def add(self, cell: Cell) -> None:
        self.cells.append(cell)

    def changed(self, cell: Cell) -> None:
        pass

    async def stream(self, cell: Any, delta: str) -> None:
        pass

    async def settle_answer(self, cell: Any) -> None:
        pass


class PycodexApp(App[None]):
    """Chat with the agent in a terminal."""

    CSS_PATH = "pycodex.tcss"
    TITLE = "pycodex"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "ctrl_c", "interrupt / quit", show=False, priority=True),
        Binding("escape", "interrupt", "interrupt", show=False),
        Binding("ctrl+o", "toggle_details", "details", show=False),
        Binding("pageup", "scroll_transcript(-1)", "scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_transcript(1)", "scroll down", show=False, priority=True),
        Binding("ctrl+end", "follow", "newest", show=False, priority=True),
        Binding("ctrl+q", "quit", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        config: agent.Config | ConfigLoader,
        *,
        threads: ThreadStore | None = None,
        session_factory: SessionFactory | None = None,
        resume_id: str | None = None,
        pick_resume: bool = False,
        prompt: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
        history: PromptHistory | None = None,
    ) -> None:
        super().__init__()
        # A loader is called after the first paint (in a thread): loading the configuration takes ~0.15 s.
        self._loader: ConfigLoader | None = config if callable(config) else None
        known = None if callable(config) else config
        self._config: agent.Config | None = known
        self.clock = clock
        self.now = now
        self._threads_given = threads
        self.threads: ThreadStore = threads or UnavailableThreads()
        self.history = history or PromptHistory()
        self.transcript = Transcript(id="transcript")
        self.composer = Composer(known.cwd if known else Path.cwd(), self.history, id="composer")
        self.status = StatusBar(clock, id="status")
        self.commands = SlashCommands(self)
        self._factory = session_factory
        self._resume_id = resume_id
        self._session_driver: SessionDriver | None = None
        self._timeline: Timeline | None = None
        self._early: list[tuple[str, tuple[Path, ...]]] = []
        self.session: agent.Session | None = None
        self.resumable_thread_id: str | None = None
        """The thread to name in the resume hint on exit: one that was resumed or got a prompt."""
        self.token_info: TokenUsageInfo | None = None
        self.mcp_failures: dict[str, str] = {}
        self._pick_resume = pick_resume
        self._initial_prompt = prompt
        self._replay: list[Any] | None = None
        self._quit_armed_at: float | None = None
        self._quitting = False
        self.sub_agent_feeds: SubAgentFeeds | None = None
        """The event logs of the sub-agents whose transcripts were opened (made with the first)."""

    def on_unmount(self) -> None:
        if self._session_driver is not None:
            self._session_driver.close()

    def compose(self) -> ComposeResult:
        yield self.transcript
        yield self.composer
        yield self.status

    @property
    def config(self) -> agent.Config:
        """The configuration in effect (the session's, once one runs)."""
        if self._config is None:
            raise RuntimeError("the configuration is still loading")
        return self._config

    @config.setter
    def config(self, config: agent.Config) -> None:
        self._config = config

    @property
    def configured(self) -> bool:
        return self._config is not None

    @property
    def driver(self) -> SessionDriver:
        """The session driver (there is one once the configuration is known)."""
        if self._session_driver is None:
            raise RuntimeError("the configuration is still loading")
        return self._session_driver

    @property
    def timeline(self) -> Timeline:
        if self._timeline is None:
            raise RuntimeError("the configuration is still loading")
        return self._timeline

    def on_mount(self) -> None:
        self.composer.prompt.focus()
        if self._config is not None:
            self._configured(self._config)
        else:
            self.status.model = "starting…"
            self.call_after_refresh(self._load_config)

    @work(group="config", exclusive=True)
    async def _load_config(self) -> None:
        import anyio.to_thread

        assert self._loader is not None
        try:
            config = await anyio.to_thread.run_sync(self._loader)
        except ConfigLoadError as exc:
            self.exit(return_code=exc.exit_code, message=str(exc))
            return
        self._configured(config)

    def _configured(self, config: agent.Config) -> None:
        from ._bridge import SessionDriver
        from ._threads import EngineThreads
        from ._timeline import Timeline

        self._config = config
        if self._threads_given is None:
            self.threads = EngineThreads(config.codex_home)
        self.composer.cwd = config.cwd
        self._load_custom_prompts(config)
        self._timeline = Timeline(self.transcript, clock=self.clock)
        self._timeline.cwd = config.cwd
        self._session_driver = SessionDriver(
            self, config, threads=self.threads, factory=self._factory, resume_id=self._resume_id
        )
        self._show_config(config)
        for text, images in self._early:
            self.send_prompt(text, images)
        self._early.clear()
        # After the first frame: opening a session loads the engine (~0.2 s) and should not delay the paint.
        if self._pick_resume:
            self.call_after_refresh(self.commands.pick_resume, first=True)
        else:
            self.call_after_refresh(self.start_driver)

    def _load_custom_prompts(self, config: agent.Config) -> None:
        from agent.skills import load_custom_prompts

        from ._slash import prompt_commands

        prompts, problems = load_custom_prompts(config.codex_home)
        self.composer.custom_commands = prompt_commands(prompts)
        for problem in problems:
            self.notify_cell("warning", problem)

    def start_driver(self, resume_id: str | None = None, *, fresh: bool = False) -> None:
        if resume_id is not None or fresh:
            from ._bridge import SessionDriver

            self.driver.close()
            self._session_driver = SessionDriver(
                self, self.config, threads=self.threads, factory=self.driver.factory, resume_id=resume_id
            )
        self.run_worker(self.driver.run(), name="session", group="session", exclusive=True)

    # ---- the session's messages ---------------------------------------------------------------------------------

    @on(SessionReady)
    def _session_ready(self, message: SessionReady) -> None:
        self.session = message.session
        self.resumable_thread_id = message.session.thread_id if message.resumed is not None else None
        self.token_info = None
        self.mcp_failures.clear()
        from ._timeline import Timeline

        self._timeline = Timeline(self.transcript, clock=self.clock)
        self._timeline.cwd = message.session.config.cwd
        self._timeline.resumed = message.resumed is not None
        self._timeline.sub_agents = message.session.sub_agents
        self._replay = list(message.resumed.events) if message.resumed is not None else None
        self._show_config(message.session.config)
        skills = message.session.skills
        self.composer.skills = (
            [(s.name, s.short_description or s.description) for s in skills.enabled] if skills else []
        )
        if self._initial_prompt:
            prompt, self._initial_prompt = self._initial_prompt, None
            self.send_prompt(prompt, ())

    @on(SessionClosed)
    def _session_closed(self, message: SessionClosed) -> None:
        self.session = None
        self.status.running_since = None
        if self._quitting:
            self.exit()
            return
        # The transcript belonged to that session; what the next one reports while opening comes after this.
        self.transcript.clear()

    @on(SessionEvent)
    async def _session_event(self, message: SessionEvent) -> None:
        from agent.protocol import SessionConfigured, TaskStarted, TokenCount

        msg = message.event.msg
        try:
            await self.timeline.apply(msg)
        except Exception as exc:  # a drawing bug must not end the session; the rollout has the event anyway
            self.transcript.add(NoticeCell("error", f"pycodex could not show a {msg.type} event: {exc!r}"))
        if isinstance(msg, SessionConfigured):
            if self._replay is not None:
                await self._replay_past(self._replay)
                self._replay = None
        elif isinstance(msg, TokenCount) and msg.info is not None:
            self.token_info = msg.info
            self._show_context()
        elif isinstance(msg, TaskStarted) and msg.model_context_window:
            self._show_context()
        elif msg.type == "warning" and msg.message.startswith("MCP server `"):
            name = msg.message.split("`", 2)[1]
            self.mcp_failures[name] = msg.message

    async def _replay_past(self, events: list[Any]) -> None:
        from agent.protocol import TokenCount

        from ._timeline import Timeline

        collector = _Collector()
        replay = Timeline(collector, clock=lambda: 0.0)
        replay.cwd = self.timeline.cwd
        replay.replaying = True
        for msg in events:
            await replay.apply(msg)
            if isinstance(msg, TokenCount) and msg.info is not None:
                self.token_info = msg.info
        self.transcript.add_many(collector.cells)
        self.transcript.add(NoticeCell("info", f"Resumed: {len(collector.cells)} entries above. Carry on below."))
        self._show_context()

    @on(OpenSubAgent)
    def _open_sub_agent(self, message: OpenSubAgent) -> None:
        from ._sub_agents import open_sub_agent

        open_sub_agent(self, message.agent_id, self.composer.prompt.focus)

    @on(TurnStarted)
    def _turn_started(self, message: TurnStarted) -> None:
        self.status.running_since = self.clock()
        self.status.notice = ""

    @on(TurnEnded)
    def _turn_ended(self, message: TurnEnded) -> None:
        self.status.running_since = None

    @on(Notice)
    def _notice(self, message: Notice) -> None:
        self.transcript.add(NoticeCell(message.kind, message.text))

    @on(ShowDialog)
    def _show_dialog(self, message: ShowDialog) -> None:
        self.push_screen(message.dialog, callback=message.answered)

    @on(CloseDialog)
    def _close_dialog(self, message: CloseDialog) -> None:
        dialog = message.dialog
        if dialog is self.screen:
            dialog.dismiss(None)
        elif dialog in self.screen_stack:
            dialog.add_class("cancelled")

    def notify_cell(self, kind: NoticeKind, text: str) -> None:
        """Add a line from the TUI itself to the transcript."""
        self.transcript.add(NoticeCell(kind, text))

    # ---- status -------------------------------------------------------------------------------------------------

    def _show_config(self, config: agent.Config) -> None:
        self.config = config
        effort = f" ({config.reasoning_effort})" if config.reasoning_effort else ""
        self.status.model = config.model + effort
        self.status.sandbox = config.sandbox_mode
        self._show_context()

    def _show_context(self) -> None:
        self.status.context = context_text(self.token_info, self.config.toml.model_context_window)

    # ---- sending ------------------------------------------------------------------------------------------------

    @on(Composer.Submitted)
    async def _submitted(self, message: Composer.Submitted) -> None:
        self._disarm_quit()
        if await self.commands.handle(message.text):
            return
        self.send_prompt(message.text, message.images)

    def send_prompt(self, text: str, images: tuple[Path, ...]) -> None:
        if self._session_driver is None:
            # Typed before the configuration was loaded: sent as soon as it is.
            self._early.append((text, images))
            self.transcript.add(UserCell(text, tuple(p.name for p in images)))
            return
        import agent

        items: list[agent.UserInput] = [agent.LocalImageInput(path=p) for p in images]
        if text.strip():
            items.append(agent.TextInput(text=text))
        if self.session is not None:
            self.resumable_thread_id = self.session.thread_id
        if self.driver.submit(items):
            self.transcript.add(UserCell(text, tuple(p.name for p in images), steering=True))
        self.transcript.anchor()

    # ---- keys ---------------------------------------------------------------------------------------------------

    def action_ctrl_c(self) -> None:
        focused = self.focused
        if isinstance(focused, TextArea) and focused.selected_text:
            self.copy_to_clipboard(focused.selected_text)
            return
        if self._session_driver is not None and self._session_driver.interrupt():
            return
        if isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
            return
        if self.composer.prompt.text:
            self.composer.prompt.clear()
            return
        now = self.clock()
        if self._quit_armed_at is not None and now - self._quit_armed_at <= QUIT_WINDOW_S:
            self.action_quit_app()
            return
        self._quit_armed_at = now
        self.status.notice = QUIT_HINT
        self.set_timer(QUIT_WINDOW_S, self._disarm_quit)

    def _disarm_quit(self) -> None:
        self._quit_armed_at = None
        if self.status.notice == QUIT_HINT:
            self.status.notice = ""

    def action_interrupt(self) -> None:
        if self._session_driver is not None:
            self._session_driver.interrupt()

    def action_toggle_details(self) -> None:
        transcript = on_screen(self, self.transcript)
        transcript.set_details(not transcript.details)

    def action_scroll_transcript(self, direction: int) -> None:
        if direction < 0:
            on_screen(self, self.transcript).scroll_page_up(animate=False)
        else:
            on_screen(self, self.transcript).scroll_page_down(animate=False)

    def action_follow(self) -> None:
        on_screen(self, self.transcript).anchor()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("scroll_transcript", "follow") and isinstance(self.screen, ModalScreen):
            return False
        return True

    def action_quit_app(self) -> None:
        """Leave: stop the turn, close the session (its record is complete), then exit."""
        if self._quitting:
            return
        self._quitting = True
        if self._session_driver is None or self.session is None:
            self.exit()
            return
        self._session_driver.interrupt()
        self._session_driver.stop()

    async def action_quit(self) -> None:
        self.action_quit_app()

    # ---- workers used by the slash commands ---------------------------------------------------------------------

    @work(group="threads", exclusive=True)
    async def load_threads_then(self, then: Callable[[list[Any]], None], *, first: bool) -> None:
        try:
            # This directory's threads first, as `pycodex resume` lists them; every directory's when it has none.
            threads = list(await self.threads.list_threads(cwd=self.config.cwd, limit=200))
            if not threads:
                threads = list(await self.threads.list_threads(cwd=None, limit=200))
        except FeatureUnavailable as exc:
            self.notify_cell("warning", str(exc))
            if first:
                self.start_driver()
            return
        then(threads)
