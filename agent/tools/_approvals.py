"""The one approval interface and the one place a question is asked.

Every kind of question (a command, a patch, an MCP tool call, a network destination) is an `ApprovalRequest`, and
every front door answers them all through `ApprovalHandler.request_approval`. Tools never call the handler
directly: `ask` emits the question as an event, remembers "for the session" answers under the keys the tool
names, and skips the question when every key was granted before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from .._protocol import ApprovalRequest, ReviewDecision

if TYPE_CHECKING:
    from ._base import ToolContext


class ApprovalHandler(Protocol):
    """Asks someone whether the agent may do something, and returns their decision."""

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision: ...


class RejectingApprovals:
    """Nobody to ask (headless): every request is denied, and the denial is reported to the model."""

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        return "denied"


async def ask(ctx: ToolContext, request: ApprovalRequest, keys: Iterable[str]) -> ReviewDecision:
    """Ask about `request` unless all of `keys` were approved for the session; remember such an approval.

    The keys say what an "approved for the session" answer covers (an exact command, each file of a patch, an MCP
    tool); they are namespaced by the request's kind so that a command and a file can never share one.
    """
    granted = ctx.approval_state.granted
    scoped = [f"{request.type}:{key}" for key in keys]
    if scoped and all(key in granted for key in scoped):
        return "approved_for_session"
    await ctx.emit(request)
    decision = await ctx.approvals.request_approval(request, ctx.turn_id)
    if decision == "approved_for_session":
        granted.update(scoped)
    return decision
