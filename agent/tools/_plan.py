"""`update_plan`: the model keeps a visible plan of its steps."""

from __future__ import annotations

from typing import Any

from .._protocol import PlanItem, PlanUpdate
from ._base import ArgumentError, ToolContext
from ._tool import Output, Tool, ToolCall

JsonObject = dict[str, Any]

UPDATE_PLAN: JsonObject = {
    "type": "function",
    "name": "update_plan",
    "description": (
        "Record the plan for the task as a list of steps with their status, and keep it current as work "
        "progresses. At most one step may be in_progress.\n"
    ),
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "explanation": {"type": "string", "description": "Why the plan changed (optional)."},
            "plan": {
                "type": "array",
                "description": "The steps, in order.",
                "items": {
                    "type": "object",
                    "properties": {
                        "status": {
                            "type": "string",
                            "description": "Where this step stands.",
                            "enum": ["pending", "in_progress", "completed"],
                        },
                        "step": {"type": "string", "description": "What the step does."},
                    },
                    "required": ["step", "status"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["plan"],
        "additionalProperties": False,
    },
}


async def _update_plan(ctx: ToolContext, call: ToolCall) -> Output:
    raw = call.arguments.get("plan")
    if not isinstance(raw, list):
        raise ArgumentError("failed to parse function arguments: missing field `plan`")
    try:
        plan = [PlanItem.model_validate(step) for step in raw]  # pyright: ignore[reportUnknownVariableType]
    except ValueError as exc:
        raise ArgumentError(f"failed to parse function arguments: {exc}") from None
    explanation = call.arguments.get("explanation")
    ctx.plan[:] = plan
    await ctx.emit(PlanUpdate(explanation=explanation if isinstance(explanation, str) else None, plan=tuple(plan)))
    return "Plan updated"


UPDATE_PLAN_TOOL = Tool("update_plan", UPDATE_PLAN, _update_plan, parallel=True)
