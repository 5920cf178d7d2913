"""Tools: each tool is a `Tool` object (spec per wire, handler, parallel safety, approval kind); dispatch, exec
sessions, apply_patch, plan, images, the MCP bridge, truncation, and the one approval interface.

Names load on first use (PEP 562), so importing one piece does not import the rest."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._agents import AGENT_TOOLS as AGENT_TOOLS
    from ._agents import AgentControl as AgentControl
    from ._agents import LabelledApprovals as LabelledApprovals
    from ._agents import SubAgentInfo as SubAgentInfo
    from ._agents import SubAgentOrigin as SubAgentOrigin
    from ._agents import agent_tools as agent_tools
    from ._agents import agent_tools_namespace as agent_tools_namespace
    from ._agents import max_depth as max_depth
    from ._approvals import ApprovalHandler as ApprovalHandler
    from ._approvals import RejectingApprovals as RejectingApprovals
    from ._approvals import ask as ask
    from ._base import ApprovalState as ApprovalState
    from ._base import ToolContext as ToolContext
    from ._base import TurnAbort as TurnAbort
    from ._base import TurnFatal as TurnFatal
    from ._dispatch import builtin_tools as builtin_tools
    from ._dispatch import handle_call as handle_call
    from ._exec_sessions import ExecSessions as ExecSessions
    from ._mcp_bridge import McpBridge as McpBridge
    from ._mcp_bridge import oauth_settings as oauth_settings
    from ._mcp_bridge import start_bridge as start_bridge
    from ._mcp_status import McpServerStatus as McpServerStatus
    from ._mcp_status import mcp_server_status as mcp_server_status
    from ._roles import Role as Role
    from ._roles import load_roles as load_roles
    from ._shell_snapshot import ShellSnapshot as ShellSnapshot
    from ._shell_snapshot import prefetch_snapshot as prefetch_snapshot
    from ._tool import Tool as Tool
    from ._tool import ToolCall as ToolCall
    from ._tool import ToolRegistry as ToolRegistry
    from ._truncate import truncate_middle_tokens as truncate_middle_tokens

_WHERE = {
    "Role": "._roles",
    "load_roles": "._roles",
    "agent_tools": "._agents",
    "LabelledApprovals": "._agents",
    "max_depth": "._agents",
    "agent_tools_namespace": "._agents",
    "AGENT_TOOLS": "._agents",
    "SubAgentInfo": "._agents",
    "SubAgentOrigin": "._agents",
    "AgentControl": "._agents",
    "ApprovalHandler": "._approvals",
    "ApprovalState": "._base",
    "ask": "._approvals",
    "builtin_tools": "._dispatch",
    "ExecSessions": "._exec_sessions",
    "handle_call": "._dispatch",
    "McpBridge": "._mcp_bridge",
    "RejectingApprovals": "._approvals",
    "oauth_settings": "._mcp_bridge",
    "start_bridge": "._mcp_bridge",
    "McpServerStatus": "._mcp_status",
    "mcp_server_status": "._mcp_status",
    "ShellSnapshot": "._shell_snapshot",
    "prefetch_snapshot": "._shell_snapshot",
    "Tool": "._tool",
    "ToolCall": "._tool",
    "ToolContext": "._base",
    "ToolRegistry": "._tool",
    "truncate_middle_tokens": "._truncate",
    "TurnAbort": "._base",
    "TurnFatal": "._base",
}

__all__ = [
    "Role",
    "load_roles",
    "agent_tools",
    "LabelledApprovals",
    "max_depth",
    "agent_tools_namespace",
    "AGENT_TOOLS",
    "SubAgentInfo",
    "SubAgentOrigin",
    "AgentControl",
    "ApprovalHandler",
    "ApprovalState",
    "ask",
    "builtin_tools",
    "ExecSessions",
    "handle_call",
    "McpBridge",
    "RejectingApprovals",
    "oauth_settings",
    "start_bridge",
    "McpServerStatus",
    "mcp_server_status",
    "ShellSnapshot",
    "prefetch_snapshot",
    "Tool",
    "ToolCall",
    "ToolContext",
    "ToolRegistry",
    "truncate_middle_tokens",
    "TurnAbort",
    "TurnFatal",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
