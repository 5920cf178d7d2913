"""The MCP server: the low-level SDK `Server` with pycodex's tools, resources and logging level.

Handlers only translate: arguments in, `Thread` calls, results out. Threads live in the lifespan's task group, so
a thread outlives the call that started it and the next call can continue it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.context import CallNext, HandlerResult
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.session import ServerSession
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

import agent

from . import _approval_forms as forms
from . import _wire
from ._args import parse_codex_args, parse_reply_args
from ._options import ServerOptions
from ._schemas import CODEX_TOOL, INSTRUCTIONS, REPLY_TOOL, SERVER_NAME, SERVER_TITLE, SERVER_VERSION, TOOLS
from ._sink import McpSink, is_modern
from ._tasks import TaskRecord, TaskStore
from ._threads import Approval, Thread, ThreadRegistry, Turn
from .errors import ThreadBusyError, ThreadNotFoundError, ToolCallError

logger = logging.getLogger(__name__)

RESOURCE_NOT_FOUND = -32002
_URI = re.compile(r"^pycodex://threads/(?P<id>[^/]+)/(?P<kind>transcript|diff)$")
# How long a cancelled call waits for its turn to wind down before it answers the cancellation.
_INTERRUPT_WAIT = 3.0


@dataclass
class _Round:
    """Questions returned to a 2026-07-28 host, waiting for its retry."""

    thread: Thread
    turn: Turn
    approvals: list[Approval]


@dataclass
class ServerState:
    """What the handlers share: the threads, parked rounds and the log level."""

    options: ServerOptions
    threads: ThreadRegistry
    task_group: anyio.abc.TaskGroup
    rounds: dict[str, _Round] = field(default_factory=lambda: {})
    tasks: TaskStore = field(default_factory=TaskStore)
    log_level: str = "info"
    subscribers: dict[str, dict[int, ServerSession]] = field(default_factory=lambda: {})
    """Resource URI -> the sessions (by connection) that asked for `notifications/resources/updated`."""

    async def changed(self, thread_id: str, documents: tuple[str, ...]) -> None:
        for document in documents:
            uri = f"pycodex://threads/{thread_id}/{document}"
            for session in list(self.subscribers.get(uri, {}).values()):
                try:
                    await session.send_resource_updated(uri)
                except Exception:  # that host went away; the others still want theirs
                    logger.debug("could not tell a subscriber that %s changed", uri, exc_info=True)


def _result(thread_id: str, text: str, *, error: bool = False) -> types.CallToolResult:
    text = agent.redact_secrets(text)  # the host is not the model: it gets no secret a command printed
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content={"threadId": thread_id, "content": text},
        is_error=error,
    )


def _outcome_result(thread_id: str, outcome: agent.TurnOutcome) -> types.CallToolResult:
    if outcome.status == "completed":
        return _result(thread_id, outcome.last_agent_message or "")
    if outcome.status == "failed":
        return _result(thread_id, f"The turn failed: {outcome.error or 'unknown error'}", error=True)
    return _result(
        thread_id,
        "The turn was stopped before it finished. The thread is kept: continue it with codex-reply.",
        error=True,
    )


_TOOL_ARGUMENT_NAMES = agent.FlagNames(
    sandbox="`sandbox`",
    approval_policy="`approval-policy`",
    model="`model`",
    profile="`profile`",
    values="codex tool `config`",
)


def _load_config(options: ServerOptions, arguments: Any) -> agent.Config:
    args = parse_codex_args(arguments)
    flags = agent.SessionFlags(
        model=args.model,
        profile=args.profile or options.profile,
        sandbox=args.sandbox,
        approval_policy=args.approval_policy,
        cwd=Path(args.cwd) if args.cwd else None,
        base_instructions=args.base_instructions,
        developer_instructions=args.developer_instructions,
        compact_prompt=args.compact_prompt,
        values=dict(args.config),
    )
    overrides = agent.overrides_from_flags(flags, _TOOL_ARGUMENT_NAMES)
    config = agent.load_config(overrides, options.config_overrides, strict=options.strict_config)
    # Like exec and the TUI: without a key and a chosen provider, a running Ollama or LM Studio is used.
    return agent.choose_provider(config)[0]


class _Server(Server[ServerState]):
    """The SDK server, advertising tasks on the handshake era (the SDK knows their types but not the capability)."""

    def get_capabilities(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
        *,
        protocol_version: str | None = None,
    ) -> types.ServerCapabilities:
        capabilities = super().get_capabilities(
            notification_options, experimental_capabilities, extensions, protocol_version=protocol_version
        )
        if protocol_version not in MODERN_PROTOCOL_VERSIONS:
            capabilities.tasks = types.ServerTasksCapability(
                list=types.TasksListCapability(),
                cancel=types.TasksCancelCapability(),
                requests=types.ServerTasksRequestsCapability(
                    tools=types.TasksToolsCapability(call=types.TasksCallCapability())
                ),
            )
        return capabilities


class PycodexServer:
    """Builds the SDK server and holds the handlers."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.state: ServerState | None = None
        self.server: Server[ServerState] = _Server(
            SERVER_NAME,
            version=SERVER_VERSION,
            title=SERVER_TITLE,
            instructions=INSTRUCTIONS,
            lifespan=self._lifespan,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_list_resource_templates=self._list_templates,
            on_read_resource=self._read_resource,
            on_subscribe_resource=self._subscribe,
            on_unsubscribe_resource=self._unsubscribe,
            on_completion=self._complete,
        )
        # `logging/setLevel` is deprecated by SEP-2577; registered directly so the constructor does not warn.
        self.server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, self._set_level)
        self.server.add_request_handler("tasks/get", types.GetTaskRequestParams, self._tasks_get)
        self.server.add_request_handler("tasks/result", types.GetTaskPayloadRequestParams, self._tasks_result)
        self.server.add_request_handler("tasks/cancel", types.CancelTaskRequestParams, self._tasks_cancel)
        self.server.add_request_handler("tasks/list", types.PaginatedRequestParams, self._tasks_list)
        self.server.middleware.append(self._task_middleware)

    @asynccontextmanager
    async def _lifespan(self, _server: Server[ServerState]) -> AsyncGenerator[ServerState]:
        async with anyio.create_task_group() as tg:
            state = ServerState(self.options, ThreadRegistry(tg, abandon_after=self.options.abandon_after), tg)
            state.threads.on_change = state.changed
            self.state = state
            try:
                yield state
            finally:
                state.threads.close()
                # Sessions kill their commands on the way out (shielded and bounded inside Session.aclose).
                tg.cancel_scope.cancel()

    # ---- tools --------------------------------------------------------------------------------------------------

    async def _list_tools(
        self, ctx: ServerRequestContext[ServerState], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[types.Tool.model_validate(tool) for tool in TOOLS])

    async def _call_tool(
        self, ctx: ServerRequestContext[ServerState], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        if params.request_state is not None:
            return await self._next_round(ctx, params)
        started = await self._start(ctx, params)
        if isinstance(started, types.CallToolResult):
            return started
        return await self._follow(ctx, *started)

    async def _start(
        self, ctx: ServerRequestContext[ServerState], params: types.CallToolRequestParams
    ) -> tuple[Thread, Turn] | types.CallToolResult:
        """Start the turn a call asks for, or the error result that says why not."""
        state = ctx.lifespan_context
        if params.name not in (CODEX_TOOL, REPLY_TOOL):
            return _result(
                "", f"Unknown tool {params.name!r}: this server has {CODEX_TOOL} and {REPLY_TOOL}", error=True
            )
        try:
            if params.name == CODEX_TOOL:
                prompt = parse_codex_args(params.arguments).prompt
                config = await anyio.to_thread.run_sync(_load_config, state.options, params.arguments)
                try:
                    thread = await state.threads.start(config)
                except agent.AgentError as exc:
                    return _result("", f"Could not start a session: {exc}", error=True)
            else:
                reply = parse_reply_args(params.arguments)
                prompt = reply.prompt
                thread = state.threads.get(reply.thread_id) or await self._resume(state, reply.thread_id)
            turn = await thread.start_turn([agent.TextInput(text=prompt)])
        except ToolCallError as exc:
            return _result(exc.thread_id or "", str(exc) if exc.thread_id else f"Invalid arguments: {exc}", error=True)
        except agent.ConfigError as exc:
            return _result("", f"Configuration error: {exc}", error=True)
        except agent.AgentError as exc:
            return _result("", f"Could not continue the thread: {exc}", error=True)
        return thread, turn

    async def _resume(self, state: ServerState, thread_id: str) -> Thread:
        """Continue a thread this process does not have: one recorded earlier (another run of the server, exec, the
        TUI), found by id in `$CODEX_HOME/sessions`.

        Raises:
            ThreadNotFoundError: no recorded thread has that id.
            ThreadBusyError: another process is working on it.
            agent.AgentError, agent.ConfigError: the rollout or the config cannot be read.
        """
        options = state.options
        base = agent.ConfigOverrides(profile=options.profile)
        config = await anyio.to_thread.run_sync(
            lambda: agent.load_config(base, options.config_overrides, strict=options.strict_config)
        )
        try:
            record = await anyio.to_thread.run_sync(agent.find_thread, config.codex_home, thread_id)
        except agent.ThreadNotFoundError:
            raise ThreadNotFoundError(
                f"Thread not found: {thread_id}. No thread of this server, nor any recorded under "
                f"{config.codex_home / 'sessions'}, has that id; start a new one with the codex tool.",
                thread_id=thread_id,
            ) from None
        live = state.threads.get(record.id)
        if live is not None:
            return live
        rollout = await anyio.to_thread.run_sync(agent.load_thread, record)
        cwd = Path(rollout.cwd) if rollout.cwd and await anyio.Path(rollout.cwd).is_dir() else None
        if cwd is not None:
            resumed = dataclasses.replace(base, cwd=cwd)
            config = await anyio.to_thread.run_sync(
                lambda: agent.load_config(resumed, options.config_overrides, strict=options.strict_config)
            )
        try:
            return await state.threads.start(config, resume=rollout)
        except agent.ThreadBusyError as exc:
            raise ThreadBusyError(
                f"thread {thread_id} is open in another process ({exc}); continue it there or close it first",
                thread_id=thread_id,
            ) from None

    async def _follow(
        self,
        ctx: ServerRequestContext[ServerState],
        thread: Thread,
        turn: Turn,
        *,
        task: TaskRecord | None = None,
    ) -> types.CallToolResult | types.InputRequiredResult:
        state = ctx.lifespan_context
        sink = McpSink(
            ctx,
            thread.thread_id,
            state.options,
            state.log_level,
            task_meta=task.meta() if task else None,
            on_question=task.waiting if task else None,
        )
        try:
            followed = await thread.follow(turn, sink, deferred=is_modern(ctx))
        except ToolCallError as exc:
            return _result(thread.thread_id, str(exc), error=True)
        except anyio.get_cancelled_exc_class():
            # The host cancelled the call: stop the turn (killing its commands) and keep the thread.
            with anyio.CancelScope(shield=True):
                thread.interrupt()
                with anyio.move_on_after(_INTERRUPT_WAIT):
                    await turn.done.wait()
            raise
        if isinstance(followed, list):
            token = secrets.token_urlsafe(24)
            # Rounds a host never came back for end with their turn (the abandon timeout stops it).
            for stale in [k for k, r in state.rounds.items() if r.turn.done.is_set()]:
                del state.rounds[stale]
            state.rounds[token] = _Round(thread, turn, followed)
            return types.InputRequiredResult(
                input_requests={
                    a.key: types.ElicitRequest(
                        params=types.ElicitRequestFormParams(
                            message=forms.message(a), requested_schema=forms.form_schema(a)
                        )
                    )
                    for a in followed
                },
                request_state=token,
            )
        return _outcome_result(thread.thread_id, followed)

    # ---- tasks (2025-11-25) -------------------------------------------------------------------------------------

    async def _task_middleware(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        raw = ctx.params
        if ctx.method != "tools/call" or not isinstance(raw, Mapping) or "task" not in raw or is_modern(ctx):
            return await call_next(ctx)
        params = types.CallToolRequestParams.model_validate(raw, by_name=False)
        state: ServerState = ctx.lifespan_context
        ttl = params.task.ttl if params.task is not None else None
        record = state.tasks.create(ttl)
        state.task_group.start_soon(self._run_task, ctx, params, record)
        return types.CreateTaskResult(task=record.task()).model_dump(by_alias=True, mode="json", exclude_none=True)

    async def _run_task(
        self, ctx: ServerRequestContext[ServerState], params: types.CallToolRequestParams, record: TaskRecord
    ) -> None:
        started = await self._start(ctx, params)
        if isinstance(started, types.CallToolResult):
            record.finish(started)
            return
        thread, turn = started
        cancelled = False

        def cancel() -> None:
            nonlocal cancelled
            cancelled = True
            thread.interrupt()

        record.cancel = cancel
        result = await self._follow(ctx, thread, turn, task=record)
        assert isinstance(result, types.CallToolResult)
        result.meta = record.meta()
        record.finish(result, cancelled=cancelled)

    async def _tasks_get(
        self, ctx: ServerRequestContext[ServerState], params: types.GetTaskRequestParams
    ) -> types.GetTaskResult:
        task = ctx.lifespan_context.tasks.get(params.task_id).task()
        return types.GetTaskResult.model_validate(task.model_dump(by_alias=True))

    async def _tasks_result(
        self, ctx: ServerRequestContext[ServerState], params: types.GetTaskPayloadRequestParams
    ) -> types.CallToolResult:
        record = ctx.lifespan_context.tasks.get(params.task_id)
        await record.done.wait()
        assert record.result is not None
        return record.result

    async def _tasks_cancel(
        self, ctx: ServerRequestContext[ServerState], params: types.CancelTaskRequestParams
    ) -> types.CancelTaskResult:
        record = ctx.lifespan_context.tasks.get(params.task_id)
        if record.done.is_set():
            raise MCPError(
                code=types.INVALID_PARAMS, message=f"Task {params.task_id} has already ended ({record.status})"
            )
        record.set_status("cancelled", "cancelled by the host")
        if record.cancel is not None:
            record.cancel()
        return types.CancelTaskResult.model_validate(record.task().model_dump(by_alias=True))

    async def _tasks_list(
        self, ctx: ServerRequestContext[ServerState], params: types.PaginatedRequestParams
    ) -> types.ListTasksResult:
        return types.ListTasksResult(tasks=[r.task() for r in ctx.lifespan_context.tasks.all()])

    async def _next_round(
        self, ctx: ServerRequestContext[ServerState], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        state = ctx.lifespan_context
        round_ = state.rounds.pop(params.request_state or "", None)
        if round_ is None:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message="requestState is unknown or was already used; call the tool again without it",
            )
        responses = params.input_responses or {}
        for approval in round_.approvals:
            response = responses.get(approval.key)
            if isinstance(response, types.ElicitResult):
                approval.answer(forms.decision_from_answer(response.model_dump(mode="json", exclude_none=True)))
        return await self._follow(ctx, round_.thread, round_.turn)

    # ---- resources ----------------------------------------------------------------------------------------------

    async def _list_resources(
        self, ctx: ServerRequestContext[ServerState], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        resources: list[types.Resource] = []
        for thread in ctx.lifespan_context.threads.all():
            tid = thread.thread_id
            resources.append(
                types.Resource(
                    uri=f"pycodex://threads/{tid}/transcript",
                    name=f"transcript-{tid}",
                    title=f"Transcript of thread {tid}",
                    mime_type="text/markdown",
                )
            )
            resources.append(
                types.Resource(
                    uri=f"pycodex://threads/{tid}/diff",
                    name=f"diff-{tid}",
                    title=f"Changes made by thread {tid}",
                    mime_type="text/x-diff",
                )
            )
        return types.ListResourcesResult(resources=resources)

    async def _list_templates(
        self, ctx: ServerRequestContext[ServerState], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template="pycodex://threads/{threadId}/transcript",
                    name="thread-transcript",
                    title="Thread transcript",
                    description="What was asked, said and run in a thread, as Markdown.",
                    mime_type="text/markdown",
                ),
                types.ResourceTemplate(
                    uri_template="pycodex://threads/{threadId}/diff",
                    name="thread-diff",
                    title="Thread diff",
                    description="The unified diff of the files each turn of the thread changed.",
                    mime_type="text/x-diff",
                ),
            ]
        )

    async def _read_resource(
        self, ctx: ServerRequestContext[ServerState], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        match = _URI.match(uri)
        thread = ctx.lifespan_context.threads.get(match["id"]) if match else None
        if match is None or thread is None:
            code = types.INVALID_PARAMS if is_modern(ctx) else RESOURCE_NOT_FOUND
            raise MCPError(code=code, message=f"Resource not found: {uri}", data={"uri": uri})
        if match["kind"] == "transcript":
            text, mime = thread.transcript.markdown(), "text/markdown"
        else:
            text, mime = thread.transcript.diff(), "text/x-diff"
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, text=text, mime_type=mime)])

    async def _subscribe(
        self, ctx: ServerRequestContext[ServerState], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        key = id(_wire.connection_of(ctx))
        ctx.lifespan_context.subscribers.setdefault(str(params.uri), {})[key] = ctx.session
        return types.EmptyResult()

    async def _unsubscribe(
        self, ctx: ServerRequestContext[ServerState], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        ctx.lifespan_context.subscribers.get(str(params.uri), {}).pop(id(_wire.connection_of(ctx)), None)
        return types.EmptyResult()

    async def _complete(
        self, ctx: ServerRequestContext[ServerState], params: types.CompleteRequestParams
    ) -> types.CompleteResult:
        values: list[str] = []
        ref = params.ref
        if isinstance(ref, types.ResourceTemplateReference) and ref.uri.startswith("pycodex://threads/{threadId}/"):
            if params.argument.name == "threadId":
                ids = sorted(t.thread_id for t in ctx.lifespan_context.threads.all())
                values = [i for i in ids if i.startswith(params.argument.value)]
        return types.CompleteResult(
            completion=types.Completion(values=values[:100], total=len(values), has_more=len(values) > 100)
        )

    # ---- logging ------------------------------------------------------------------------------------------------

    async def _set_level(
        self, ctx: ServerRequestContext[ServerState], params: types.SetLevelRequestParams
    ) -> types.EmptyResult:
        ctx.lifespan_context.log_level = params.level
        return types.EmptyResult()
