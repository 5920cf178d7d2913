"""A thread's questions to its clients: approvals and MCP elicitations as server requests, asked of the connection
that started the turn (or any other following the thread), with the thread's status saying it waits."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol, cast

import anyio

from agent import protocol as p

from . import _shapes as shapes
from ._events import Notification
from ._wire import Answer

if TYPE_CHECKING:
    from agent import ReviewDecision

    from ._threads import LoadedThread


class Subscriber(Protocol):
    """A connection, as a thread sees it."""

    @property
    def closed(self) -> bool: ...

    async def notify(self, method: str, params: dict[str, Any]) -> None: ...

    async def server_request(self, method: str, params: dict[str, Any]) -> Answer: ...


_EXEC_DECISIONS: dict[str, ReviewDecision] = {
    "accept": "approved",
    "acceptForSession": "approved_for_session",
    "acceptWithExecpolicyAmendment": "approved_execpolicy_amendment",
    "decline": "denied",
    "cancel": "abort",
}


def review_decision(result: Any) -> ReviewDecision:
    """The engine's decision for a client's `{decision}`; anything else (an error, a disconnect) cancels."""
    decision: object = cast(dict[str, Any], result).get("decision") if isinstance(result, dict) else None
    if isinstance(decision, dict) and decision:
        decision = next(iter(cast(dict[str, Any], decision)))
    if isinstance(decision, str) and decision in _EXEC_DECISIONS:
        return _EXEC_DECISIONS[decision]
    return "abort"


class Questions:
    """The thread's `agent.ApprovalHandler` and elicitation handler."""

    def __init__(self, thread: LoadedThread) -> None:
        self._thread = thread

    def _asked(self) -> Subscriber | None:
        live = [s for s in self._thread.subscribers if not s.closed]
        if self._thread.owner is not None and self._thread.owner in live:
            return self._thread.owner
        return live[0] if live else None

    async def ask(self, method: str, params: dict[str, Any]) -> Any:
        # The engine emitted the request as an event just before asking: its item/started goes out first.
        await self._thread.pump.drain()
        subscriber = self._asked()
        if subscriber is None:
            return None
        self._thread.waiting += 1
        await self._thread.broadcast(
            [self._thread.translator.status({"type": "active", "activeFlags": ["waitingOnApproval"]})]
        )
        answer: Answer | None = None
        try:
            answer = await subscriber.server_request(method, params)
            return answer.result
        finally:
            self._thread.waiting -= 1
            # Shielded: an interrupted turn still tells every client the question is settled.
            with anyio.CancelScope(shield=True):
                resolved: list[Notification] = []
                if answer is not None:
                    resolved.append(
                        ("serverRequest/resolved", {"threadId": self._thread.thread_id, "requestId": answer.request_id})
                    )
                flags = ["waitingOnApproval"] if self._thread.waiting else []
                if self._thread.turn_id is not None:
                    resolved.append(self._thread.translator.status({"type": "active", "activeFlags": flags}))
                await self._thread.broadcast(resolved)

    async def request_approval(self, request: p.ApprovalRequest, turn_id: str) -> ReviewDecision:
        """agent.ApprovalHandler: each kind of question as the server request Codex's clients answer."""
        if isinstance(request, p.ExecApprovalRequest):
            return await self._exec_approval(request, turn_id)
        if isinstance(request, p.ApplyPatchApprovalRequest):
            return await self._patch_approval(request, turn_id)
        if isinstance(request, p.NetworkApprovalRequest):
            return await self._network_approval(request, turn_id)
        return await self._mcp_tool_approval(request, turn_id)

    async def _network_approval(self, request: p.NetworkApprovalRequest, turn_id: str) -> ReviewDecision:
        protocol = request.protocol if request.protocol in ("http", "https") else "https"
        target = f"{request.host}:{request.port}" if request.port else request.host
        params: dict[str, Any] = {
            "threadId": self._thread.thread_id,
            "turnId": turn_id,
            "itemId": request.call_id,
            "startedAtMs": int(time.time() * 1000),
            "reason": request.reason or f"a command wants to reach {target}",
            "networkApprovalContext": {"host": request.host, "protocol": protocol},
            "availableDecisions": ["accept", "acceptForSession", "decline", "cancel"],
        }
        return review_decision(await self.ask("item/commandExecution/requestApproval", params))

    async def _mcp_tool_approval(self, request: p.McpToolCallApprovalRequest, turn_id: str) -> ReviewDecision:
        # Codex asks about MCP tool calls as a form elicitation with no fields: accept, decline or cancel.
        invocation = request.invocation
        text = f"Allow the tool `{invocation.tool}` of the MCP server `{invocation.server}` to run?"
        if request.reason:
            text += f" {request.reason}"
        params: dict[str, Any] = {
            "threadId": self._thread.thread_id,
            "turnId": turn_id,
            "serverName": invocation.server,
            "mode": "form",
            "message": text,
            "requestedSchema": {"type": "object", "properties": {}},
        }
        result = await self.ask("mcpServer/elicitation/request", params)
        action = cast(dict[str, Any], result).get("action") if isinstance(result, dict) else None
        if action == "accept":
            return "approved"
        return "denied" if action == "decline" else "abort"

    async def _exec_approval(self, request: p.ExecApprovalRequest, turn_id: str) -> ReviewDecision:
        amendment = list(request.proposed_execpolicy_amendment or ())
        decisions: list[Any] = ["accept", "acceptForSession"]
        if amendment:
            decisions.append({"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}})
        decisions += ["decline", "cancel"]
        params: dict[str, Any] = {
            "threadId": self._thread.thread_id,
            "turnId": turn_id,
            "itemId": request.call_id,
            "startedAtMs": int(time.time() * 1000),
            "kind": "command",
            "environmentId": None,
            "reason": request.reason,
            "command": shapes.command_text(request.command),
            "cwd": request.cwd,
            "commandActions": shapes.command_actions(request.command),
            "proposedExecpolicyAmendment": amendment or None,
            "availableDecisions": decisions,
        }
        decision = review_decision(await self.ask("item/commandExecution/requestApproval", params))
        if decision in ("denied", "abort"):
            await self._thread.broadcast(self._thread.translator.declined(request.call_id, kind="command"))
        return decision

    async def _patch_approval(self, request: p.ApplyPatchApprovalRequest, turn_id: str) -> ReviewDecision:
        params: dict[str, Any] = {
            "threadId": self._thread.thread_id,
            "turnId": turn_id,
            "itemId": request.call_id,
            "startedAtMs": int(time.time() * 1000),
            "reason": request.reason,
            "grantRoot": request.grant_root,
        }
        decision = review_decision(await self.ask("item/fileChange/requestApproval", params))
        if decision == "approved_execpolicy_amendment":
            decision = "approved"
        if decision in ("denied", "abort"):
            await self._thread.broadcast(self._thread.translator.declined(request.call_id, kind="patch"))
        return decision

    async def forward_elicitation(self, server: str, request: Any) -> Any:
        """An external MCP server's question, relayed as `mcpServer/elicitation/request`; declined when nobody is
        connected to answer."""
        import mcp_types as types

        body = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        body.setdefault("mode", "url" if "url" in body else "form")
        form = body.get("requestedSchema")
        if isinstance(form, dict):
            # Codex's form schema holds only these keys (a server's `title` on the form, say, is dropped).
            kept = ("$schema", "type", "properties", "required")
            body["requestedSchema"] = {k: v for k, v in cast(dict[str, Any], form).items() if k in kept}
        params = {"threadId": self._thread.thread_id, "turnId": self._thread.turn_id, "serverName": server, **body}
        result = await self.ask("mcpServer/elicitation/request", params)
        answer = cast(dict[str, Any], result) if isinstance(result, dict) else {}
        action: object = answer.get("action")
        if action not in ("accept", "decline", "cancel"):
            return types.ElicitResult(action="cancel")
        return types.ElicitResult.model_validate({"action": action, "content": answer.get("content")})
