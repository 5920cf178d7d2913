"""External MCP servers as tools of the turn: their tool list, calls, results, resources, and approvals.

The `mcp_client` package (and the `mcp` SDK under it, ~0.8 s to import) is loaded only when servers are configured.
On the OpenAI provider, tools are offered as Responses namespaces (`mcp__<server>` with the tools inside, called with
a namespaced function call), as Codex does; elsewhere as flat functions named `mcp__<server>__<tool>`. Calls in
either form are accepted whatever was offered.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._json import as_obj
from .._protocol import McpInvocation, McpToolCallApprovalRequest, McpToolCallBegin, McpToolCallEnd
from ..errors import McpStartupFailedError
from ._approvals import ask
from ._auto_review import denial_text
from ._base import RESOURCE_TOOLS, ToolContext, TurnAbort
from ._tool import Output, Tool, ToolCall

if TYPE_CHECKING:
    import mcp_client

    from ..config import Config

JsonObject = dict[str, Any]


_LIST_RESOURCES: JsonObject = {
    "type": "function",
    "name": "list_mcp_resources",
    "description": "List the resources MCP servers offer (files, records, documents). Give `server` to ask one "
    "server; use `cursor` from a previous answer to get the next page.",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "server": {"type": "string", "description": "Only this server's resources."},
            "cursor": {"type": "string", "description": "Continue a previous listing."},
        },
        "additionalProperties": False,
    },
}
_LIST_TEMPLATES: JsonObject = {
    **_LIST_RESOURCES,
    "name": "list_mcp_resource_templates",
    "description": "List the parameterised resource templates MCP servers offer.",
}
_READ_RESOURCE: JsonObject = {
    "type": "function",
    "name": "read_mcp_resource",
    "description": "Read one resource from an MCP server by its URI.",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "server": {"type": "string", "description": "The server that lists the resource."},
            "uri": {"type": "string", "description": "The resource's URI."},
        },
        "required": ["server", "uri"],
        "additionalProperties": False,
    },
}


def _for_the_model(spec: JsonObject) -> JsonObject:
    """A server's function spec as the model wire takes it: the input schema without its `$schema` (Codex sends
    the rest of the schema as the server wrote it)."""
    parameters = as_obj(spec.get("parameters"))
    if "$schema" in parameters:
        spec = {**spec, "parameters": {k: v for k, v in parameters.items() if k != "$schema"}}
    return spec


class McpBridge:
    """A running connection manager, seen from the turn loop."""

    def __init__(self, manager: mcp_client.McpConnectionManager) -> None:
        self.manager = manager

    def failures(self) -> dict[str, str]:
        """Servers that did not start, with why."""
        return {name: str(error) for name, error in self.manager.failures.items()}

    def tool_specs(self, *, namespaces: bool) -> list[JsonObject]:
        """Tool definitions for the request: the servers' tools, then the three resource tools."""
        if namespaces:
            tools: list[JsonObject] = self.manager.responses_namespaces()
            for namespace in tools:
                namespace["tools"] = [_for_the_model(spec) for spec in namespace["tools"]]
        else:
            tools = []
            for info in self.manager.list_tools():
                spec = _for_the_model(info.function_spec())
                spec["name"] = info.qualified_name
                tools.append(spec)
        return [*tools, _LIST_RESOURCES, _LIST_TEMPLATES, _READ_RESOURCE]

    def find_tool(self, name: str, namespace: str | None) -> Tool | None:
        """The tool object for a call to one of the servers' tools (or a resource tool), None when it names none."""
        if namespace is None and name in RESOURCE_TOOLS:

            async def resource(ctx: ToolContext, call: ToolCall) -> Output:
                return await self.resource_call(ctx, call.call_id, call.name, call.arguments)

            return Tool(name, {}, resource)
        if not namespace and not name.startswith("mcp__"):
            return None
        info = self.resolve(name, namespace)
        if info is None:
            return None
        found = info

        async def call_tool(ctx: ToolContext, call: ToolCall) -> Output:
            return await self.call(ctx, call.call_id, found, call.arguments)

        # `supports_parallel_tool_calls`: the server's calls may run at once when a response asks for several.
        parallel = self.manager.server_config(found.server).supports_parallel_tool_calls
        return Tool(name, {}, call_tool, parallel=parallel, approval="mcp_tool_call")

    def resolve(self, name: str, namespace: str | None) -> mcp_client.McpToolInfo | None:
        if namespace:
            return self.manager.find_namespaced_tool(namespace, name)
        return self.manager.find_tool(name)

    async def call(self, ctx: ToolContext, call_id: str, info: mcp_client.McpToolInfo, args: JsonObject) -> Any:
        """Call one tool (after approval when needed) and return the model's output."""
        import mcp_client

        invocation = McpInvocation(server=info.server, tool=info.tool.name, arguments=args)
        if self._needs_approval(ctx, info):
            request = McpToolCallApprovalRequest(
                call_id=call_id,
                invocation=invocation,
                reason=f"Call the tool `{info.tool.name}` of the MCP server `{info.server}`?",
            )
            decision = await ask(ctx, request, [f"{info.server}/{info.tool.name}"])
            if decision == "abort":
                raise TurnAbort
            if decision == "denied":
                return denial_text(ctx, call_id, "tool call rejected by user")
        await ctx.emit(McpToolCallBegin(call_id=call_id, invocation=invocation))
        started = time.monotonic()
        try:
            result = await self.manager.call_tool(info.server, info.tool.name, args)
        except mcp_client.McpClientError as exc:
            await ctx.emit(
                McpToolCallEnd(
                    call_id=call_id,
                    invocation=invocation,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    error=str(exc),
                    is_error=True,
                )
            )
            return f"tool call failed: {exc}"
        wall = time.monotonic() - started
        await ctx.emit(
            McpToolCallEnd(
                call_id=call_id,
                invocation=invocation,
                duration_ms=int(wall * 1000),
                result=mcp_client.tool_result_to_item_result(result),
                is_error=bool(result.is_error),
            )
        )
        return mcp_client.tool_result_to_model_output(result, wall)

    def _needs_approval(self, ctx: ToolContext, info: mcp_client.McpToolInfo) -> bool:
        approval = ctx.config.approval_policy
        if approval == "never":
            # Nobody can be asked; the sandbox does not cover external tools, the policy is the user's choice.
            return False
        mode = self.manager.server_config(info.server).approval_mode_for(info.tool.name)
        if mode == "approve":
            return False
        if mode == "prompt":
            return True
        hints = info.tool.annotations
        if hints is None:
            return True
        if hints.destructive_hint:
            return True
        if hints.read_only_hint:
            return False
        return hints.destructive_hint is None or hints.open_world_hint is not False

    async def resource_call(self, ctx: ToolContext, call_id: str, name: str, args: JsonObject) -> str:
        """`list_mcp_resources`, `list_mcp_resource_templates` or `read_mcp_resource`, reported like tool calls."""
        import mcp_client

        server = args.get("server")
        server = server if isinstance(server, str) and server else None
        invocation = McpInvocation(server=server or "", tool=name, arguments=args)
        await ctx.emit(McpToolCallBegin(call_id=call_id, invocation=invocation))
        started = time.monotonic()
        error: str | None = None
        payload: Any = None
        try:
            if name == "list_mcp_resources":
                payload = await self.manager.list_resources(server, as_obj(args).get("cursor"))
            elif name == "list_mcp_resource_templates":
                payload = await self.manager.list_resource_templates(server, as_obj(args).get("cursor"))
            else:
                uri = args.get("uri")
                if server is None or not isinstance(uri, str):
                    error = "read_mcp_resource needs `server` and `uri`"
                else:
                    payload = await self.manager.read_resource(server, uri)
        except mcp_client.McpClientError as exc:
            error = str(exc)
        text = error if error is not None else mcp_client.compact_json(payload)
        await ctx.emit(
            McpToolCallEnd(
                call_id=call_id,
                invocation=invocation,
                duration_ms=int((time.monotonic() - started) * 1000),
                result=None if error else {"content": [{"type": "text", "text": text}], "structured_content": None},
                error=error,
                is_error=error is not None,
            )
        )
        return text


