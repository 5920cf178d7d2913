"""`pycodex mcp tools` and `call`: start one configured server and list or call its tools."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from ._mcp_common import config_path, configured_server, fail, to_json


def tools(
    name: Annotated[str, typer.Argument(help="Name of the server.")],
    json_mode: Annotated[bool, typer.Option("--json", help="Print the tools as JSON.")] = False,
) -> None:
    """Start a server and print its tools."""
    import anyio

    from mcp_client import McpClientError, McpConnectionManager, default_codex_home, load_oauth_settings

    config = configured_server(name).model_copy(update={"enabled": True})

    async def run() -> list[dict[str, Any]]:
        settings = load_oauth_settings(config_path())
        async with McpConnectionManager({name: config}, codex_home=default_codex_home(), oauth=settings) as mcp:
            if name in mcp.failures:
                raise mcp.failures[name]
            return [
                {
                    "name": tool.qualified_name,
                    "tool": tool.tool.name,
                    "description": tool.tool.description or "",
                    "input_schema": tool.tool.input_schema,
                }
                for tool in mcp.list_tools()
            ]

    try:
        found = anyio.run(run)
    except McpClientError as exc:
        fail(exc.message)
    if json_mode:
        sys.stdout.write(to_json(found) + "\n")
        return
    for tool in found:
        first_line = tool["description"].strip().splitlines()[0] if tool["description"].strip() else ""
        sys.stdout.write(f"{tool['name']}  ({tool['tool']})  {first_line}".rstrip() + "\n")


def call(
    name: Annotated[str, typer.Argument(help="Name of the server.")],
    tool: Annotated[str, typer.Argument(help="The tool's name as the server lists it.")],
    arguments: Annotated[str, typer.Argument(help="The arguments, as a JSON object.")] = "{}",
) -> None:
    """Start a server, call one tool and print the result as JSON."""
    import json

    import anyio

    from mcp_client import (
        McpClientError,
        McpConnectionManager,
        default_codex_home,
        load_oauth_settings,
        tool_result_to_item_result,
    )

    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError as exc:
        fail(f"the arguments are not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})", 2)
    if not isinstance(parsed, dict):
        fail("the arguments must be a JSON object", 2)
    config = configured_server(name).model_copy(update={"enabled": True})

    async def run() -> tuple[dict[str, Any], bool]:
        settings = load_oauth_settings(config_path())
        async with McpConnectionManager({name: config}, codex_home=default_codex_home(), oauth=settings) as mcp:
            if name in mcp.failures:
                raise mcp.failures[name]
            result = await mcp.call_tool(name, tool, parsed)  # pyright: ignore[reportUnknownArgumentType]
            return tool_result_to_item_result(result), bool(result.is_error)

    try:
        shown, failed = anyio.run(run)
    except McpClientError as exc:
        fail(exc.message)
    sys.stdout.write(to_json(shown) + "\n")
    if failed:
        raise typer.Exit(1)
