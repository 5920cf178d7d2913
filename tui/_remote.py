"""`pycodex --remote ws://...`: the TUI attached to a running app-server (pycodex's or Codex's).

`RemoteSession` stands where `agent.Session` does for the TUI's driver: it starts or resumes a thread over the
app-server protocol, turns the server's notifications back into the engine's events (the TUI renders those), and
answers the server's approval and elicitation requests with the TUI's dialogs.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self, cast

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

import agent
from agent import protocol as p

from ._remote_items import PLAN_STATUS, changes_of, item_events, message_of, usage_of

_MAX_MESSAGE = 64 * 1024 * 1024  # a whole thread's history can come back in one message
_DECISIONS = {
    "approved": "accept",
    "approved_for_session": "acceptForSession",
    "denied": "decline",
    "abort": "cancel",
}


class RemoteError(agent.AgentError):
    """The app-server could not be reached, or answered a request with an error."""


def _inputs(items: Sequence[agent.UserInput]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, p.TextInput):
            out.append({"type": "text", "text": item.text, "text_elements": []})
        elif isinstance(item, p.LocalImageInput):
            out.append({"type": "localImage", "path": str(item.path)})
        else:
            out.append({"type": "image", "url": item.image_url})
    return out


class RemoteSession:
    """A thread on a running app-server, with `agent.Session`'s surface as the TUI uses it."""

    def __init__(
        self,
        config: agent.Config,
        *,
        url: str,
        token: str | None = None,
        approvals: Any = None,
        elicitation_handler: Any = None,
        resume: Any = None,
        thread_id: str | None = None,
        **_local_only: Any,  # source, authorization_handler: the server's own concern
    ) -> None:
        self.config = config
        self.url = url
        self._token = token
        self.approvals = approvals
        self._elicit = elicitation_handler
        self._resume_id = resume.thread_id if resume is not None else thread_id
        self.thread_id = ""
        self._ws: Any = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._next = 1
        self._waiting: dict[int, tuple[anyio.Event, list[Any]]] = {}
        self._send: MemoryObjectSendStream[agent.Event]
        self._recv: MemoryObjectReceiveStream[agent.Event]
        self._send, self._recv = anyio.create_memory_object_stream[agent.Event](math.inf)
        self._turn_id: str | None = None
        self._turn_done = anyio.Event()
        self._outcome: agent.TurnOutcome | None = None
        self._last_message: str | None = None
        self._items: dict[str, dict[str, Any]] = {}
        self._overrides: dict[str, Any] = {}
        self.skills: Any = None
        """Skills live on the server's side: none are offered for `$` completion here."""

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        from websockets.asyncio.client import connect, unix_connect

        headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
        try:
            if self.url.startswith("unix://"):
                path = self.url.removeprefix("unix://")
                self._ws = await unix_connect(path, additional_headers=headers, max_size=_MAX_MESSAGE)
            else:
                self._ws = await connect(self.url, additional_headers=headers, max_size=_MAX_MESSAGE)
        except (OSError, Exception) as exc:  # websockets' handshake errors and refused connections alike
            raise RemoteError(f"cannot reach the app-server at {self.url}: {exc}") from None
        tg = anyio.create_task_group()
        await tg.__aenter__()
        self._tg = tg
        tg.start_soon(self._read)
        try:
            await self._start()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self) -> None:
        await self._call("initialize", {"clientInfo": {"name": "pycodex-tui", "title": "pycodex", "version": "0.1.0"}})
        await self._ws.send(json.dumps({"method": "initialized"}))
        if self._resume_id is not None:
            result = await self._call("thread/resume", {"threadId": self._resume_id, "excludeTurns": True})
        else:
            policy = "on-request" if self.config.approval_policy == "on-failure" else self.config.approval_policy
            params = {"cwd": str(self.config.cwd), "approvalPolicy": policy, "sandbox": self.config.sandbox_mode}
            result = await self._call("thread/start", params)
        thread = result["thread"]
        self.thread_id = thread["id"]
        configured = p.SessionConfigured(
            session_id=self.thread_id,
            model=result.get("model") or self.config.model,
            model_provider_id=result.get("modelProvider") or "",
            approval_policy=str(result.get("approvalPolicy")),
            sandbox_policy=cast(dict[str, Any], result.get("sandbox") or {}),
            cwd=str(result.get("cwd") or self.config.cwd),
            reasoning_effort=result.get("reasoningEffort"),
            rollout_path=thread.get("path"),
        )
        self._emit("", configured)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
        self._recv.close()
        if self._tg is not None:
            tg, self._tg = self._tg, None
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)

    async def aclose(self) -> None:
        """Leave the thread (the server keeps it, or unloads it when nobody else follows it)."""
        with anyio.CancelScope(shield=True):
            if self._ws is not None:
                with anyio.move_on_after(2):
                    await self._ws.close()
            self._send.close()

    def events(self) -> MemoryObjectReceiveStream[agent.Event]:
        return self._recv

    def _emit(self, turn_id: str, msg: Any) -> None:
        try:
            self._send.send_nowait(agent.Event(id=turn_id, msg=msg))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return

    # ---- requests -----------------------------------------------------------------------------------------------

    async def _call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        request_id = self._next
        self._next += 1
        done, slot = anyio.Event(), cast(list[Any], [])
        self._waiting[request_id] = (done, slot)
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        except ConnectionClosed:
            self._waiting.pop(request_id, None)
            raise RemoteError(f"{method}: the app-server at {self.url} closed the connection") from None
        await done.wait()
        answer = slot[0] if slot else {"error": {"message": "the app-server closed the connection"}}
        if "error" in answer:
            raise RemoteError(f"{method}: {answer['error'].get('message')}")
        return cast(dict[str, Any], answer.get("result") or {})

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for text in self._ws:
                message = json.loads(text)
                if "method" not in message:
                    waiting = self._waiting.pop(message.get("id"), None)
                    if waiting is not None:
                        waiting[1].append(message)
                        waiting[0].set()
                elif "id" in message:
                    assert self._tg is not None
                    self._tg.start_soon(self._answer_request, message)
                else:
                    self._notification(message["method"], message.get("params") or {})
        except ConnectionClosed:
            pass
        finally:
            for done, _ in self._waiting.values():
                done.set()
            if self._turn_id is not None:
                self._emit(self._turn_id, p.Error(message=f"the app-server at {self.url} went away"))
                self._end_turn("failed", error="the app-server went away")

    # ---- turns --------------------------------------------------------------------------------------------------

    async def run_turn(
        self, items: Sequence[agent.UserInput], *, output_schema: dict[str, Any] | None = None
    ) -> agent.TurnOutcome:
        params: dict[str, Any] = {"threadId": self.thread_id, "input": _inputs(items), **self._overrides}
        if output_schema is not None:
            params["outputSchema"] = output_schema
        self._turn_done = anyio.Event()
        result = await self._call("turn/start", params)
        if not self._turn_done.is_set():  # a turn that ended at once has ended already
            self._turn_id = result["turn"]["id"]
        await self._turn_done.wait()
        return self._outcome or agent.TurnOutcome(status="failed", error="no outcome")

    def interrupt(self) -> None:
        if self._turn_id is not None and self._tg is not None:
            params = {"threadId": self.thread_id, "turnId": self._turn_id}
            self._tg.start_soon(self._call_quietly, "turn/interrupt", params)

    def sub_agents(self) -> list[agent.SubAgentInfo]:
        """The app-server's sub-agents are its own: their activity arrives as items, their transcripts are not
        streamed to an attached TUI (`pycodex resume <id>` opens one)."""
        return []

    async def sub_agent_events(self, agent_id: str) -> None:
        return None

    def add_input(self, items: Sequence[agent.UserInput]) -> None:
        if self._turn_id is not None and self._tg is not None:
            params = {"threadId": self.thread_id, "expectedTurnId": self._turn_id, "input": _inputs(items)}
            self._tg.start_soon(self._call_quietly, "turn/steer", params)

    async def _call_quietly(self, method: str, params: dict[str, Any]) -> None:
        # Fire-and-forget requests (the turn may have ended meanwhile): a refusal is shown, never raised.
        try:
            await self._call(method, params)
        except RemoteError as exc:
            self._emit("", p.Warning(message=str(exc)))

    async def compact(self) -> None:
        self._turn_done = anyio.Event()
        self._turn_id = "compaction"
        await self._call("thread/compact/start", {"threadId": self.thread_id})
        await self._turn_done.wait()

    def reconfigure(self, **changes: Any) -> agent.Config:
        """Settings for the next turns, sent with each turn/start (the TUI's /model and /approvals)."""
        from agent.config import reconfigured

        self.config = reconfigured(self.config, **changes)
        if changes.get("model"):
            self._overrides["model"] = changes["model"]
        if changes.get("reasoning_effort"):
            self._overrides["effort"] = changes["reasoning_effort"]
        if changes.get("approval_policy"):
            policy = changes["approval_policy"]
            self._overrides["approvalPolicy"] = "on-request" if policy == "on-failure" else policy
        if changes.get("sandbox_mode"):
            kinds = {
                "read-only": "readOnly",
                "workspace-write": "workspaceWrite",
                "danger-full-access": "dangerFullAccess",
            }
            self._overrides["sandboxPolicy"] = {"type": kinds[changes["sandbox_mode"]]}
        return self.config

    def _end_turn(self, status: str, *, error: str | None = None) -> None:
        self._outcome = agent.TurnOutcome(status=cast(Any, status), last_agent_message=self._last_message, error=error)
        self._turn_id = None
        self._last_message = None
        self._turn_done.set()

    # ---- notifications → events ---------------------------------------------------------------------------------

    def _notification(self, method: str, params: dict[str, Any]) -> None:
        turn = str(params.get("turnId") or self._turn_id or "")
        if method == "turn/started":
            turn_id = params["turn"]["id"]
            self._turn_id = turn_id
            self._emit(turn_id, p.TaskStarted(turn_id=turn_id))
        elif method == "turn/completed":
            data = params["turn"]
            status = data["status"]
            if status == "interrupted":
                self._emit(data["id"], p.TurnAborted(turn_id=data["id"]))
                self._end_turn("aborted")
                return
            self._emit(data["id"], p.TaskComplete(turn_id=data["id"], last_agent_message=self._last_message))
            error = message_of(data.get("error"))
            self._end_turn("completed" if status == "completed" else "failed", error=error)
        elif method in ("item/started", "item/completed"):
            self._item(turn, params["item"], started=method == "item/started")
        elif method == "item/agentMessage/delta":
            self._emit(turn, p.AgentMessageDelta(item_id=params["itemId"], delta=params["delta"]))
        elif method == "item/reasoning/summaryTextDelta":
            self._emit(turn, p.AgentReasoningDelta(delta=params["delta"]))
        elif method == "item/commandExecution/outputDelta":
            self._emit(turn, p.ExecCommandOutputDelta(call_id=params["itemId"], chunk=params["delta"]))
        elif method == "turn/plan/updated":
            plan = tuple(
                p.PlanItem(step=s["step"], status=cast(Any, PLAN_STATUS.get(s["status"], "pending")))
                for s in params["plan"]
            )
            self._emit(turn, p.PlanUpdate(explanation=params.get("explanation"), plan=plan))
        elif method == "turn/diff/updated":
            self._emit(turn, p.TurnDiff(unified_diff=params["diff"]))
        elif method == "thread/tokenUsage/updated":
            usage = params["tokenUsage"]
            info = p.TokenUsageInfo(
                total_token_usage=usage_of(usage["total"]),
                last_token_usage=usage_of(usage["last"]),
                model_context_window=usage.get("modelContextWindow"),
            )
            self._emit(turn, p.TokenCount(info=info))
        elif method == "error":
            message = message_of(params.get("error")) or ""
            self._emit(turn, p.StreamError(message=message) if params.get("willRetry") else p.Error(message=message))
        elif method == "warning":
            self._emit(turn if self._turn_id else "", p.Warning(message=str(params.get("message", ""))))

    def _item(self, turn: str, item: dict[str, Any], *, started: bool) -> None:
        if started:
            self._items[str(item.get("id"))] = item
        elif item.get("type") == "agentMessage":
            self._last_message = str(item.get("text") or "")
        for msg in item_events(item, started=started):
            self._emit(turn, msg)

    # ---- server requests → the TUI's dialogs --------------------------------------------------------------------

    async def _answer_request(self, message: dict[str, Any]) -> None:
        method = str(message["method"])
        params = cast(dict[str, Any], message.get("params") or {})
        try:
            result = await self._resolve(method, params)
            answer: dict[str, Any] = {"id": message["id"], "result": result}
        except Exception as exc:  # a request the TUI cannot answer: the server hears why
            answer = {"id": message["id"], "error": {"code": -32603, "message": f"pycodex TUI: {exc}"}}
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(json.dumps(answer))
        except ConnectionClosed:
            return  # the server went away; the reader reports it

    async def _resolve(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        turn = str(params.get("turnId") or "")
        if method == "item/commandExecution/requestApproval":
            request: Any = p.ExecApprovalRequest(
                call_id=params["itemId"],
                command=tuple(shlex.split(params.get("command") or "")),
                cwd=str(params.get("cwd") or self.config.cwd),
                reason=params.get("reason"),
                proposed_execpolicy_amendment=tuple(params.get("proposedExecpolicyAmendment") or ()) or None,
            )
        elif method == "item/fileChange/requestApproval":
            started = self._items.get(params["itemId"], {})
            request = p.ApplyPatchApprovalRequest(
                call_id=params["itemId"],
                changes=changes_of(started.get("changes") or []),
                reason=params.get("reason"),
                grant_root=params.get("grantRoot"),
            )
        elif method == "mcpServer/elicitation/request":
            return await self._elicitation(params)
        else:
            raise RemoteError(f"`{method}` is not supported by pycodex's TUI")
        self._emit(turn, request)
        decision = await self.approvals.request_approval(request, turn) if self.approvals else "denied"
        if decision == "approved_execpolicy_amendment" and request.type == "exec_approval_request":
            return {
                "decision": {
                    "acceptWithExecpolicyAmendment": {
                        "execpolicy_amendment": list(request.proposed_execpolicy_amendment or ())
                    }
                }
            }
        return {"decision": _DECISIONS.get(decision, "accept" if decision.startswith("approved") else "cancel")}

    async def _elicitation(self, params: dict[str, Any]) -> dict[str, Any]:
        import mcp_types as types

        if self._elicit is None:
            return {"action": "decline", "content": None}
        if params.get("mode") == "url":
            request: Any = types.ElicitRequestURLParams(
                message=params["message"], url=params["url"], elicitation_id=params.get("elicitationId", "")
            )
        else:
            request = types.ElicitRequestFormParams(
                message=params["message"], requested_schema=params["requestedSchema"]
            )
        result = await self._elicit(params.get("serverName", ""), request)
        return {"action": result.action, "content": result.content}


def remote_factory(url: str, token: str | None) -> Any:
    """An `agent.Session`-shaped factory for the TUI's driver that attaches to the app-server at `url`."""

    def factory(config: agent.Config, **kwargs: Any) -> RemoteSession:
        return RemoteSession(config, url=url, token=token or None, **kwargs)

    return factory
