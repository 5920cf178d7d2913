"""What flows in and out of a session: inputs and ops in, events out.

Events mirror Codex's `EventMsg` names (snake_case `type`) so the MCP server can forward them as `codex/event`
notifications unchanged. History items (what is sent to the model) are plain JSON objects in the Responses API
shape, see `_items.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    # Validators are built on first use of each class: a run uses a handful of the event types.
    model_config = ConfigDict(frozen=True, defer_build=True)


# ---- inputs -------------------------------------------------------------------------------------------------------


class TextInput(_Model):
    type: Literal["text"] = "text"
    text: str


class LocalImageInput(_Model):
    type: Literal["local_image"] = "local_image"
    path: Path


class ImageUrlInput(_Model):
    type: Literal["image_url"] = "image_url"
    image_url: str


UserInput = Annotated[TextInput | LocalImageInput | ImageUrlInput, Field(discriminator="type")]


# ---- events -------------------------------------------------------------------------------------------------------


class TokenUsage(_Model):
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_output_tokens=self.reasoning_output_tokens + other.reasoning_output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class TokenUsageInfo(_Model):
    total_token_usage: TokenUsage
    last_token_usage: TokenUsage
    model_context_window: int | None = None


class PlanItem(_Model):
    step: str
    status: Literal["pending", "in_progress", "completed"]


class FileChange(_Model):
    """One file of a patch, as front ends show it."""

    type: Literal["add", "delete", "update"]
    content: str | None = None
    unified_diff: str | None = None
    move_path: str | None = None


class SessionConfigured(_Model):
    type: Literal["session_configured"] = "session_configured"
    session_id: str
    model: str
    model_provider_id: str
    approval_policy: str
    sandbox_policy: dict[str, Any]
    cwd: str
    reasoning_effort: str | None = None
    rollout_path: str | None = None


class TaskStarted(_Model):
    type: Literal["task_started"] = "task_started"
    turn_id: str
    model_context_window: int | None = None


StopReason = Literal["max_tokens", "refusal"]
"""Why a turn ended short of a full answer: the model hit its output token limit, or it (or a UserPromptSubmit hook)
refused."""


class TaskComplete(_Model):
    type: Literal["task_complete"] = "task_complete"
    turn_id: str
    last_agent_message: str | None = None
    stop_reason: StopReason | None = None
    """Set when the turn ended short (see `StopReason`); None for a turn that ran to its end."""


class TurnAborted(_Model):
    type: Literal["turn_aborted"] = "turn_aborted"
    turn_id: str
    reason: Literal["interrupted", "replaced"] = "interrupted"


class UserMessage(_Model):
    type: Literal["user_message"] = "user_message"
    message: str
    images: tuple[str, ...] = ()


class AgentMessageDelta(_Model):
    type: Literal["agent_message_delta"] = "agent_message_delta"
    item_id: str
    delta: str


class AgentMessage(_Model):
    type: Literal["agent_message"] = "agent_message"
    message: str
    phase: str | None = None


class AgentReasoningDelta(_Model):
    type: Literal["agent_reasoning_delta"] = "agent_reasoning_delta"
    delta: str


class AgentReasoning(_Model):
    type: Literal["agent_reasoning"] = "agent_reasoning"
    text: str


class ExecCommandBegin(_Model):
    type: Literal["exec_command_begin"] = "exec_command_begin"
    call_id: str
    command: tuple[str, ...]
    cwd: str
    process_id: int | None = None


class ExecCommandOutputDelta(_Model):
    type: Literal["exec_command_output_delta"] = "exec_command_output_delta"
    call_id: str
    chunk: str


class ExecCommandEnd(_Model):
    type: Literal["exec_command_end"] = "exec_command_end"
    call_id: str
    command: tuple[str, ...]
    cwd: str
    exit_code: int
    aggregated_output: str
    duration_ms: int
    formatted_output: str = ""


class ExecApprovalRequest(_Model):
    type: Literal["exec_approval_request"] = "exec_approval_request"
    call_id: str
    command: tuple[str, ...]
    cwd: str
    reason: str | None = None
    proposed_execpolicy_amendment: tuple[str, ...] | None = None


class McpInvocation(_Model):
    server: str
    tool: str
    arguments: Any = None


class McpToolCallApprovalRequest(_Model):
    """A call to an external MCP server's tool that the approval policy (or the tool's hints) says to ask about."""

    type: Literal["mcp_tool_call_approval_request"] = "mcp_tool_call_approval_request"
    call_id: str
    invocation: McpInvocation
    reason: str | None = None


class NetworkApprovalRequest(_Model):
    """A sandboxed command wants to reach a host the network policy does not list."""

    type: Literal["network_approval_request"] = "network_approval_request"
    call_id: str
    host: str
    port: int | None = None
    protocol: str = "https"
    method: str | None = None
    reason: str | None = None
    profile: str | None = None
    """The permission profile whose allowlist an "always" answer (`approved_execpolicy_amendment`) extends."""


class ApplyPatchApprovalRequest(_Model):
    type: Literal["apply_patch_approval_request"] = "apply_patch_approval_request"
    call_id: str
    changes: dict[str, FileChange]
    reason: str | None = None
    grant_root: str | None = None


class PatchApplyBegin(_Model):
    type: Literal["patch_apply_begin"] = "patch_apply_begin"
    call_id: str
    auto_approved: bool
    changes: dict[str, FileChange]


class PatchApplyEnd(_Model):
    type: Literal["patch_apply_end"] = "patch_apply_end"
    call_id: str
    stdout: str
    stderr: str
    success: bool
    changes: dict[str, FileChange] = Field(default_factory=lambda: {})


class TurnDiff(_Model):
    type: Literal["turn_diff"] = "turn_diff"
    unified_diff: str


class PlanUpdate(_Model):
    type: Literal["plan_update"] = "plan_update"
    explanation: str | None = None
    plan: tuple[PlanItem, ...]


class TokenCount(_Model):
    type: Literal["token_count"] = "token_count"
    info: TokenUsageInfo | None = None


class StreamError(_Model):
    """A retry is under way (`Reconnecting... k/n (reason)`)."""

    type: Literal["stream_error"] = "stream_error"
    message: str


class Warning(_Model):
    type: Literal["warning"] = "warning"
    message: str


class Error(_Model):
    """A fatal error: the turn fails."""

    type: Literal["error"] = "error"
    message: str


class HookStarted(_Model):
    """A hook command started (its status message, or its event and command)."""

    type: Literal["hook_started"] = "hook_started"
    event: str
    message: str
    key: str = ""
    """The hook's key in `[hooks.state]` (pairs a start with its end)."""
    source: str = ""
    """The file it was configured in."""


