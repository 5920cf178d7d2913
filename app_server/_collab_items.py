"""Sub-agent work as Codex's app-server items: `collabAgentToolCall` (one per sub-agent tool call, started then
completed) and `subAgentActivity` (a child started, was given input, was interrupted, finished)."""

from __future__ import annotations

import uuid
from typing import Any

from agent import protocol as p

# The engine's tool names (`agent.protocol.CollabTool`) → Codex's `CollabAgentTool`.
_TOOLS = {
    "spawn_agent": "spawnAgent",
    "send_input": "sendInput",
    "wait": "wait",
    "close_agent": "closeAgent",
    "resume_agent": "resumeAgent",
}


def _camel(word: str) -> str:
    head, *rest = word.split("_")
    return head + "".join(part.capitalize() for part in rest)


def agent_states(states: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`agentsStates`: each child's status word in camelCase (`pendingInit`, `notFound`, …) and its message."""
    return {
        thread_id: {"status": _camel(str(state.get("status", ""))), "message": state.get("message")}
        for thread_id, state in states.items()
    }


def collab_item(msg: p.CollabToolCallBegin | p.CollabToolCallEnd) -> dict[str, Any]:
    """The `collabAgentToolCall` item of a call: `inProgress` at its begin, `completed` or `failed` at its end."""
    ended = isinstance(msg, p.CollabToolCallEnd)
    return {
        "type": "collabAgentToolCall",
        "id": msg.call_id,
        "tool": _TOOLS[msg.tool],
        "senderThreadId": msg.sender_thread_id,
        "receiverThreadIds": list(msg.receiver_thread_ids),
        "prompt": msg.prompt,
        "model": msg.model if ended else None,
        "reasoningEffort": msg.reasoning_effort if ended else None,
        "agentsStates": agent_states(msg.agents_states) if ended else {},
        "status": msg.status if ended else "inProgress",
    }


def activity_item(msg: p.SubAgentActivity) -> dict[str, Any]:
    """The `subAgentActivity` item (a new id each time: every activity is its own item)."""
    return {
        "type": "subAgentActivity",
        "id": str(uuid.uuid4()),
        "agentPath": msg.agent_path,
        "agentThreadId": msg.agent_thread_id,
        "kind": msg.kind,
        "model": msg.model,
        "reasoningEffort": msg.reasoning_effort,
    }
