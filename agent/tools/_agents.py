"""Sub-agents: the model delegates work to child threads with Codex's v1 tools (`spawn_agent`, `send_input`,
`wait_agent`, `close_agent`, `resume_agent`, namespace `multi_agent_v1`), with the same JSON outputs.

Each child is a real session (its own rollout, sandbox and approvals; the approvals reach the parent's front end)
run in the parent's task group. `AgentControl` keeps the children of one session: a finished child that was not
closed still counts against `max_threads`, as in Codex; when a child ends, the parent is told with a
`<subagent_notification>` user message. The parent's front end hears of every call (`CollabToolCallBegin`/`End`)
and of what each child does (`SubAgentActivity`: started, given input, interrupted, finished a task).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

import anyio
import anyio.abc

from .._items import uuid7
from .._protocol import (
    ApprovalRequest,
    CollabTool,
    CollabToolCallBegin,
    CollabToolCallEnd,
    ReviewDecision,
    SubAgentActivity,
    TextInput,
)
from ..errors import AgentError
from ._approvals import ApprovalHandler
from ._base import ArgumentError, ToolContext
from ._roles import Role, agent_type_property
from ._tool import Output, Tool, ToolCall

if TYPE_CHECKING:
    from ..config import Config

NAMESPACE = "multi_agent_v1"
WAIT_DEFAULT_MS = 30_000
WAIT_MIN_MS = 10_000
WAIT_MAX_MS = 3_600_000
_NICKNAMES = (
    "Hypatia", "Euler", "Noether", "Turing", "Lovelace", "Gauss", "Curie", "Hopper", "Ramanujan", "Darwin",
    "Kepler", "Faraday", "Bohr", "Meitner", "Shannon", "Hamilton", "Galois", "Cantor", "Leibniz", "Pascal",
)  # fmt: skip


class ChildSession(Protocol):
    """What the control needs of a child session (an `agent.Session`)."""

    thread_id: str

    async def run_turn(self, items: Any) -> Any: ...

    def interrupt(self, reason: str | None = None) -> None: ...


ChildFactory = Callable[["Config", str, str, Any, "str | None"], Any]
"""(the child's config, its nickname, its thread id, the rollout to resume or None, its role or None) → an
`agent.Session` not yet entered. The thread id is the agent id the model sees, so a child can be resumed by it."""
ActivityHook = Callable[[SubAgentActivity], Awaitable[None]]
"""Told what a child does that the parent's front end shows (the parent emits it as an event)."""
LoadRollout = Callable[[str], Awaitable[Any]]
"""A recorded thread by id (an `agent.Rollout`); raises `AgentError` when there is none."""


@dataclass(frozen=True)
class SubAgentOrigin:
    """Where a child thread comes from: its parent, its depth (the root is 0) and its nickname."""

    parent_thread_id: str
    depth: int
    nickname: str
    role: str | None = None
    hook_session_id: str | None = None
    """The session id the child's hooks report: the user's session (the root thread), as Codex keeps it."""
    transcript_path: str | None = None
    """The user's session transcript, which the child's hooks report as `transcript_path` (theirs is
    `agent_transcript_path`)."""

    def meta(self) -> dict[str, Any]:
        return {
            "parent_thread_id": self.parent_thread_id,
            "depth": self.depth,
            "agent_nickname": self.nickname,
            "agent_role": self.role,
        }


class LabelledApprovals:
    """A child's questions go to the parent's front end, each saying which sub-agent asks."""

    def __init__(self, approvals: ApprovalHandler, nickname: str) -> None:
        self._approvals = approvals
        self._nickname = nickname

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        reason = f"Sub-agent {self._nickname}: {request.reason}" if request.reason else f"Sub-agent {self._nickname}"
        return await self._approvals.request_approval(request.model_copy(update={"reason": reason}), turn_id)


@dataclass(frozen=True)
class SubAgentInfo:
    """A sub-agent of a session as a front end lists it: its id (the child's thread id), nickname, role (None for
    the default one), status word (`pending_init`, `running`, `completed`, `errored`, `interrupted`, `shutdown`) and
    last message (its answer or error), if any."""

    id: str
    nickname: str
    role: str | None
    status: str
    message: str | None


@dataclass
class Child:
    id: str
    nickname: str
    role: str | None = None
    status: Any = "pending_init"
    """`pending_init`, `running`, `{"completed": msg}`, `{"errored": msg}`, `shutdown`, `interrupted`."""
    session: Any = None
    inbox: list[str] = field(default_factory=lambda: [])
    changed: anyio.Event = field(default_factory=anyio.Event)
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    wake: anyio.Event = field(default_factory=anyio.Event)
    closing: bool = False
    ended: anyio.Event = field(default_factory=anyio.Event)
    model: str | None = None
    reasoning_effort: str | None = None
    events: Any = None
    """A receiving end of the child session's event stream, opened before the session starts (so it holds every
    event, and outlives the session); handed to one reader by `AgentControl.events`."""
    events_taken: bool = False
    made: anyio.Event = field(default_factory=anyio.Event)
    """Set once `events` is there (or the child failed before it had a session)."""

    def info(self) -> SubAgentInfo:
        return SubAgentInfo(self.id, self.nickname, self.role, _status_word(self.status), _message_of(self.status))

    def set_status(self, status: Any) -> None:
        self.status = status
        self.changed.set()
        self.changed = anyio.Event()


class AgentControl:
    """The children of one session."""

    def __init__(
        self,
        config: Config,
        task_group: anyio.abc.TaskGroup,
        factory: ChildFactory,
        notify_parent: Callable[[str], Awaitable[None]],
        load_rollout: LoadRollout | None = None,
        roles: Mapping[str, Role] | None = None,
        on_activity: ActivityHook | None = None,
    ) -> None:
        self._config = config
        self._tg = task_group
        self._factory = factory
        self._notify_parent = notify_parent
        self._load_rollout = load_rollout
        self._on_activity = on_activity
        self.roles: Mapping[str, Role] = roles or {}
        self.children: dict[str, Child] = {}
        self._used_names: set[str] = set()

    @property
    def max_threads(self) -> int:
        return _agents_setting(self._config, "max_threads", 6)

    def spawn(
        self, message: str, *, model: str | None, reasoning_effort: str | None, agent_type: str | None = None
    ) -> Child:
        """Start a child with `message` as its first task. Raises `ArgumentError` past the thread limit or for a
        role that does not exist."""
        role = None
        if agent_type is not None and agent_type != "default":
            role = self.roles.get(agent_type)
            if role is None:
                raise ArgumentError(f"unknown agent_type '{agent_type}'")
        open_children = [c for c in self.children.values() if c.status != "shutdown"]
        if len(open_children) >= self.max_threads:
            raise ArgumentError("collab spawn failed: agent thread limit reached")
        child = Child(uuid7(), self._nickname(role.nickname_candidates if role else ()), agent_type if role else None)
        child.inbox.append(message)
        self.children[child.id] = child
        config = self._child_config(
            model or (role.model if role else None), reasoning_effort or (role.reasoning_effort if role else None)
        )
        if role is not None:
            config = dataclasses.replace(config, developer_instructions=role.developer_instructions)
            child.role = agent_type
        child.model, child.reasoning_effort = config.model, config.reasoning_effort
        self._tg.start_soon(self._run_child, child, config, None)
        return child

    async def resume(self, agent_id: str) -> Child:
        """Open a sub-agent of an earlier run again from its rollout (it waits for input). Raises `ArgumentError`
        when no such thread was recorded, or past the thread limit."""
        if self._load_rollout is None:
            raise ArgumentError(f"agent with id {agent_id} not found")
        try:
            rollout = await self._load_rollout(agent_id)
        except AgentError:
            raise ArgumentError(f"agent with id {agent_id} not found") from None
        if len([c for c in self.children.values() if c.status != "shutdown"]) >= self.max_threads:
            raise ArgumentError("collab spawn failed: agent thread limit reached")
        child = Child(agent_id, self._nickname())
        self.children[agent_id] = child
        config = self._child_config(None, None)
        child.model, child.reasoning_effort = config.model, config.reasoning_effort
        self._tg.start_soon(self._run_child, child, config, rollout)
        return child

    def _nickname(self, candidates: tuple[str, ...] = ()) -> str:
        for name in (*candidates, *_NICKNAMES):
            if name not in self._used_names:
                self._used_names.add(name)
                return name
        return f"Agent {len(self._used_names) + 1}"

    def _child_config(self, model: str | None, reasoning_effort: str | None) -> Config:
        changes: dict[str, Any] = {}
        chosen = model or _agents_setting(self._config, "default_subagent_model", None)
        if chosen:
            changes["model"] = chosen
        effort = reasoning_effort or _agents_setting(self._config, "default_subagent_reasoning_effort", None)
        if effort:
            changes["reasoning_effort"] = effort
        return dataclasses.replace(self._config, **changes)

    async def _run_child(self, child: Child, config: Config, resume: Any) -> None:
        try:
            with child.scope:
                made = self._factory(config, child.nickname, child.id, resume, child.role)
                child.events = made.events().clone()
                child.made.set()
                async with made as session:
                    child.session = session
                    while not child.closing:
                        if not child.inbox:
                            await child.wake.wait()
                            child.wake = anyio.Event()
                            continue
                        message, child.inbox = "\n\n".join(child.inbox), []
                        child.set_status("running")
                        outcome, overran = await self._run_job(session, message)
                        if outcome.status == "completed":
                            child.set_status({"completed": outcome.last_agent_message or ""})
                        elif outcome.status == "failed":
                            child.set_status({"errored": outcome.error or "the turn failed"})
                        elif overran is not None:
                            child.set_status({"errored": overran})
                        else:
                            child.set_status("interrupted")
                        await self.report(child, "interrupted" if child.status == "interrupted" else "completed")
                        await self._tell_parent(child)
        except AgentError as exc:
            child.set_status({"errored": str(exc)})
            await self.report(child, "completed")
            await self._tell_parent(child)
        finally:
            if child.status in ("pending_init", "running"):
                child.set_status("shutdown")
            child.made.set()
            child.ended.set()

    async def report(self, child: Child, kind: Literal["started", "interacted", "interrupted", "completed"]) -> None:
        """Tell the parent's front end what `child` did (its model and effort go with `started`)."""
        if self._on_activity is None:
            return
        started = kind == "started"
        await self._on_activity(
            SubAgentActivity(
                agent_thread_id=child.id,
                agent_path=child.id,
                kind=kind,
                model=child.model if started else None,
                reasoning_effort=child.reasoning_effort if started else None,
            )
        )

    async def _run_job(self, session: Any, message: str) -> tuple[Any, str | None]:
        """One job of a child (a turn), bounded by `agents.job_max_runtime_seconds` when it is set: past it the
        turn is interrupted (its commands are killed). Returns the turn's outcome, and the error text when the bound
        stopped it."""
        limit = job_max_runtime_seconds(self._config)
        if limit is None:
            return await session.run_turn([TextInput(text=message)]), None
        overran: str | None = None
        outcome: Any = None
        async with anyio.create_task_group() as tg:

            async def watchdog() -> None:
                nonlocal overran
                await anyio.sleep(limit)
                overran = (
                    f"the job ran longer than agents.job_max_runtime_seconds ({limit} s) and was stopped; "
                    "its commands were killed"
                )
                session.interrupt(
                    f"The previous turn was stopped because it ran longer than the sub-agent job limit "
                    f"(agents.job_max_runtime_seconds = {limit})."
                )

            tg.start_soon(watchdog)
            outcome = await session.run_turn([TextInput(text=message)])
            tg.cancel_scope.cancel()
        return outcome, overran if outcome.status == "aborted" else None

    def listing(self) -> list[SubAgentInfo]:
        """Every child of this session, in the order they were started."""
        return [child.info() for child in self.children.values()]

    async def events(self, agent_id: str) -> Any:
        """The child's event stream from its first event (a `MemoryObjectReceiveStream[Event]`; it ends when the
        child's session closes), once per child: None for an unknown id, a child that never started a session, or
        when it was handed out already."""
        child = self.children.get(agent_id)
        if child is None or child.events_taken:
            return None
        await child.made.wait()
        if child.events is None or child.events_taken:
            return None
        child.events_taken = True
        return child.events

    async def _tell_parent(self, child: Child) -> None:
        payload = json.dumps({"agent_path": child.id, "status": child.status}, separators=(",", ":"))
        await self._notify_parent(f"<subagent_notification>\n{payload}\n</subagent_notification>")

    def send(self, child: Child, message: str, *, interrupt: bool) -> None:
        if interrupt and child.session is not None:
            child.session.interrupt("The parent agent interrupted the previous turn to send new input.")
        child.inbox.append(message)
        if child.status != "shutdown":
            # A new job is queued: a wait_agent that follows waits for its answer, not the previous one's.
            child.set_status("running")
        child.wake.set()

    def close(self, child: Child) -> Any:
        previous = child.status
        child.closing = True
        if child.session is not None:
            child.session.interrupt("The parent agent closed this sub-agent while the turn was running.")
        child.wake.set()
        child.set_status("shutdown")
        return previous

    async def aclose(self) -> None:
        """Stop every child (the parent is closing): a running turn is interrupted (its commands are killed and
        reaped) and the child's session closes in order; one that does not stop within 5 s is cancelled."""
        for child in self.children.values():
            child.closing = True
            if child.session is not None:
                child.session.interrupt()
            child.wake.set()
        with anyio.move_on_after(5):
            for child in self.children.values():
                await child.ended.wait()
        for child in self.children.values():
            child.scope.cancel()
            child.made.set()
            if child.events is not None and not child.events_taken:
                child.events.close()  # nobody asked for them; a reader closes the one it was given


def max_depth(config: Config) -> int:
    """How deep sub-agents may nest (a child at this depth gets no agent tools); Codex's default is 1."""
    value = _agents_setting(config, "max_depth", 1)
    return value if isinstance(value, int) else 1


def job_max_runtime_seconds(config: Config) -> int | None:
    """`agents.job_max_runtime_seconds`: how long one job of a sub-agent (a turn started by spawn_agent, send_input or
    resume_agent) may run; None (the default) sets no bound. Checked to be a whole number ≥ 1 when the config loads."""
    value = _agents_setting(config, "job_max_runtime_seconds", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _agents_setting(config: Config, key: str, default: Any) -> Any:
    table = config.toml.agents
    if isinstance(table, dict) and key in table:
        return table[key]  # pyright: ignore[reportUnknownVariableType]
    return default


def _status_word(status: Any) -> str:
    if isinstance(status, dict):
        return str(next(iter(cast(dict[str, Any], status))))
    return str(status)


def _target(control: AgentControl, raw: object) -> Child | str:
    """The child an id names, or the error text for the model."""
    text = str(raw)
    try:
        uuid.UUID(text)
    except ValueError:
        return f"invalid agent id {text}: not a UUID"
    child = control.children.get(text)
    return child if child is not None else f"agent with id {text} not found"


async def _begin(
    ctx: ToolContext, call: ToolCall, tool: CollabTool, children: list[Child], *, prompt: str | None = None
) -> None:
    begin = CollabToolCallBegin(
        call_id=call.call_id,
        tool=tool,
        sender_thread_id=ctx.thread_id,
        receiver_thread_ids=tuple(c.id for c in children),
        prompt=prompt,
    )
    await ctx.emit(begin)


async def _report(
    ctx: ToolContext,
    call: ToolCall,
    tool: CollabTool,
    children: list[Child],
    *,
    prompt: str | None = None,
    failed: bool = False,
) -> None:
    states = {c.id: {"status": _status_word(c.status), "message": _message_of(c.status)} for c in children}
    spawned = children[0] if tool == "spawn_agent" and children else None
    await ctx.emit(
        CollabToolCallEnd(
            call_id=call.call_id,
            tool=tool,
            sender_thread_id=ctx.thread_id,
            receiver_thread_ids=tuple(c.id for c in children),
            prompt=prompt,
            agents_states=states,
            status="failed" if failed else "completed",
            model=spawned.model if spawned else None,
            reasoning_effort=spawned.reasoning_effort if spawned else None,
        )
    )


def _message_of(status: Any) -> str | None:
    if isinstance(status, dict):
        return str(next(iter(status.values())))  # pyright: ignore[reportUnknownArgumentType]
    return None


def _control(ctx: ToolContext) -> AgentControl:
    if ctx.agents is None:
        raise ArgumentError("sub-agents are not available in this session")
    return ctx.agents


async def _spawn(ctx: ToolContext, call: ToolCall) -> Output:
    control = _control(ctx)
    args = call.arguments
    message, items = args.get("message"), args.get("items")
    if message and items:
        raise ArgumentError("Provide either message or items, but not both")
    if items and isinstance(items, list):
        entries = [cast(dict[str, Any], i) for i in cast(list[Any], items) if isinstance(i, dict)]
        message = "\n".join(str(i.get("text", "")) for i in entries if i.get("type") == "text")
    if not isinstance(message, str) or not message:
        raise ArgumentError("Provide one of: message or items")
    await _begin(ctx, call, "spawn_agent", [], prompt=message)
    try:
        child = control.spawn(
            message,
            model=args.get("model") if isinstance(args.get("model"), str) else None,
            reasoning_effort=args.get("reasoning_effort") if isinstance(args.get("reasoning_effort"), str) else None,
            agent_type=args.get("agent_type") if isinstance(args.get("agent_type"), str) else None,
        )
    except ArgumentError:
        await _report(ctx, call, "spawn_agent", [], prompt=message, failed=True)
        raise
    await _report(ctx, call, "spawn_agent", [child], prompt=message)
    await control.report(child, "started")
    return json.dumps({"agent_id": child.id, "nickname": child.nickname}, separators=(",", ":"))


async def _send_input(ctx: ToolContext, call: ToolCall) -> Output:
    control = _control(ctx)
    child = _target(control, call.arguments.get("target"))
    if isinstance(child, str):
        return child
    message = call.arguments.get("message")
    if not isinstance(message, str) or not message:
        raise ArgumentError("Provide one of: message or items")
    await _begin(ctx, call, "send_input", [child], prompt=message)
    control.send(child, message, interrupt=call.arguments.get("interrupt") is True)
    await _report(ctx, call, "send_input", [child], prompt=message)
    await control.report(child, "interacted")
    return json.dumps({"submission_id": str(uuid.uuid4())}, separators=(",", ":"))


async def _wait(ctx: ToolContext, call: ToolCall) -> Output:
    control = _control(ctx)
    targets = call.arguments.get("targets")
    if not isinstance(targets, list) or not targets:
        raise ArgumentError("failed to parse function arguments: missing field `targets`")
    raw = call.arguments.get("timeout_ms")
    timeout_ms = int(raw) if isinstance(raw, int | float) else WAIT_DEFAULT_MS
    timeout_ms = min(max(timeout_ms, WAIT_MIN_MS), WAIT_MAX_MS)
    found: list[Child] = []
    status: dict[str, Any] = {}
    for raw_target in cast(list[Any], targets):
        child = _target(control, raw_target)
        if isinstance(child, str):
            if child.startswith("invalid"):
                return child
            status[str(raw_target)] = "not_found"  # pyright: ignore[reportUnknownArgumentType]
        else:
            found.append(child)
    await _begin(ctx, call, "wait", found)
    done = [c for c in found if _finished(c)]
    if not done and found:
        with anyio.move_on_after(timeout_ms / 1000):
            async with anyio.create_task_group() as tg:

                async def watch(child: Child) -> None:
                    while not _finished(child):
                        await child.changed.wait()
                    tg.cancel_scope.cancel()

                for child in found:
                    tg.start_soon(watch, child)
        done = [c for c in found if _finished(c)]
    status.update({c.id: c.status for c in done})
    await _report(ctx, call, "wait", found)
    timed_out = bool(found) and not done
    return json.dumps({"status": status, "timed_out": timed_out}, separators=(",", ":"))


def _finished(child: Child) -> bool:
    return isinstance(child.status, dict) or child.status in ("shutdown", "interrupted")


async def _close(ctx: ToolContext, call: ToolCall) -> Output:
    control = _control(ctx)
    child = _target(control, call.arguments.get("target"))
    if isinstance(child, str):
        return child
    await _begin(ctx, call, "close_agent", [child])
    previous = control.close(child)
    await _report(ctx, call, "close_agent", [child])
    return json.dumps({"previous_status": previous}, separators=(",", ":"))


async def _resume(ctx: ToolContext, call: ToolCall) -> Output:
    control = _control(ctx)
    raw = str(call.arguments.get("id"))
    child = _target(control, raw)
    if isinstance(child, str):
        if child.startswith("invalid"):
            return child
        # Not one of this run's children: a sub-agent of an earlier run, opened again from its rollout.
        await _begin(ctx, call, "resume_agent", [])
        try:
            child = await control.resume(raw)
        except ArgumentError:
            await _report(ctx, call, "resume_agent", [], failed=True)
            raise
    else:
        await _begin(ctx, call, "resume_agent", [child])
    await _report(ctx, call, "resume_agent", [child])
    await control.report(child, "interacted")
    return json.dumps({"status": child.status}, separators=(",", ":"))


def _spec(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "description": description,
        "strict": False,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
    }


_MESSAGE = {"type": "string", "description": "The task or message, in plain words."}
_ITEMS = {
    "type": "array",
    "description": "Input items instead of `message` (text items are used).",
    "items": {"type": "object", "properties": {"type": {"type": "string"}, "text": {"type": "string"}}},
}
AGENT_TOOLS = (
    Tool(
        "spawn_agent",
        _spec(
            "spawn_agent",
            "Start a sub-agent on a well-bounded task it can finish on its own; it works in parallel with you in "
            "its own thread. Returns its id; collect its answer with wait_agent.",
            {
                "message": _MESSAGE,
                "items": _ITEMS,
                "fork_context": {"type": "boolean", "description": "Accepted; the child starts from a fresh thread."},
                "model": {"type": "string", "description": "Model for the sub-agent (default: the session's)."},
                "reasoning_effort": {"type": "string", "description": "Reasoning effort for the sub-agent."},
            },
            [],
        ),
        _spawn,
    ),
    Tool(
        "send_input",
        _spec(
            "send_input",
            "Send more input to a sub-agent; with interrupt=true its current task stops first.",
            {
                "target": {"type": "string", "description": "The sub-agent's id."},
                "message": _MESSAGE,
                "items": _ITEMS,
                "interrupt": {"type": "boolean", "description": "Stop its current task before this input."},
            },
            ["target"],
        ),
        _send_input,
    ),
    Tool(
        "wait_agent",
        _spec(
            "wait_agent",
            "Wait until one of the sub-agents finishes (or the timeout passes) and return their states.",
            {
                "targets": {"type": "array", "items": {"type": "string"}, "description": "Sub-agent ids."},
                "timeout_ms": {"type": "number", "description": "How long to wait (10000 to 3600000; default 30000)."},
            },
            ["targets"],
        ),
        _wait,
    ),
    Tool(
        "close_agent",
        _spec(
            "close_agent",
            "Close a sub-agent you no longer need (it stops, and no longer counts against the limit).",
            {"target": {"type": "string", "description": "The sub-agent's id."}},
            ["target"],
        ),
        _close,
    ),
    Tool(
        "resume_agent",
        _spec(
            "resume_agent",
            "The state of a sub-agent of this session.",
            {"id": {"type": "string", "description": "The sub-agent's id."}},
            ["id"],
        ),
        _resume,
    ),
)


def agent_tools(roles: Mapping[str, Role]) -> tuple[Tool, ...]:
    """The five tools; `spawn_agent` takes `agent_type` only when the user defined a role (as in Codex)."""
    if not roles:
        return AGENT_TOOLS
    spawn = AGENT_TOOLS[0]
    spec = copy.deepcopy(spawn.spec)
    spec["parameters"]["properties"]["agent_type"] = agent_type_property(roles)
    return (dataclasses.replace(spawn, spec=spec), *AGENT_TOOLS[1:])


def agent_tools_namespace(tools: tuple[Tool, ...] = AGENT_TOOLS) -> dict[str, Any]:
    """The five tools as one Responses `namespace` entry, as Codex sends them."""
    return {
        "type": "namespace",
        "name": NAMESPACE,
        "description": "Tools for starting and managing sub-agents.",
        "tools": [tool.spec_for("responses") for tool in tools],
    }
