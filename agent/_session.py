"""A session owns one thread: its history, model client, tools, approvals and rollout; it runs turns.

Front doors talk to it in two directions only: they `submit` ops (or call `run_turn`) and they read `events()`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import math
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, Unpack

import anyio
import anyio.abc
import anyio.to_thread
import httpx2
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

import sandbox

from . import _context
from ._items import user_input_item, user_message_item, uuid7
from ._protocol import (
    AgentReasoning,
    AgentReasoningDelta,
    Event,
    EventMsg,
    PatchApplyEnd,
    PlanItem,
    SessionConfigured,
    TokenUsage,
    UserInput,
    Warning,
)
from ._turn import RunningTurn, TurnOutcome, TurnRunner
from .config import Config, Reconfiguration, reconfigured
from .errors import SessionClosedError
from .model import JsonObject, Model, ModelClient
from .threads import ThreadRecorder, session_meta, thread_record
from .threads._session_log import SessionLog
from .tools import (
    ApprovalHandler,
    ApprovalState,
    ExecSessions,
    RejectingApprovals,
    ShellSnapshot,
    prefetch_snapshot,
)

if TYPE_CHECKING:
    from .execpolicy import Policy
    from .hooks import Hooks
    from .skills import SkillSet
    from .threads import Rollout, ThreadRecord
    from .tools import AgentControl, McpBridge, SubAgentInfo, SubAgentOrigin

CLI_VERSION = "0.1.0"

# Events that are also written to the rollout as `event_msg` records.
_PERSISTED_EVENTS = frozenset(
    {
        "user_message",
        "agent_message",
        "agent_reasoning",
        "token_count",
        "task_started",
        "task_complete",
        "turn_aborted",
        "error",
        "warning",
        "plan_update",
        "exec_command_end",
        "patch_apply_end",
        "mcp_tool_call_end",
        "auto_review_verdict",
    }
)

Source = Literal["exec", "mcp", "cli", "tui", "acp", "vscode"]


class _SessionFiles:
    """The part of `Session` that keeps its files: the rollout (through the recorder), the index row, and releasing
    them while the thread is idle (a mixin: the attributes below are the session's)."""

    config: Config
    thread_id: str
    usage: TokenUsage
    _recorder: ThreadRecorder
    _resume: Rollout | None
    _fork: bool
    _source: str
    _thread_source: str | None
    _git: JsonObject | None
    _startup_notes: list[str]
    _first_user_message: str | None
    _title: str | None
    _created_at: str
    _subagent: SubAgentOrigin | None
    _send: MemoryObjectSendStream[Event]
    history: list[JsonObject]
    _plan: list[Any]
    _files_changed: list[str]
    _context_to_refresh: JsonObject | None
    _repair_pending: bool
    _turn: Any
    _closed: bool

    def release_files(self) -> None:
        """Close the rollout and let go of the thread's lock while no turn runs (a server keeping many idle threads
        would otherwise hold two descriptors per thread). The next turn, or a late event, opens them again; if
        another process took the thread meanwhile, that turn fails with `ThreadBusyError`."""
        if self._turn is None and not self._closed:
            self._recorder.release()

    def _open_rollout(self) -> None:
        resume = self._resume
        if resume is not None and not self._fork:
            # The same file, appended to; a second process writing this thread is refused, not interleaved.
            repaired = self._recorder.open_resumed(resume)
            if repaired:
                self._startup_notes.append(repaired)
            return
        meta = session_meta(
            self.config,
            thread_id=self.thread_id,
            source=self._source,
            cli_version=CLI_VERSION,
            base_instructions=_context.base_instructions(self.config),
            git=self._git,
            forked_from=resume,
            subagent=self._subagent.meta() if self._subagent is not None else None,
        )
        if self._thread_source:
            meta["thread_source"] = self._thread_source
        self._recorder.open_new(self.thread_id, meta)
        if resume is not None:
            self._record(self.history)

    async def _update_index(self) -> None:
        rollout = self._recorder.path
        if rollout is None:
            return
        # Built in the recorder's turn, not now: the start-up row (written in the background) landing after the
        # end-of-turn row would put the older state back.
        await self._recorder.update_index(functools.partial(self._index_record, rollout, now_timestamp()))

    def _index_record(self, rollout: Path, updated_at: str) -> ThreadRecord:
        record = thread_record(
            self.config,
            thread_id=self.thread_id,
            rollout=rollout,
            source=self._index_source(),
            git=self._git,
            first_user_message=self._first_user_message,
            created_at=self._created_at,
            updated_at=updated_at,
            tokens_used=self.usage.total_tokens,
        )
        return dataclasses.replace(record, title=self._title) if self._title else record

    def _index_source(self) -> str:
        # A child's rollout records its parent as its source: the index says "subagent", as a sync reads it, also
        # when a front door resumes the child's thread later.
        resume = self._resume
        recorded = resume.meta.get("source") if resume is not None and not self._fork else None
        if self._subagent is not None or (isinstance(recorded, dict) and "subagent" in recorded):
            return "subagent"
        return self._source

    async def set_name(self, name: str | None) -> None:
        """Name the thread (recorded as Codex's `thread_name_updated` event; listings show it)."""
        self._title = name or None
        event = {"type": "thread_name_updated", "thread_id": self.thread_id, "thread_name": name}
        self._recorder.record("event_msg", event)
        with anyio.CancelScope(shield=True):
            await self._update_index()

    @property
    def first_user_message(self) -> str | None:
        return self._first_user_message

    @property
    def rollout_path(self) -> Path | None:
        return self._recorder.path

    def _record(self, items: list[JsonObject]) -> None:
        self._recorder.record_items(items)

    def _warn_now(self, message: str) -> None:
        # Sent without awaiting: the recorder reports from synchronous code, and the stream is unbounded.
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._send.send_nowait(Event.model_construct(id="", msg=Warning(message=message)))

    def _adopt(self, resume: Rollout, *, fork: bool) -> None:
        """Take over a recorded thread's history, plan, usage and (unless forking) its id."""
        self._first_user_message = resume.first_user_message
        self._title = resume.title if not fork else None
        self._repair_pending = True
        if not fork and resume.created_at:
            self._created_at = resume.created_at
        from .threads import resume_history

        self.history = [dict(item) for item in resume_history(resume)]
        self._plan = [PlanItem.model_validate(step) for step in resume.plan or []]
        self._files_changed = list(resume.files_changed)
        self._context_to_refresh = resume.last_turn_context or {}
        if resume.token_usage:
            self.usage = TokenUsage.model_validate(
                {k: v for k, v in resume.token_usage.items() if k in TokenUsage.model_fields}
            )
        if not fork:
            self.thread_id = resume.thread_id

    async def _load_child_rollout(self, thread_id: str) -> Any:
        from .threads import find_thread, load_thread

        record = await anyio.to_thread.run_sync(find_thread, self.config.codex_home, thread_id)
        return await anyio.to_thread.run_sync(load_thread, record)


class _SubAgentViews:
    """What a front end sees of a session's sub-agents (a mixin: `_agents` is the session's)."""

    _agents: AgentControl | None

    def sub_agents(self) -> list[SubAgentInfo]:
        """The sub-agents this session started or reopened, oldest first (none where it may start none)."""
        return self._agents.listing() if self._agents is not None else []

    async def sub_agent_events(self, agent_id: str) -> MemoryObjectReceiveStream[Event] | None:
        """A sub-agent's own event stream, from its first event (its `SessionConfigured`) on, live while it runs;
        it ends when the child's session closes. Handed out once per child (read it from one place, and close it);
        None for an id that is not a sub-agent of this session, one that never got a session, or a second ask."""
        if self._agents is None:
            return None
        return await self._agents.events(agent_id)


class Session(_SessionFiles, _SubAgentViews, TurnRunner):
    """One thread of work with the agent.

    Use as an async context manager; then `run_turn(...)` (or `submit` + `events()`). Commands started by the
    model live in the session's task group and are killed when the session closes.
    """

    def __init__(
        self,
        config: Config,
        *,
        approvals: ApprovalHandler | None = None,
        http: httpx2.AsyncClient | None = None,
        env: Mapping[str, str] | None = None,
        source: Source = "exec",
        ephemeral: bool = False,
        thread_id: str | None = None,
        elicitation_handler: Any = None,
        authorization_handler: Any = None,
        resume: Rollout | None = None,
        fork: bool = False,
        thread_source: str | None = None,
        model: Model | None = None,
        subagent: SubAgentOrigin | None = None,
        cleared: bool = False,
    ) -> None:
        """Args:
        config: the resolved configuration.
        approvals: who answers approval requests (default: nobody; every request is denied).
        http: the HTTP client for the model (injected in tests); one is created otherwise.
        env: the environment the provider's key and headers are read from (default os.environ).
        source: which front door runs the session (recorded in the rollout).
        ephemeral: write no rollout file.
        thread_id: the thread's id (a new UUIDv7 by default).
        elicitation_handler: answers MCP servers' elicitation requests (`mcp_client.ElicitationHandler`);
            by default they are declined.
        authorization_handler: lets a person log in again when an MCP server asks mid-session
            (`mcp_client.AuthorizationHandler`); by default nobody is asked and the tool call fails with the
            `pycodex mcp login` message.
        resume: a thread read from its rollout (`read_rollout`): its history is replayed exactly and new turns are
            appended to the same file (locked against a second writer).
        fork: with `resume`, start a new thread (new id and rollout) from a copy of that history instead.
        thread_source: who started a new thread (Codex's `thread_source`, e.g. "user"), recorded in its rollout.
        model: what answers the prompts (a `ScriptedModel` in engine tests); by default the configured provider's
            HTTP client, and no HTTP client is made when a model is given.
        cleared: the person cleared the previous session to start this one (the TUI's /clear).
        """
        self.config = config
        self.thread_id = thread_id or uuid7()
        self.approvals: ApprovalHandler = approvals or RejectingApprovals()
        self._env = env
        self._own_http = http is None and model is None
        self._http = http or (None if model is not None else http_client(config))
        self._source = source
        self._ephemeral = ephemeral
        self.history: list[JsonObject] = []
        self.usage = TokenUsage()
        self._send: MemoryObjectSendStream[Event]
        self._recv: MemoryObjectReceiveStream[Event]
        self._send, self._recv = anyio.create_memory_object_stream[Event](math.inf)
        self._tg: anyio.abc.TaskGroup | None = None
        self._prefetch: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._exec: ExecSessions | None = None
        self._client: Model | None = model
        self._model = model
        self._subagent = subagent
        self._cleared = cleared
        self._agents: AgentControl | None = None
        self._recorder = ThreadRecorder(config.codex_home, report=self._warn_now)
        self._turn: RunningTurn | None = None
        self._log: SessionLog | None = None
        self._pending: list[JsonObject] = []
        self._closed = False
        self._shell = sandbox.default_shell()
        self._plan: list[Any] = []
        self._elicitation_handler = elicitation_handler
        self._authorization_handler = authorization_handler
        self._last_total_tokens: int | None = None
        self._files_changed: list[str] = []
        self._resume = resume
        self._fork = fork
        self._thread_source = thread_source
        self._context_to_refresh: JsonObject | None = None
        self._repair_pending = False
        self._startup_notes: list[str] = []
        self._hook_notes: list[str] = []
        self._hooks: Hooks | None = None
        self._hook_contexts: list[str] = []
        self._skills: SkillSet | None = None
        self._first_user_message: str | None = None
        self._title: str | None = None
        self._created_at = now_timestamp()
        self._git = _context.git_info(config.cwd)
        if resume is not None:
            self._adopt(resume, fork=fork)
        self._mcp_manager: Any = None
        self._mcp: McpBridge | None = None
        self._proxy: sandbox.NetworkProxy | None = None
        self._approval_state = ApprovalState(rules_file=config.codex_home / "rules" / "default.rules")
        self._env_policy = sandbox.ShellEnvironmentPolicy.model_validate(
            config.toml.shell_environment_policy.model_dump()
        )

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        tg = anyio.create_task_group()
        await tg.__aenter__()
        self._tg = tg
        try:
            await self._start(tg)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self, tg: anyio.abc.TaskGroup) -> None:
        self._log = SessionLog.open(self.config, self.thread_id)
        if self._client is None:
            assert self._http is not None
            self._client = ModelClient(
                self.config.provider,
                self._http,
                env=self._env,
                session_id=self.thread_id,
                originator=f"pycodex_{self._source}",
            )
        self._exec = ExecSessions(
            tg,
            emit=self._emit_msg_current,
            max_output_tokens_cap=self.config.toml.tool_output_token_limit,
            background_max_ms=self.config.toml.background_terminal_max_timeout,
            allow_degraded_sandbox=self.config.toml.sandbox_allow_degraded,
        )
        if self.config.network.enabled and not isinstance(self.config.sandbox_policy, sandbox.DangerFullAccess):
            from .tools._network import start_proxy

            self._proxy = await start_proxy(self, tg)
        self._exec.shell_snapshot = ShellSnapshot.for_session(self.config, self.thread_id, self._env_policy)
        confined = not isinstance(self.config.sandbox_policy, sandbox.DangerFullAccess)
        if self.config.toml.allow_login_shell and self._proxy is None and confined:
            # With the first turn, while its first model request is under way: the first command would otherwise pay
            # for it. Not before a turn (a session may end without one, and would kill the capture), and only in the
            # sandbox: a profile killed half-way with full rights can leave its lock files behind (pyenv's rehash).
            policy = self.config.sandbox_policy
            env = sandbox.build_env(self._env_policy, sandbox_policy=policy, thread_id=self.thread_id)
            self._prefetch = functools.partial(
                prefetch_snapshot, self._exec.shell_snapshot, self._shell, tg, self.config, env
            )
        self._agents = self._start_agents(tg)
        if self.config.mcp_servers:
            from .tools import oauth_settings, start_bridge

            # Servers start before the first model request; one that fails is reported, not fatal, unless required.
            self._mcp_manager, self._mcp = await start_bridge(
                self.config.mcp_servers,
                codex_home=self.config.codex_home,
                oauth=oauth_settings(self.config),
                elicitation_handler=self._elicitation_handler,
                authorization_handler=self._authorization_handler,
            )
        if not self._ephemeral:
            self._open_rollout()
            # The index is a cache: bringing it up to date must not delay the first model request.
            tg.start_soon(self._update_index)
        await self._emit(
            "",
            SessionConfigured(
                session_id=self.thread_id,
                model=self.config.model,
                model_provider_id=self.config.provider.id,
                approval_policy=self.config.approval_policy,
                sandbox_policy=self.config.sandbox_policy.model_dump(mode="json"),
                cwd=str(self.config.cwd),
                reasoning_effort=self.config.reasoning_effort,
                rollout_path=str(self._recorder.path) if self._recorder.path else None,
            ),
        )
        async with anyio.create_task_group() as starting:  # independent: hooks in the loop, skills in a thread
            starting.start_soon(self._start_hooks)
            starting.start_soon(self._load_skills)
        self._startup_notes.extend([*self._hook_notes, *(self._skills.warnings() if self._skills else [])])
        policy, problem = load_exec_policy(self.config)
        self._approval_state.policy = policy
        mcp_failures = [
            f"MCP server `{n}` did not start: {why}" for n, why in (self._mcp.failures() if self._mcp else {}).items()
        ]
        notes = [*self.config.warnings, *([problem] if problem else []), *mcp_failures, *self._startup_notes]
        for warning in notes:
            await self._emit("", Warning(message=warning))
        if self._hooks is not None and self._hooks.has("SessionStart") and self._subagent is None:
            # (A sub-agent's session has SubagentStart instead, when its first turn opens.)
            # Codex 0.171's sources: startup, resume, clear, compact, fork.
            source = "fork" if self._fork else "resume" if self._resume is not None else "startup"
            source = "clear" if self._cleared else source
            verdict = await self._hooks.fire("SessionStart", {"source": source}, subject=source)
            self._hook_contexts.extend(verdict.contexts)
            self._hook_stop = verdict.stop_reason and f"A SessionStart hook stopped the session: {verdict.stop_reason}"

    async def _load_skills(self) -> None:
        from .skills import load_skills

        self._skills = await anyio.to_thread.run_sync(load_skills, self.config)

    @property
    def skills(self) -> SkillSet | None:
        """The skills this session found when it started (None until then)."""
        return self._skills

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
        if self._mcp_manager is not None:
            manager, self._mcp_manager = self._mcp_manager, None
            # Entered after the task group, left before it (the manager bounds and shields its own teardown).
            await manager.__aexit__(None, None, None)
        # Whoever read events has drained them by now (the send side closed in aclose).
        self._recv.close()
        if self._tg is not None:
            tg, self._tg = self._tg, None
            # The task group encloses the caller's block, so it is cancelled only here, on the way out.
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)

    async def aclose(self) -> None:
        """Interrupt any turn, kill commands, close the rollout, the HTTP client and the event stream.

        Safe to call from any task; the session's own task group is left when the `async with` block ends.
        """
        if self._closed:
            return
        self._closed = True
        # Teardown is shielded and bounded: a cancelled caller must still kill the commands and close the file.
        with anyio.CancelScope(shield=True):
            if self._turn is not None:
                self._turn.scope.cancel()
                with anyio.move_on_after(5):
                    await self._turn.done.wait()
            if self._hooks is not None and self._hooks.has("SessionEnd") and self._subagent is None:
                with anyio.move_on_after(10):
                    # Codex 0.171 sends one reason, "other", whatever ended the session.
                    await self._hooks.fire("SessionEnd", {"reason": "other"})
            if self._agents is not None:
                await self._agents.aclose()
            if self._exec is not None:
                self._exec.kill_all()
                if self._exec.shell_snapshot is not None:
                    self._exec.shell_snapshot.remove()
            if self._proxy is not None:
                self._proxy.stop()
            if self._own_http and self._http is not None:
                with anyio.move_on_after(2):
                    await self._http.aclose()
            self._recorder.close()
            if self._log is not None:
                self._log.close()
            self._send.close()

    def reconfigure(self, **changes: Unpack[Reconfiguration]) -> Config:
        """Change settings for the next turns (the TUI's /model and /approvals). Returns the new config."""
        self.config = reconfigured(self.config, **changes)
        return self.config

    # ---- events -------------------------------------------------------------------------------------------------

    def events(self) -> MemoryObjectReceiveStream[Event]:
        """The stream of events. There is one stream per session: read it from one place."""
        return self._recv

    async def _emit(self, turn_id: str, msg: EventMsg) -> None:
        if isinstance(msg, PatchApplyEnd) and msg.success:
            for path in msg.changes:
                if path not in self._files_changed:
                    self._files_changed.append(path)
        if self._log is not None:
            self._log.event(msg)
        try:
            # Built without validation: `msg` is one already, and validating the union of every event kind would
            # first build its validator (~20 ms, on the way to the first model request).
            self._send.send_nowait(Event.model_construct(id=turn_id, msg=msg))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            # After close (a command killed on the way out reporting its end): nobody is listening any more.
            return
        if msg.type in _PERSISTED_EVENTS:
            self._recorder.record("event_msg", msg.model_dump(mode="json", exclude_none=True))

    async def _emit_msg_current(self, msg: EventMsg) -> None:
        if self.config.toml.hide_agent_reasoning and isinstance(msg, AgentReasoning | AgentReasoningDelta):
            return  # `hide_agent_reasoning`: the items stay in history, the front doors show none of it
        await self._emit(self._turn.turn_id if self._turn else "", msg)

    # ---- turns --------------------------------------------------------------------------------------------------

    async def run_turn(
        self,
        items: tuple[UserInput, ...] | list[UserInput],
        *,
        output_schema: dict[str, Any] | None = None,
        turn_id: str | None = None,
    ) -> TurnOutcome:
        """Run one turn with this user input and return how it ended (events stream meanwhile).

        `turn_id` names the turn (a new UUIDv7 by default), for front doors that announce it before it starts.
        """
        if self._closed or self._tg is None:
            raise SessionClosedError("the session is closed")
        if self._prefetch is not None:
            self._tg.start_soon(self._prefetch)
            self._prefetch = None
        if self._turn is not None:
            raise RuntimeError("a turn is already running; submit input to it instead")
        self._recorder.reopen()  # after `release_files`: ThreadBusyError if another process has the thread now
        turn = RunningTurn(turn_id or uuid7(), anyio.CancelScope(), anyio.Event())
        self._turn = turn
        try:
            with turn.scope:
                turn.outcome = await self._turn_body(turn, items, output_schema)
            if turn.outcome is None:
                turn.outcome = await self._aborted(turn)
            with anyio.CancelScope(shield=True):
                await self._update_index()
            self._notify(turn.turn_id, items, turn.outcome)
            return turn.outcome
        finally:
            turn.done.set()
            self._turn = None

    async def compact(self) -> None:
        """Summarise the thread now and continue from the summary (the TUI's /compact). Not during a turn."""
        if self._turn is not None:
            raise RuntimeError("cannot compact while a turn is running")
        if self.history:
            await self._compact("", mid_turn=False, manual=True)

    def _child_session(self, config: Config, origin: SubAgentOrigin, thread_id: str, resume: Any) -> Session:
        # The same kind of session, talking to the same model, answered by the same front end (which is told which
        # sub-agent asks).
        from .tools import LabelledApprovals

        approvals = LabelledApprovals(self.approvals, origin.nickname)
        return Session(
            config,
            approvals=approvals,
            ephemeral=self._ephemeral,
            model=self._model,
            subagent=origin,
            thread_id=thread_id,
            resume=resume,
        )

    def add_input(self, items: tuple[UserInput, ...] | list[UserInput]) -> None:
        """Give more input to the running turn: it reaches the model with the next request."""
        item, text, _ = user_input_item(items, self.config.cwd)
        self._pending.append(item)
        if self._skills is not None and "$" in text:
            from .skills import skill_injections

            # Read here, at once (this method is synchronous): SKILL.md files are small.
            injected, problems = skill_injections(self._skills, text)
            self._pending.extend(user_message_item(t) for t in injected)
            for problem in problems:
                self._warn_now(problem)

    def interrupt(self, reason: str | None = None) -> None:
        """Stop the running turn: the model stream is cancelled and its commands are killed.

        `reason` is the first sentence of the note left in history for the next turn's model (with
        `agents.interrupt_message`, the default); None says the user interrupted.
        """
        if self._turn is not None:
            if self._turn.interrupt_reason is None:
                self._turn.interrupt_reason = reason
            self._turn.scope.cancel()


# ---- what a session needs before its first turn ----------------------------------------------------------------


def load_exec_policy(config: Config) -> tuple[Policy | None, str | None]:
    """The rules of `$CODEX_HOME/rules/` and of trusted projects (None when there are none); a broken file leaves an
    empty policy and a warning."""
    paths = [config.codex_home / "rules", *(d / "rules" for d in config.project_codex_dirs)]
    if not any(path.exists() for path in paths):
        return None, None
    from . import execpolicy

    try:
        return execpolicy.load_policy(paths), None
    except execpolicy.ExecPolicyError as exc:
        return execpolicy.Policy.empty(), f"exec policy rules were not loaded: {exc}"


def mcp_connections(session: Session) -> Any:
    """A session's running MCP connection manager (None when no server is configured or before it started)."""
    return session._mcp_manager  # pyright: ignore[reportPrivateUsage]


def now_timestamp() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def http_client(config: Config) -> httpx2.AsyncClient:
    # Building a TLS context costs ~0.2 s; a plain-http provider (a local server) never needs one.
    plain = config.provider.base_url.startswith("http://")
    return httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=None), verify=not plain)