def oauth_settings(config: Config) -> mcp_client.McpOAuthSettings:
    """How the session's MCP client logs in to servers (`mcp_oauth_*` keys of the config)."""
    import mcp_client

    return mcp_client.McpOAuthSettings(
        credentials_store=config.toml.mcp_oauth_credentials_store,
        callback_port=config.toml.mcp_oauth_callback_port,
        callback_url=config.toml.mcp_oauth_callback_url,
    )


async def start_bridge(
    servers: Mapping[str, mcp_client.McpServerConfig],
    *,
    codex_home: Any,
    oauth: Any,
    elicitation_handler: Any,
    authorization_handler: Any = None,
) -> tuple[mcp_client.McpConnectionManager, McpBridge]:
    """Enter a connection manager for `servers`; a failing `required` server becomes `McpStartupFailedError`."""
    import mcp_client

    kwargs: dict[str, Any] = {"codex_home": codex_home, "oauth": oauth}
    if elicitation_handler is not None:
        kwargs["elicitation_handler"] = elicitation_handler
    if authorization_handler is not None:
        kwargs["authorization_handler"] = authorization_handler
    manager = mcp_client.McpConnectionManager(dict(servers), **kwargs)
    try:
        await manager.__aenter__()
    except mcp_client.McpRequiredServerError as exc:
        raise McpStartupFailedError(str(exc)) from None
    return manager, McpBridge(manager)
