"""What every tool handler gets: the turn's context, and the ways a handler can end the turn."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sandbox
from sandbox import ShellEnvironmentPolicy

from .._protocol import EventMsg, PlanItem
from ..config import Config
from ._approvals import ApprovalHandler
from ._auto_review import ReviewState
from ._exec_sessions import ExecSessions
from ._tool import ToolRegistry
from ._turn_diff import TurnDiffTracker

if TYPE_CHECKING:
    from ..execpolicy import Policy
    from ..hooks import Hooks
    from ..model import Model
    from ._agents import AgentControl

JsonObject = dict[str, Any]
RESOURCE_TOOLS = ("list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource")
"""The MCP resource tools (handled by the MCP bridge)."""
Emit = Callable[[EventMsg], Awaitable[None]]


@dataclass
class ApprovalState:
    """What this session has learned about approvals: the exec policy (with rules approved since it started), and
    what the user approved for the rest of the session (keys namespaced by request kind, see `_approvals.ask`)."""

    policy: Policy | None = None
    """Loaded on the first command (execpolicy is not needed before the first model request)."""
    rules_file: Path | None = None
    granted: set[str] = field(default_factory=lambda: set[str]())
    hook_rules: list[tuple[str, str | None, str]] = field(default_factory=lambda: list[tuple[str, str | None, str]]())
    """Rules PermissionRequest hooks added (`updatedPermissions` `addRules`): (tool name, rule content or None for
    every call of the tool, "allow" or "deny"), newest last."""


class ArgumentError(Exception):
    """A tool call's arguments are unusable; the message goes back to the model as the call's output."""


class TurnAbort(Exception):
    """A decision (`abort`) that ends the whole turn."""


class TurnFatal(Exception):
    """A failure that ends the turn with an error (the sandbox cannot be enforced, for instance)."""


@dataclass
class ToolContext:
    """What tool handlers may use during one turn."""

    config: Config
    turn_id: str
    emit: Emit
    exec_sessions: ExecSessions
    approvals: ApprovalHandler
    shell: str
    thread_id: str = ""
    env_policy: ShellEnvironmentPolicy | None = None
    tools: ToolRegistry = field(default_factory=lambda: ToolRegistry([]))
    """The tools calls are dispatched to (the MCP bridge, when servers are configured, is `tools.mcp`)."""
    network_proxy: sandbox.NetworkProxy | None = None
    """The session's network policy proxy, when its permission profile turns one on."""
    plan: list[PlanItem] = field(default_factory=lambda: [])
    approval_state: ApprovalState = field(default_factory=lambda: ApprovalState())
    diff_tracker: TurnDiffTracker = field(default_factory=TurnDiffTracker)
    hooks: Hooks | None = None
    """The session's hooks (PreToolUse, PermissionRequest, PostToolUse), when any are configured and trusted."""
    hook_contexts: list[str] = field(default_factory=lambda: [])
    """Context PostToolUse hooks added, for the model after this round of calls."""
    preapproved_calls: set[str] = field(default_factory=lambda: set[str]())
    """Calls a PreToolUse hook allowed: their approval questions are answered yes without asking."""
    stop_reason: str | None = None
    agents: AgentControl | None = None
    model: Model | None = None
    """The session's model, for the automatic approvals reviewer (`approvals_reviewer = "auto_review"`)."""
    history: list[JsonObject] = field(default_factory=lambda: list[JsonObject]())
    """The conversation so far (the reviewer's transcript)."""
    reviews: ReviewState = field(default_factory=ReviewState)
    """The session's sub-agents (None at the depth limit: then the agent tools are not offered)."""
    """Set when a hook stopped the turn (`continue: false`): the turn ends after this round of calls."""


def resolve_path(base: Path, raw: str) -> Path:
    """`raw` (absolute, relative or `~`) resolved lexically against `base`."""
    return Path(os.path.normpath(base / Path(raw).expanduser()))
