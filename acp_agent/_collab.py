"""Tool calls that have no call events of their own in the other mappings: `view_image` (kind read) and the
sub-agent tools (spawn, message, wait, close, resume: kind other, with each sub-agent's state at the end)."""

from __future__ import annotations

from typing import Any

from acp import start_tool_call, text_block, tool_content, update_tool_call
from acp.schema import ToolCallLocation, ToolCallProgress, ToolCallStart

from agent import protocol as p

_TITLES = {
    "spawn_agent": "Start a sub-agent",
    "send_input": "Message a sub-agent",
    "wait": "Wait for sub-agents",
    "close_agent": "Close a sub-agent",
    "resume_agent": "Resume a sub-agent",
}


def view_image(msg: p.ViewImageToolCall) -> list[Any]:
    """The image was read: one finished `read` call at its path."""
    return [
        start_tool_call(
            msg.call_id,
            f"View image {msg.path}",
            kind="read",
            status="completed",
            locations=[ToolCallLocation(path=msg.path)],
            raw_input={"path": msg.path},
        )
    ]


def collab_begin(msg: p.CollabToolCallBegin) -> ToolCallStart:
    raw: dict[str, Any] = {"agents": list(msg.receiver_thread_ids)}
    if msg.prompt:
        raw["prompt"] = msg.prompt
    content = [tool_content(text_block(msg.prompt))] if msg.prompt else None
    return start_tool_call(
        msg.call_id, _TITLES.get(msg.tool, msg.tool), kind="other", status="in_progress", content=content, raw_input=raw
    )


def collab_end(msg: p.CollabToolCallEnd) -> ToolCallProgress:
    """The call's end: each sub-agent it concerned, its state and its last message."""
    lines: list[str] = []
    for agent_id in msg.receiver_thread_ids or tuple(msg.agents_states):
        state = msg.agents_states.get(agent_id) or {}
        line = f"{agent_id}: {state.get('status', 'unknown')}"
        if state.get("message"):
            line += f"\n{state['message']}"
        lines.append(line)
    content = [tool_content(text_block("\n\n".join(lines)))] if lines else None
    return update_tool_call(
        msg.call_id,
        status=msg.status,
        content=content,
        raw_output={"agents": msg.agents_states, "model": msg.model} if msg.model else {"agents": msg.agents_states},
    )