class HookCompleted(_Model):
    """A hook command finished: what it decided, or why it failed (a failed hook is ignored)."""

    type: Literal["hook_completed"] = "hook_completed"
    event: str
    status: Literal["completed", "blocked", "failed"]
    message: str
    key: str = ""
    source: str = ""


class AutoReviewVerdict(_Model):
    """The automatic approvals reviewer answered a question (`approvals_reviewer = "auto_review"`)."""

    type: Literal["auto_review_verdict"] = "auto_review_verdict"
    call_id: str
    status: Literal["approved", "denied", "timed_out", "failed"]
    risk_level: Literal["low", "medium", "high", "critical"] | None = None
    user_authorization: Literal["unknown", "low", "medium", "high"] | None = None
    rationale: str = ""
    action: dict[str, Any] = Field(default_factory=lambda: dict[str, Any]())


CollabTool = Literal["spawn_agent", "send_input", "wait", "close_agent", "resume_agent"]
"""The sub-agent tool a call used (`wait_agent` is `wait`, as Codex names it; exec reports `resume_agent` as
`wait` too, the app-server as `resumeAgent`)."""


class CollabToolCallBegin(_Model):
    """A sub-agent tool call started (a spawn's child is not known yet: its id comes with the end)."""

    type: Literal["collab_tool_call_begin"] = "collab_tool_call_begin"
    call_id: str
    tool: CollabTool
    sender_thread_id: str
    receiver_thread_ids: tuple[str, ...] = ()
    prompt: str | None = None


