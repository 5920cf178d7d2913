"""The one approval interface: exec mode, the MCP server and the TUI each implement it."""

from __future__ import annotations

from typing import Protocol

from .._protocol import ApplyPatchApprovalRequest, ExecApprovalRequest, ReviewDecision


class ApprovalHandler(Protocol):
    """Asks someone whether the agent may do something, and returns their decision."""

    async def request_exec_approval(self, request: ExecApprovalRequest, turn_id: str) -> ReviewDecision: ...

    async def request_patch_approval(self, request: ApplyPatchApprovalRequest, turn_id: str) -> ReviewDecision: ...


class RejectingApprovals:
    """Nobody to ask (headless): every request is denied, and the denial is reported to the model."""

    async def request_exec_approval(self, request: ExecApprovalRequest, turn_id: str) -> ReviewDecision:
        return "denied"

    async def request_patch_approval(self, request: ApplyPatchApprovalRequest, turn_id: str) -> ReviewDecision:
        return "denied"
