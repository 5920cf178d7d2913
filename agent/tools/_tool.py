"""A tool is an object: its definition for each model wire, its handler, whether it may run beside other calls,
and what it asks before acting. The registry is a list of them (plus the MCP servers' tools, found by name)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._base import ToolContext

JsonObject = dict[str, Any]
Wire = Literal["responses", "chat"]
ApprovalKind = Literal["command", "patch", "mcp_tool_call"]
"""What a tool may ask about before it acts (the `ApprovalRequest` it sends): see `_approvals.ask`."""


@dataclass(frozen=True)
class ToolCall:
    """One call as the handler sees it: JSON arguments for function tools, the raw text for freeform ones."""

    call_id: str
    name: str
    arguments: JsonObject
    input: str | None = None
    namespace: str | None = None
    """The Responses namespace the call came with (`mcp__<server>` for an MCP tool on OpenAI's wire), or None."""


Output = str | list[JsonObject]
Handler = Callable[["ToolContext", ToolCall], Awaitable[Output]]


@dataclass(frozen=True)
class Tool:
    """One tool the model can call.

    `spec` is the Responses API definition; `chat_spec` replaces it on the Chat Completions wire when the two differ
    (a freeform tool becomes a function taking `input`). `parallel` tools may run concurrently when a response asks
    for several of them at once.
    """

    name: str
    spec: JsonObject
    handler: Handler
    parallel: bool = False
    approval: ApprovalKind | None = None
    chat_spec: JsonObject | None = None

    @property
    def freeform(self) -> bool:
        return self.spec.get("type") == "custom"

    def spec_for(self, wire: Wire) -> JsonObject:
        """A fresh copy of the definition for `wire` (callers may change it)."""
        import copy

        return copy.deepcopy(self.chat_spec if wire == "chat" and self.chat_spec is not None else self.spec)


class ToolRegistry:
    """The tools of a session: the built-in ones in the order the model sees them, and the MCP bridge's."""

    def __init__(
        self,
        tools: Sequence[Tool],
        mcp: Any = None,
        namespaces: dict[str, tuple[JsonObject, Sequence[Tool]]] | None = None,
    ) -> None:
        self.tools = list(tools)
        self._by_name = {tool.name: tool for tool in self.tools}
        self.mcp = mcp
        self.namespaces = namespaces or {}
        """Built-in tool groups (the sub-agent tools): name → (the Responses namespace entry, its tools)."""
        for _, grouped in self.namespaces.values():
            self._by_name.update({tool.name: tool for tool in grouped})
        """The session's `McpBridge`, or None (typed loosely to keep `mcp` out of imports)."""

    def specs(self, wire: Wire, *, namespaces: bool) -> list[JsonObject]:
        """The definitions for a request: built-in tools, then the MCP servers' (grouped in namespaces when the
        wire supports them)."""
        specs = [tool.spec_for(wire) for tool in self.tools]
        for entry, grouped in self.namespaces.values():
            specs.extend([entry] if namespaces else [tool.spec_for(wire) for tool in grouped])
        if self.mcp is not None:
            specs.extend(self.mcp.tool_specs(namespaces=namespaces))
        return specs

    def find(self, name: str, namespace: str | None) -> Tool | None:
        """The tool a call names, or None when nothing answers to that name."""
        if self.mcp is not None:
            tool = self.mcp.find_tool(name, namespace)
            if tool is not None:
                return tool
        if namespace:
            grouped = self.namespaces.get(namespace)
            return next((tool for tool in grouped[1] if tool.name == name), None) if grouped else None
        return self._by_name.get(name)

    def all_parallel(self, calls: Sequence[tuple[str, str | None]]) -> bool:
        """Whether calls to all of these tools (name, namespace) may run at once."""
        return all((tool := self.find(name, namespace)) is not None and tool.parallel for name, namespace in calls)