class CollabToolCallEnd(_Model):
    """A sub-agent tool call ended: the children it concerned and their states (`agents_states` maps a child's id
    to `{"status": <snake_case word>, "message": <its final or error message, or None>}`)."""

    type: Literal["collab_tool_call_end"] = "collab_tool_call_end"
    call_id: str
    tool: CollabTool
    sender_thread_id: str
    receiver_thread_ids: tuple[str, ...] = ()
    prompt: str | None = None
    agents_states: dict[str, dict[str, Any]] = Field(default_factory=lambda: {})
    status: Literal["completed", "failed"] = "completed"
    model: str | None = None
    """For a spawn: the model the child runs (None when it could not start)."""
    reasoning_effort: str | None = None


class ViewImageToolCall(_Model):
    """The model looked at an image file (`view_image`; sent once the file was read)."""

    type: Literal["view_image_tool_call"] = "view_image_tool_call"
    call_id: str
    path: str


class SubAgentActivity(_Model):
    """A child of this thread started (spawned or resumed), was given input, was interrupted, or finished a task
    (completed or errored). Sent on the parent's stream, in the parent's current turn ("" between turns)."""

    type: Literal["sub_agent_activity"] = "sub_agent_activity"
    agent_thread_id: str
    agent_path: str
    """How the parent addresses the child (v1 agents: its thread id, as in `<subagent_notification>`)."""
    kind: Literal["started", "interacted", "interrupted", "completed"]
    model: str | None = None
    reasoning_effort: str | None = None


class McpToolCallBegin(_Model):
    type: Literal["mcp_tool_call_begin"] = "mcp_tool_call_begin"
    call_id: str
    invocation: McpInvocation


class McpToolCallEnd(_Model):
    type: Literal["mcp_tool_call_end"] = "mcp_tool_call_end"
    call_id: str
    invocation: McpInvocation
    duration_ms: int
    result: dict[str, Any] | None = None
    error: str | None = None
    is_error: bool = False


EventMsg = Annotated[
    SessionConfigured
    | TaskStarted
    | TaskComplete
    | TurnAborted
    | UserMessage
    | AgentMessageDelta
    | AgentMessage
    | AgentReasoningDelta
    | AgentReasoning
    | ExecCommandBegin
    | ExecCommandOutputDelta
    | ExecCommandEnd
    | ExecApprovalRequest
    | ApplyPatchApprovalRequest
    | McpToolCallApprovalRequest
    | NetworkApprovalRequest
    | PatchApplyBegin
    | PatchApplyEnd
    | TurnDiff
    | PlanUpdate
    | TokenCount
    | StreamError
    | Warning
    | Error
    | McpToolCallBegin
    | McpToolCallEnd
    | HookStarted
    | HookCompleted
    | AutoReviewVerdict
    | CollabToolCallBegin
    | CollabToolCallEnd
    | ViewImageToolCall
    | SubAgentActivity,
    Field(discriminator="type"),
]


class Event(_Model):
    """One event of a session: `id` is the turn it belongs to ("" outside turns)."""

    id: str
    msg: EventMsg


# ---- approvals ----------------------------------------------------------------------------------------------------

ApprovalRequest = Annotated[
    ExecApprovalRequest | ApplyPatchApprovalRequest | McpToolCallApprovalRequest | NetworkApprovalRequest,
    Field(discriminator="type"),
]
"""Every question the agent asks before acting: one family, answered by `ApprovalHandler.request_approval`."""

ReviewDecision = Literal["approved", "approved_for_session", "approved_execpolicy_amendment", "denied", "abort"]
