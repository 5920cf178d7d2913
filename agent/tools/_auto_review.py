"""The automatic approvals reviewer (`approvals_reviewer = "auto_review"`): a read-only model request that answers
an approval question in place of the person at the front door.

The reviewer sees the recent transcript (budgeted, truncated) and the planned action as JSON, and answers with a
JSON verdict under `VERDICT_SCHEMA` (Codex's field names: `outcome`, `risk_level`, `user_authorization`,
`rationale`). It fails closed: a timeout, a model error or an unreadable verdict is a denial. Too many denials in
one turn (3 in a row, or 10 among the last 50 reviews) abort the turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import anyio

from .._protocol import (
    ApplyPatchApprovalRequest,
    ApprovalRequest,
    AutoReviewVerdict,
    ExecApprovalRequest,
    McpToolCallApprovalRequest,
    NetworkApprovalRequest,
    ReviewDecision,
    Warning,
)
from ..errors import ProviderError
from ..model import Prompt

if TYPE_CHECKING:
    from ._base import ToolContext

JsonObject = dict[str, Any]
RiskLevel = Literal["low", "medium", "high", "critical"]
UserAuthorization = Literal["unknown", "low", "medium", "high"]
REVIEWERS = ("auto_review", "guardian_subagent")
VERDICT_SCHEMA: JsonObject = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "risk_level": {"type": "string", "enum": list(get_args(RiskLevel))},
        "user_authorization": {"type": "string", "enum": list(get_args(UserAuthorization))},
        "outcome": {"type": "string", "enum": ["allow", "deny"]},
        "rationale": {"type": "string"},
    },
    "required": ["risk_level", "user_authorization", "outcome", "rationale"],
}
"""The verdict the reviewer must give (also how tests tell a review request from the main model's). Every field is
required because requests use strict structured output; reading the answer is lenient all the same (only `outcome`
must be there, as in Codex)."""
REVIEW_TIMEOUT_S = 90.0
_MAX_IN_A_ROW = 3
_MAX_IN_WINDOW = (10, 50)
_MESSAGE_BUDGET = 40_000  # characters (about 10k tokens) of messages, and as many of tool traffic
_ENTRY_BUDGET = {"message": 8_000, "tool": 4_000}
_MAX_RECENT = 40
_ACTION_BUDGET = 64_000
_DEFAULT_RATIONALE = "The reviewer gave no reason."
_GUIDANCE = (
    "Do not try to reach the same result another way that avoids the review; "
    "tell the user what was refused and why, or choose a safer approach."
)

_POLICY = """You review one action a coding agent wants to take, on behalf of the user who is not watching.
Judge the risk of the planned action in the context of the conversation, and whether the user asked for it.
Allow routine development work: reading and editing files of the project, running its tests and builds,
installing its declared dependencies. Deny what could destroy data outside the task, leak secrets or private
data, reach unexpected network destinations, weaken security settings, or act against the user's evident wishes.
Answer with a single JSON object only: {"outcome": "allow"|"deny", "risk_level": "low"|"medium"|"high"|"critical",
"user_authorization": "unknown"|"low"|"medium"|"high", "rationale": "<one or two sentences>"}."""


@dataclass
class ReviewState:
    """One turn's reviews: the denials so far (for the circuit breaker) and the reasons the model is told."""

    timeout_s: float = field(default_factory=lambda: REVIEW_TIMEOUT_S)
    denied: list[bool] = field(default_factory=lambda: list[bool]())
    reasons: dict[str, str] = field(default_factory=lambda: dict[str, str]())


def reviewer_enabled(ctx: ToolContext) -> bool:
    """Whether approvals go to the automatic reviewer (configured, and the policy is one that asks)."""
    reviewer = ctx.config.toml.approvals_reviewer
    return reviewer in REVIEWERS and ctx.config.approval_policy == "on-request" and ctx.model is not None


def denial_text(ctx: ToolContext, call_id: str, default: str) -> str:
    """What the model is told about a denied call: the reviewer's reason when it reviewed the call."""
    return ctx.reviews.reasons.get(call_id, default)


async def review(ctx: ToolContext, request: ApprovalRequest) -> ReviewDecision:
    """Ask the reviewer about `request`; record and show its verdict; "abort" when too many were denied."""
    assert ctx.model is not None
    action = planned_action(request)
    status: Literal["approved", "denied", "timed_out", "failed"] = "timed_out"
    rationale = ""
    risk: RiskLevel | None = None
    authorization: UserAuthorization | None = None
    with anyio.move_on_after(ctx.reviews.timeout_s) as scope:
        try:
            response = await ctx.model.stream(_prompt(ctx, action), _QuietSink())
            text = "".join(_output_texts(response.items))
            outcome, risk, authorization, rationale = parse_verdict(text)
            status = "approved" if outcome == "allow" else "denied"
        except (ProviderError, ValueError, OSError, RuntimeError) as exc:  # fail closed on whatever the review hits
            status, rationale = "failed", f"Automatic approval review failed ({exc}); the action was not allowed."
    if scope.cancelled_caught:
        status = "timed_out"
        rationale = f"Automatic approval review did not answer within {ctx.reviews.timeout_s:g} s."
    await ctx.emit(
        AutoReviewVerdict(
            call_id=request.call_id,
            status=status,
            risk_level=risk,
            user_authorization=authorization,
            rationale=rationale,
            action=action,
        )
    )
    denied = status != "approved"
    ctx.reviews.denied.append(denied)
    if not denied:
        return "approved"
    ctx.reviews.reasons[request.call_id] = (
        f"This action was rejected by the automatic approval reviewer.\nReason: {rationale}\n{_GUIDANCE}"
    )
    if _too_many(ctx.reviews.denied):
        await ctx.emit(
            Warning(
                message="The automatic approval reviewer rejected too many actions in this turn; interrupting the turn."
            )
        )
        return "abort"
    return "denied"


def _too_many(denied: list[bool]) -> bool:
    recent = denied[-_MAX_IN_A_ROW:]
    if len(recent) == _MAX_IN_A_ROW and all(recent):
        return True
    limit, window = _MAX_IN_WINDOW
    return sum(denied[-window:]) >= limit


def parse_verdict(text: str) -> tuple[str, RiskLevel, UserAuthorization, str]:
    """(outcome, risk level, user authorisation, rationale) from the reviewer's answer.

    Raises:
        ValueError: no JSON object with an `outcome` of allow or deny.
    """
    data: Any
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise ValueError("the reviewer's answer is not JSON") from None
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            raise ValueError("the reviewer's answer is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the reviewer's answer is not a JSON object")
    verdict: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
    outcome = verdict.get("outcome")
    if outcome not in ("allow", "deny"):
        raise ValueError("the reviewer's answer has no outcome of allow or deny")
    risk_raw = verdict.get("risk_level")
    risk: RiskLevel = "low" if outcome == "allow" else "high"
    if risk_raw in get_args(RiskLevel):
        risk = cast(RiskLevel, risk_raw)
    auth_raw = verdict.get("user_authorization")
    authorization: UserAuthorization = "unknown"
    if auth_raw in get_args(UserAuthorization):
        authorization = cast(UserAuthorization, auth_raw)
    rationale = verdict.get("rationale")
    return outcome, risk, authorization, rationale if isinstance(rationale, str) and rationale else _DEFAULT_RATIONALE


def planned_action(request: ApprovalRequest) -> JsonObject:
    """The planned action as the reviewer sees it."""
    match request:
        case ExecApprovalRequest():
            return {
                "tool": "exec_command",
                "command": list(request.command),
                "cwd": request.cwd,
                "justification": request.reason,
            }
        case ApplyPatchApprovalRequest():
            return {"tool": "apply_patch", "files": sorted(request.changes), "reason": request.reason}
        case McpToolCallApprovalRequest(invocation=call):
            return {"tool": "mcp_tool_call", "server": call.server, "tool_name": call.tool, "arguments": call.arguments}
        case NetworkApprovalRequest():
            return {"tool": "network_access", "host": request.host, "port": request.port, "method": request.method}


def _prompt(ctx: ToolContext, action: JsonObject) -> Prompt:
    action_json = json.dumps(action, indent=2, sort_keys=True, default=str)
    if len(action_json) > _ACTION_BUDGET:
        action_json = _truncate(action_json, _ACTION_BUDGET)
    parts = [
        "Review the planned action of the coding agent whose conversation follows.",
        ">>> TRANSCRIPT START",
        *transcript(ctx.history),
        ">>> TRANSCRIPT END",
        ">>> APPROVAL REQUEST START",
        "Planned action JSON:",
        action_json,
        ">>> APPROVAL REQUEST END",
    ]
    policy = _POLICY
    extra = ctx.config.toml.auto_review
    if extra is not None and extra.policy:
        policy += f"\n\nPolicy of this workspace:\n{extra.policy}"
    return Prompt(
        model=ctx.config.model,
        input=[
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": policy}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "\n".join(parts)}]},
        ],
        tools=[],
        parallel_tool_calls=False,
        output_schema=VERDICT_SCHEMA,
    )


def transcript(history: list[JsonObject]) -> list[str]:
    """`[N] role: text` entries: the first and last user messages always, then the most recent others in budget."""
    entries: list[tuple[int, str, str]] = []  # (index, kind, text)
    for item in history:
        entry = _entry(item)
        if entry is not None:
            entries.append((len(entries) + 1, *entry))
    users = [e for e in entries if e[1] == "user"]
    keep = {e[0] for e in (users[:1] + users[-1:])}
    spent = {"message": 0, "tool": 0}
    recent = 0
    for index, kind, text in reversed(entries):
        if index in keep or kind == "user" or recent >= _MAX_RECENT:
            continue
        budget = "tool" if kind == "tool" else "message"
        cost = min(len(text), _ENTRY_BUDGET[budget])
        if spent[budget] + cost > _MESSAGE_BUDGET:
            continue
        spent[budget] += cost
        recent += 1
        keep.add(index)
    lines: list[str] = []
    for index, kind, text in entries:
        if index in keep:
            limit = _ENTRY_BUDGET["tool" if kind == "tool" else "message"]
            lines.append(f"[{index}] {text if len(text) <= limit else _truncate(text, limit)}")
    if len(lines) < len(entries):
        lines.append("Some conversation entries were omitted.")
    return lines


def _entry(item: JsonObject) -> tuple[str, str] | None:
    kind = item.get("type")
    if kind == "message" and item.get("role") in ("user", "assistant"):
        text = "".join(str(p.get("text", "")) for p in item.get("content") or [] if isinstance(p, dict))  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType, reportUnknownArgumentType]
        if item.get("role") == "user" and text.lstrip().startswith("<"):
            return None  # contextual (environment, instructions), not the user's words
        return str(item["role"]), f"{item['role']}: {text}"
    if kind in ("function_call", "custom_tool_call"):
        args = item.get("arguments", item.get("input", ""))
        return "tool", f"tool {item.get('name')} call: {args}"
    if kind in ("function_call_output", "custom_tool_call_output"):
        return "tool", f"tool result: {item.get('output')}"
    return None


def _truncate(text: str, limit: int) -> str:
    half = limit // 2
    omitted = (len(text) - limit) // 4
    return f'{text[:half]}<truncated omitted_approx_tokens="{omitted}" />{text[-half:]}'


def _output_texts(items: list[JsonObject]) -> list[str]:
    texts: list[str] = []
    for item in items:
        if item.get("type") == "message":
            texts.extend(str(p.get("text", "")) for p in item.get("content") or [] if isinstance(p, dict))  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType, reportUnknownArgumentType]
    return texts


class _QuietSink:
    """The review's stream is not shown: only its verdict is."""

    async def on_text_delta(self, item_id: str, delta: str) -> None:
        pass

    async def on_reasoning_delta(self, delta: str) -> None:
        pass

    async def on_raw_reasoning_delta(self, delta: str) -> None:
        pass

    async def on_retry(self, message: str) -> None:
        pass
