"""One turn: ask the model, run the tools it calls, feed the results back, until it answers without calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.abc
import anyio.to_thread

from sandbox import NetworkProxy, ShellEnvironmentPolicy

from . import _context
from ._compact import CompactingSession
from ._items import (
    USER_INTERRUPTED,
    is_tool_call,
    message_text,
    normalise_output_item,
    output_item,
    reasoning_text,
    turn_aborted_item,
    unanswered_calls,
    user_input_item,
    user_message_item,
)
from ._protocol import (
    AgentMessage,
    AgentMessageDelta,
    AgentReasoning,
    AgentReasoningDelta,
    Error,
    EventMsg,
    HookCompleted,
    HookStarted,
    StreamError,
    TaskComplete,
    TaskStarted,
    TextInput,
    TokenCount,
    TokenUsage,
    TokenUsageInfo,
    TurnAborted,
    UserInput,
    UserMessage,
    Warning,
)
from .config import Config
from .errors import ProviderError
from .hooks import Hook, HookRun, Hooks, contexts_message
from .model import JsonObject, Model, ModelResponse, Prompt, StreamSink, request_knobs
from .tools import (
    AgentControl,
    ApprovalHandler,
    ApprovalState,
    ExecSessions,
    SubAgentOrigin,
    ToolContext,
    ToolRegistry,
    TurnAbort,
    TurnFatal,
    agent_tools,
    agent_tools_namespace,
    builtin_tools,
    handle_call,
    load_roles,
    max_depth,
)

Emit = Callable[[EventMsg], Awaitable[None]]
Record = Callable[[list[JsonObject]], None]
OnStop = Callable[[str | None, bool], Awaitable[str | None]]
# How long an Interrupt hook may hold up the end of an interrupted turn.
_HOOK_GRACE_S = 10


@dataclass
class TurnOutcome:
    """How a turn ended."""

    status: Literal["completed", "failed", "aborted"]
    last_agent_message: str | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)
    error: str | None = None


class _Sink:
    def __init__(self, emit: Emit, *, show_raw_reasoning: bool = False) -> None:
        self._emit = emit
        self._show_raw = show_raw_reasoning

    async def on_text_delta(self, item_id: str, delta: str) -> None:
        await self._emit(AgentMessageDelta(item_id=item_id, delta=delta))

    async def on_reasoning_delta(self, delta: str) -> None:
        await self._emit(AgentReasoningDelta(delta=delta))

    async def on_raw_reasoning_delta(self, delta: str) -> None:
        if self._show_raw:  # `show_raw_agent_reasoning`
            await self._emit(AgentReasoningDelta(delta=delta))

    async def on_retry(self, message: str) -> None:
        await self._emit(StreamError(message=message))


async def run_sampling_loop(
    *,
    client: Model,
    build_prompt: Callable[[], Prompt],
    history: list[JsonObject],
    record: Record,
    emit: Emit,
    tools: ToolContext,
    take_pending_input: Callable[[], list[JsonObject]],
    on_usage: Callable[[TokenUsage], Awaitable[None]],
    maybe_compact: Callable[[], Awaitable[None]] | None = None,
    show_raw_reasoning: bool = False,
    on_stop: OnStop | None = None,
) -> str | None:
    """Sample and run tools until the model stops calling them; returns the last assistant message.

    `on_stop` (the Stop hooks) may keep the turn going: the text it returns becomes the next prompt.
    Provider errors propagate (the caller fails the turn); cancellation propagates (the caller aborts it).
    """
    sink = _Sink(emit, show_raw_reasoning=show_raw_reasoning)
    last_message: str | None = None
    stop_hook_active = False
    while True:
        response: ModelResponse = await client.stream(build_prompt(), sink)
        raw_reasoning = {id(i): reasoning_text(i, raw=show_raw_reasoning) for i in response.items}
        items = [normalise_output_item(i) for i in response.items]
        history.extend(items)
        record(items)
        for original, item in zip(response.items, items, strict=True):
            kind = item.get("type")
            if kind == "reasoning":
                text = raw_reasoning[id(original)]
                if text:
                    await emit(AgentReasoning(text=text))
            elif kind == "message" and item.get("role") == "assistant":
                last_message = message_text(item)
                await emit(AgentMessage(message=last_message, phase=item.get("phase")))
        if response.usage is not None:
            await on_usage(response.usage)
        calls = [i for i in items if is_tool_call(i)]
        if not calls:
            pending = take_pending_input()
            if not pending and on_stop is not None:
                again = await on_stop(last_message, stop_hook_active)
                if again is not None:
                    stop_hook_active = True
                    pending = [user_message_item(again)]
            if not pending:
                return last_message
            history.extend(pending)
            record(pending)
            continue
        await _run_calls(tools, calls, history, record)
        if tools.hook_contexts:
            added = [contexts_message(tools.hook_contexts)]
            tools.hook_contexts.clear()
            history.extend(added)
            record(added)
        if tools.stop_reason is not None:
            await emit(Warning(message=f"A hook stopped the turn: {tools.stop_reason}"))
            return last_message
        pending = take_pending_input()
        if pending:
            history.extend(pending)
            record(pending)
        if maybe_compact is not None:
            # Between tool calls, before the follow-up request: the context may have outgrown the limit.
            await maybe_compact()


async def _run_calls(ctx: ToolContext, calls: list[JsonObject], history: list[JsonObject], record: Record) -> None:
    """Run the calls and append their outputs to history, in call order, however the calls end.

    If the turn is interrupted, calls that did not finish are answered with `aborted`: every call in history must
    have an answer, or the next request (after a resume) would be rejected by the API.
    """
    results: list[JsonObject | None] = [None] * len(calls)
    try:
        if len(calls) > 1 and ctx.tools.all_parallel([_tool_of(c) for c in calls]):
            async with anyio.create_task_group() as tg:
                for index, call in enumerate(calls):
                    tg.start_soon(_run_one, ctx, call, results, index)
        else:
            for index, call in enumerate(calls):
                await _run_one(ctx, call, results, index)
    finally:
        outputs = [r if r is not None else output_item(c, "aborted") for r, c in zip(results, calls, strict=True)]
        history.extend(outputs)
        record(outputs)


def _path_text(path: Any) -> str | None:
    return str(path) if path else None


def _interrupt_message(config: Config) -> bool:
    """`agents.interrupt_message` (default true; its type is checked when the config loads)."""
    table = config.toml.agents
    return not (isinstance(table, dict) and table.get("interrupt_message") is False)  # pyright: ignore[reportUnknownMemberType]


def _tool_of(call: JsonObject) -> tuple[str, str | None]:
    """The (name, namespace) a call names."""
    namespace = call.get("namespace")
    return str(call.get("name")), namespace if isinstance(namespace, str) else None


async def _run_one(ctx: ToolContext, call: JsonObject, results: list[JsonObject | None], index: int) -> None:
    results[index] = await handle_call(ctx, call)


@dataclass
class RunningTurn:
    """The turn in progress: its id, the scope that cancels it, and how it ended."""

    turn_id: str
    scope: anyio.CancelScope
    done: anyio.Event
    outcome: TurnOutcome | None = None
    interrupt_reason: str | None = None
    """Why the turn was interrupted, for the note left in history (None: the user did)."""


class _HookedModel:
    """The model, with PreModelRequest and PostModelRequest hooks around each request."""

    def __init__(self, model: Model, hooks: Hooks, turn_id: str) -> None:
        self._model = model
        self._hooks = hooks
        self._turn_id = turn_id

    async def stream(self, prompt: Prompt, sink: StreamSink) -> ModelResponse:
        if self._hooks.has("PreModelRequest"):
            await self._hooks.fire("PreModelRequest", {"model": prompt.model}, turn_id=self._turn_id)
        response = await self._model.stream(prompt, sink)
        if self._hooks.has("PostModelRequest"):
            usage = response.usage.model_dump() if response.usage is not None else None
            fields = {"model": prompt.model, "response_id": response.response_id, "usage": usage}
            await self._hooks.fire("PostModelRequest", fields, turn_id=self._turn_id)
        return response


class TurnRunner(CompactingSession):
    """The part of `Session` that runs one turn: opening items, the tool context, the sampling loop and how the turn
    ends (a mixin: the attributes below are the session's)."""

    usage: TokenUsage
    approvals: ApprovalHandler
    _exec: ExecSessions | None
    _mcp: Any
    _repair_pending: bool
    _context_to_refresh: JsonObject | None
    _first_user_message: str | None
    _approval_state: ApprovalState
    _env_policy: ShellEnvironmentPolicy
    _pending: list[JsonObject]
    _proxy: NetworkProxy | None
    _hooks: Hooks | None
    _startup_notes: list[str]
    _agents: AgentControl | None
    _subagent: SubAgentOrigin | None
    _model: Model | None
    _ephemeral: bool
    _hook_contexts: list[str]
    """Context from SessionStart hooks, added to history when the next turn opens."""
    _hook_stop: str | None = None
    """Why a SessionStart hook stopped the session (`continue: false`): the next turn is refused with it."""
    _hook_notes: list[str]

    async def _emit_msg_current(self, msg: EventMsg) -> None: ...

    def _record(self, items: list[JsonObject]) -> None: ...

    def _child_session(self, config: Config, origin: SubAgentOrigin, thread_id: str, resume: Any) -> Any: ...

    async def _load_child_rollout(self, thread_id: str) -> Any: ...

    def _warn_now(self, message: str) -> None: ...

    async def _aborted(self, turn: RunningTurn) -> TurnOutcome:
        with anyio.CancelScope(shield=True):
            if self._exec is not None:
                # Killed commands report their end before the turn reports it was aborted.
                await self._exec.kill_all_and_wait()
            if _interrupt_message(self.config):
                note = turn_aborted_item(turn.interrupt_reason or USER_INTERRUPTED)
                self.history.append(note)
                self._record([note])
            await self._emit(turn.turn_id, TurnAborted(turn_id=turn.turn_id))
            if self._hooks is not None and self._hooks.has("Interrupt"):
                with anyio.move_on_after(_HOOK_GRACE_S):
                    await self._hooks.fire("Interrupt", {}, turn_id=turn.turn_id)
        return TurnOutcome(status="aborted")

    async def _open_turn(self, turn_id: str, items: tuple[UserInput, ...] | list[UserInput]) -> str:
        """Put the turn's opening items in history (repairs, context, the user's message); returns its text.

        Raises `OSError` when an image cannot be read (nothing is added then).
        """
        new_items: list[JsonObject] = []
        if self._repair_pending:
            # A thread cut off mid-call (a crash, a kill): every call must have an answer before the next request.
            self._repair_pending = False
            new_items.extend(unanswered_calls(self.history))
        if not self.history:
            new_items.extend(_context.initial_context(self.config, self._shell, self._skills))
        elif self._context_to_refresh is not None:
            new_items.extend(_context.context_changes(self.config, self._shell, self._context_to_refresh))
            self._context_to_refresh = None
        if self._hook_contexts:
            new_items.append(contexts_message(self._hook_contexts))
            self._hook_contexts = []
        message, text, images = user_input_item(items, self.config.cwd)
        new_items.append(message)
        if self._skills is not None and "$" in text:
            from .skills import skill_injections

            # A skill named with `$name` comes whole, right after the message that named it.
            injected, problems = await anyio.to_thread.run_sync(skill_injections, self._skills, text)
            new_items.extend(user_message_item(t) for t in injected)
            for problem in problems:
                await self._emit(turn_id, Warning(message=problem))
        self.history.extend(new_items)
        self._record(new_items)
        await self._emit(turn_id, UserMessage(message=text, images=tuple(images)))
        return text

    def _tool_context(self, turn_id: str, registry: ToolRegistry) -> ToolContext:
        assert self._exec is not None
        return ToolContext(
            config=self.config,
            turn_id=turn_id,
            emit=self._emit_msg_current,
            exec_sessions=self._exec,
            approvals=self.approvals,
            shell=self._shell,
            plan=self._plan,
            approval_state=self._approval_state,
            thread_id=self.thread_id,
            env_policy=self._env_policy,
            tools=registry,
            network_proxy=self._proxy,
            hooks=self._hooks,
            agents=self._agents,
            model=self._client,
            history=self.history,
        )

    async def _start_hooks(self) -> None:
        """Load the session's hooks. A sub-agent's report the user's session and transcript, and who it is."""
        from .hooks import session_hooks

        origin = self._subagent
        self._hooks, notes = await session_hooks(
            self.config,
            session_id=origin.hook_session_id or self.thread_id if origin is not None else self.thread_id,
            shell=self._shell,
            transcript_path=(
                (lambda: Path(origin.transcript_path) if origin.transcript_path else None)
                if origin is not None
                else lambda: self._recorder.path
            ),
            report=self._report_hook,
            agent=(self.thread_id, origin.role or "default") if origin is not None else None,
        )
        self._hook_notes = notes

    async def _report_hook(self, hook: Hook, run: HookRun | None, message: str) -> None:
        """Each hook's start and end, as events every front door shows."""
        if run is None:
            await self._emit_msg_current(
                HookStarted(event=hook.event, message=message, key=hook.key, source=str(hook.source))
            )
            return
        status: Literal["completed", "blocked", "failed"] = "completed"
        if run.failure is not None:
            status = "failed"
        elif run.exit_code == 2 or (run.output or {}).get("decision") == "block":
            status = "blocked"
        done = HookCompleted(
            event=run.hook.event, status=status, message=message, key=run.hook.key, source=str(run.hook.source)
        )
        await self._emit_msg_current(done)
        system_message = (run.output or {}).get("systemMessage")
        if isinstance(system_message, str) and system_message:
            # Codex shows a hook's `systemMessage` as a warning: exec's JSONL readers see it as one too.
            await self._emit_msg_current(Warning(message=system_message))

    def _notify(self, turn_id: str, items: Sequence[UserInput], outcome: TurnOutcome) -> None:
        """`notify`: the configured program hears that the turn ended (not awaited)."""
        argv = self.config.toml.notify
        if not argv or outcome.status == "aborted":
            return
        from .hooks import notify, notify_payload

        payload = notify_payload(
            thread_id=self.thread_id,
            turn_id=turn_id,
            cwd=self.config.cwd,
            client="pycodex",
            input_messages=[i.text for i in items if isinstance(i, TextInput)],
            last_message=outcome.last_agent_message,
        )
        problem = notify(argv, payload)
        if problem is not None:
            self._warn_now(problem)

    def _start_agents(self, tg: anyio.abc.TaskGroup) -> AgentControl | None:
        """The session's sub-agents, unless this thread is at the depth limit."""
        depth = self._subagent.depth if self._subagent is not None else 0
        if depth >= max_depth(self.config):
            return None

        def child(config: Config, nickname: str, thread_id: str, resume: Any, role: str | None) -> Any:
            # The child's hooks report the user's session and transcript (theirs: agent_id, agent_transcript_path).
            root = self._subagent
            transcript = root.transcript_path if root is not None else _path_text(self._recorder.path)
            session_id = root.hook_session_id if root is not None else self.thread_id
            origin = SubAgentOrigin(self.thread_id, depth + 1, nickname, role, session_id, transcript)
            return self._child_session(config, origin, thread_id, resume)

        async def notify_parent(text: str) -> None:
            self._pending.append(user_message_item(text))

        roles, problems = load_roles(self.config.toml.agents, [self.config.codex_home, *self.config.project_codex_dirs])
        self._startup_notes.extend(problems)
        return AgentControl(
            self.config, tg, child, notify_parent, self._load_child_rollout, roles, self._emit_msg_current
        )

    async def _prompt_verdict(self, turn_id: str, items: tuple[UserInput, ...] | list[UserInput]) -> str | None:
        """Run the UserPromptSubmit hooks; returns the error that refuses the prompt, or None (their context is
        queued). A SessionStart hook's `continue: false` refuses the first turn."""
        if self._hook_stop is not None:
            refused, self._hook_stop = self._hook_stop, None
            return refused
        if self._hooks is None or not self._hooks.has("UserPromptSubmit"):
            return None
        prompt = "\n".join(i.text for i in items if isinstance(i, TextInput))
        verdict = await self._hooks.fire("UserPromptSubmit", {"prompt": prompt}, turn_id=turn_id)
        if verdict.stop_reason is not None:
            return f"A UserPromptSubmit hook stopped the turn: {verdict.stop_reason}"
        if verdict.block_reason is not None:
            return f"The prompt was blocked by a UserPromptSubmit hook: {verdict.block_reason or 'no reason given'}"
        self._hook_contexts.extend(verdict.contexts)
        return None

    async def _stop_hooks(self, turn_id: str, last_message: str | None, active: bool) -> str | None:
        """Run the Stop hooks (a sub-agent's: SubagentStop); a block keeps the turn going with its reason as the
        next prompt, unless a hook said `continue: false` (Claude Code: it wins over a block), whose reason the user
        is shown."""
        assert self._hooks is not None
        fields: dict[str, Any] = {"stop_hook_active": active, "last_assistant_message": last_message}
        if self._subagent is None:
            event = "Stop"
            verdict = await self._hooks.fire("Stop", fields, turn_id=turn_id)
        else:
            event = "SubagentStop"
            fields["agent_transcript_path"] = _path_text(self._recorder.path)
            agent_type = self._subagent.role or "default"
            verdict = await self._hooks.fire("SubagentStop", fields, turn_id=turn_id, subject=agent_type)
        if verdict.stop_reason is not None:
            await self._emit(turn_id, Warning(message=f"A {event} hook ended the turn: {verdict.stop_reason}"))
            return None
        return verdict.block_reason or None

    async def _opening_refusal(self, turn_id: str, items: tuple[UserInput, ...] | list[UserInput]) -> str | None:
        """The hooks a turn opens with (a sub-agent's first turn: SubagentStart; then UserPromptSubmit); why the turn
        may not go on, or None."""
        stopped = await self._subagent_start(turn_id)
        if stopped is not None:
            return f"A SubagentStart hook stopped the sub-agent: {stopped}"
        return await self._prompt_verdict(turn_id, items)

    async def _subagent_start(self, turn_id: str) -> str | None:
        """A sub-agent's first turn: its SubagentStart hooks, whose context the child's model reads in that turn.
        Returns the reason when one answered `continue: false` (the sub-agent does not start its work)."""
        if self._subagent is None or self.history or self._hooks is None or not self._hooks.has("SubagentStart"):
            return None
        agent_type = self._subagent.role or "default"
        verdict = await self._hooks.fire("SubagentStart", {}, turn_id=turn_id, subject=agent_type)
        if verdict.stop_reason is not None:
            return verdict.stop_reason
        self._hook_contexts.extend(verdict.contexts)
        return None

    def _prompt_builder(self, registry: ToolRegistry, output_schema: dict[str, Any] | None) -> Callable[[], Prompt]:
        """The function that makes each request of the turn from the history as it is then, with `reasoning`,
        `text.verbosity` and `service_tier` as Codex sends them (plus the hosted web_search tool when it is on)."""
        wire = self.config.provider.wire_api
        tools = registry.specs(wire, namespaces=self.config.provider.id == "openai" and wire == "responses")
        knobs = request_knobs(self.config)
        if (web_search := knobs.pop("web_search", None)) is not None:
            tools = [*tools, web_search]
        # As Codex marks a sub-agent's requests (the provider can tell them from the parent's).
        headers = (
            {"x-openai-subagent": "collab_spawn", "x-codex-parent-thread-id": self._subagent.parent_thread_id}
            if self._subagent is not None
            else {}
        )

        def build_prompt() -> Prompt:
            return Prompt(
                model=self.config.model,
                input=self.history,
                tools=tools,
                parallel_tool_calls=True,
                output_schema=output_schema,
                prompt_cache_key=self.thread_id,
                extra_headers=headers,
                **knobs,
            )

        return build_prompt

    async def _turn_body(
        self, turn: RunningTurn, items: tuple[UserInput, ...] | list[UserInput], output_schema: dict[str, Any] | None
    ) -> TurnOutcome:
        assert self._client is not None and self._exec is not None
        turn_id = turn.turn_id
        await self._emit(turn_id, TaskStarted(turn_id=turn_id, model_context_window=self.context_window()))
        self._recorder.record(
            "turn_context",
            {
                "turn_id": turn_id,
                "cwd": str(self.config.cwd),
                "approval_policy": self.config.approval_policy,
                "sandbox_policy": self.config.sandbox_policy.model_dump(mode="json"),
                "model": self.config.model,
                "effort": self.config.reasoning_effort,
                "summary": self.config.reasoning_summary,
            },
        )
        if self._over_compact_limit():
            try:
                await self._compact(turn_id, mid_turn=False)
            except ProviderError as exc:
                await self._emit(turn_id, Warning(message=f"compaction failed, continuing without it: {exc}"))
        error = await self._opening_refusal(turn_id, items)
        if error is not None:
            await self._emit(turn_id, Error(message=error))
            await self._emit(turn_id, TaskComplete(turn_id=turn_id, last_agent_message=None))
            return TurnOutcome(status="failed", error=error)
        try:
            text = await self._open_turn(turn_id, items)
        except OSError as exc:
            error = f"cannot read image {exc.filename}: {exc.strerror}"
            await self._emit(turn_id, Error(message=error))
            return TurnOutcome(status="failed", error=error)
        if self._first_user_message is None and text:
            self._first_user_message = text

        turn_usage = TokenUsage()

        async def on_usage(usage: TokenUsage) -> None:
            nonlocal turn_usage
            turn_usage = turn_usage + usage
            self.usage = self.usage + usage
            self._last_total_tokens = usage.total_tokens or None
            await self._emit(
                turn_id,
                TokenCount(
                    info=TokenUsageInfo(
                        total_token_usage=self.usage,
                        last_token_usage=usage,
                        model_context_window=self.context_window(),
                    )
                ),
            )

        registry = ToolRegistry(builtin_tools(), self._mcp)
        if self._agents is not None:
            tools = agent_tools(self._agents.roles)
            registry = ToolRegistry(
                builtin_tools(), self._mcp, {"multi_agent_v1": (agent_tools_namespace(tools), tools)}
            )
        build_prompt = self._prompt_builder(registry, output_schema)
        ctx = self._tool_context(turn_id, registry)

        def take_pending() -> list[JsonObject]:
            pending, self._pending = self._pending, []
            return pending

        try:
            last = await run_sampling_loop(
                client=_HookedModel(self._client, self._hooks, turn_id) if self._hooks is not None else self._client,
                build_prompt=build_prompt,
                history=self.history,
                record=self._record,
                emit=self._emit_msg_current,
                tools=ctx,
                take_pending_input=take_pending,
                on_usage=on_usage,
                maybe_compact=lambda: self._maybe_compact_mid_turn(turn_id),
                show_raw_reasoning=self.config.toml.show_raw_agent_reasoning,
                on_stop=(
                    (lambda last, active: self._stop_hooks(turn_id, last, active))
                    if self._hooks is not None and self._hooks.has("Stop" if self._subagent is None else "SubagentStop")
                    else None
                ),
            )
        except (ProviderError, TurnFatal) as exc:
            await self._emit(turn_id, Error(message=str(exc)))
            await self._emit(turn_id, TaskComplete(turn_id=turn_id, last_agent_message=None))
            return TurnOutcome(status="failed", usage=turn_usage, error=str(exc))
        except TurnAbort:
            return await self._aborted(turn)
        await self._emit(turn_id, TaskComplete(turn_id=turn_id, last_agent_message=last))
        return TurnOutcome(status="completed", last_agent_message=last, usage=turn_usage)
