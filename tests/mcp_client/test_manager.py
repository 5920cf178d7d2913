from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import mcp.types as types
import pytest

from mcp_client import (
    ElicitationRequest,
    McpClosedError,
    McpConnectionManager,
    McpRequiredServerError,
    McpStartupTimeoutError,
    McpToolError,
    McpToolTimeoutError,
    McpUnknownServerError,
    McpUnknownToolError,
    parse_mcp_servers,
    tool_result_to_model_output,
)

from .conftest import everything_table, filesystem_table, serve_asgi, toolbox_table
from .servers.toolbox import build_server

pytestmark = pytest.mark.anyio


def _text(result: types.CallToolResult) -> list[str]:
    return [block.text for block in result.content if isinstance(block, types.TextContent)]


async def test_real_stdio_servers_start_together_and_their_tools_get_qualified_names(tmp_path: Path) -> None:
    servers = parse_mcp_servers(
        {"everything": everything_table(), "fs": filesystem_table(tmp_path), "toolbox": toolbox_table()}
    )
    async with McpConnectionManager(servers) as mcp:
        assert mcp.failures == {}
        assert mcp.running_servers == ["everything", "fs", "toolbox"]
        names = {tool.qualified_name: tool for tool in mcp.list_tools()}

        assert {"mcp__everything__echo", "mcp__everything__get_sum", "mcp__fs__list_directory"} <= set(names)
        assert {"mcp__toolbox__echo", "mcp__toolbox__get_sum", "mcp__toolbox__signup"} <= set(names)
        get_sum = names["mcp__everything__get_sum"]
        assert (get_sum.server, get_sum.tool.name, get_sum.namespace, get_sum.name) == (
            "everything",
            "get-sum",
            "mcp__everything",
            "get_sum",
        )
        assert mcp.find_namespaced_tool("mcp__toolbox", "get_sum") == names["mcp__toolbox__get_sum"]
        assert mcp.find_tool("mcp__everything__echo") == names["mcp__everything__echo"]
        assert mcp.server_info("everything").protocol_version == "2025-11-25"
        # The handshake era whenever a server offers it (it has the back-channel `ctx.elicit` needs).
        assert mcp.server_info("toolbox").protocol_version == "2025-11-25"
        # Schemas stay as the server wrote them (removing `$schema` is the model wire's business, in the agent).
        echo = names["mcp__everything__echo"]
        assert echo.tool.input_schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        assert echo.function_spec()["parameters"] == echo.tool.input_schema


async def test_a_call_to_server_everything_reaches_the_model_as_codex_shows_it() -> None:
    async with McpConnectionManager(parse_mcp_servers({"everything": everything_table()})) as mcp:
        result = await mcp.call_tool("everything", "echo", {"message": "hi"})

    assert tool_result_to_model_output(result, 0.0084) == [
        {"type": "input_text", "text": "Wall time: 0.0084 seconds\nOutput:"},
        {"type": "input_text", "text": "Echo: hi"},
    ]


async def test_a_json_rpc_error_from_the_server_is_an_error_result_with_codex_text() -> None:
    async with McpConnectionManager(parse_mcp_servers({"everything": everything_table()})) as mcp:
        result = await mcp.call_tool("everything", "get-sum", {"a": "two"})

    assert result.is_error is True
    assert _text(result)[0].startswith("MCP error -32602: ")


async def test_server_filesystem_reads_files_inside_its_root(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("remember the milk\n", encoding="utf-8")
    async with McpConnectionManager(parse_mcp_servers({"fs": filesystem_table(tmp_path)})) as mcp:
        result = await mcp.call_tool("fs", "read_text_file", {"path": str(tmp_path / "notes.txt")})
        outside = await mcp.call_tool("fs", "read_text_file", {"path": "/etc/hostname"})

    assert _text(result) == ["remember the milk\n"]
    assert outside.is_error is True


async def test_structured_and_image_results_from_our_server_convert_for_the_model() -> None:
    async with McpConnectionManager(parse_mcp_servers({"toolbox": toolbox_table()})) as mcp:
        total = await mcp.call_tool("toolbox", "get-sum", {"a": 2, "b": 3})
        pixel = await mcp.call_tool("toolbox", "pixel")

    assert tool_result_to_model_output(total, 0.5) == 'Wall time: 0.5000 seconds\nOutput:\n{"total":5,"terms":[2,3]}'
    output = tool_result_to_model_output(pixel, 0.5)
    assert isinstance(output, list)
    assert output[1] == {"type": "input_text", "text": "a pixel"}
    assert output[2]["type"] == "input_image"
    assert output[2].get("image_url", "").startswith("data:image/png;base64,iVBOR")


async def test_a_broken_server_is_reported_with_its_stderr_and_the_others_work() -> None:
    servers = parse_mcp_servers(
        {
            "broken": {"command": "sh", "args": ["-c", "echo 'cannot open database' >&2; exit 3"]},
            "missing": {"command": "/nonexistent/mcp-server"},
            "toolbox": toolbox_table(),
        }
    )
    async with McpConnectionManager(servers) as mcp:
        failures = mcp.failures
        assert mcp.running_servers == ["toolbox"]
        assert _text(await mcp.call_tool("toolbox", "echo", {"message": "still here"})) == ["Echo: still here"]

    assert set(failures) == {"broken", "missing"}
    assert failures["broken"].message.startswith("MCP client for `broken` failed to start: ")
    assert "cannot open database" in failures["broken"].message
    assert failures["missing"].message == (
        "MCP client for `missing` failed to start: command not found: /nonexistent/mcp-server"
    )


async def test_a_server_that_never_answers_times_out_without_holding_up_the_rest() -> None:
    servers = parse_mcp_servers(
        {"mute": {"command": "sleep", "args": ["60"], "startup_timeout_sec": 0.5}, "toolbox": toolbox_table()}
    )
    started = time.monotonic()
    async with McpConnectionManager(servers) as mcp:
        elapsed = time.monotonic() - started
        failure = mcp.failures["mute"]
        assert mcp.running_servers == ["toolbox"]

    assert isinstance(failure, McpStartupTimeoutError)
    assert failure.message == (
        "MCP client for `mute` timed out after 0.5 seconds. Add or adjust `startup_timeout_sec` in your "
        "config.toml:\n[mcp_servers.mute]\nstartup_timeout_sec = XX"
    )
    # The toolbox needs about a second to start; the mute server must not add its own teardown on top.
    assert elapsed < 5


async def test_a_required_server_that_fails_is_fatal_and_named() -> None:
    servers = parse_mcp_servers({"toolbox": toolbox_table(), "db": {"command": "false", "required": True}})

    with pytest.raises(McpRequiredServerError) as caught:
        async with McpConnectionManager(servers):
            pytest.fail("the session must not start")

    assert caught.value.server == "db"
    assert caught.value.message.startswith("the MCP server `db` is required (required = true) but did not start: ")


async def test_disabled_servers_are_not_started_and_unknown_ones_are_refused() -> None:
    servers = parse_mcp_servers({"off": {"command": "/nonexistent", "enabled": False}, "toolbox": toolbox_table()})
    async with McpConnectionManager(servers) as mcp:
        assert mcp.failures == {}
        assert mcp.running_servers == ["toolbox"]
        with pytest.raises(McpUnknownServerError, match="`off` is not running"):
            await mcp.call_tool("off", "x")
        with pytest.raises(McpUnknownServerError, match="unknown MCP server `nope`"):
            await mcp.call_tool("nope", "x")


async def test_enabled_and_disabled_tools_filter_what_the_model_sees_and_can_call() -> None:
    servers = parse_mcp_servers(
        {"toolbox": toolbox_table(enabled_tools=["echo", "get-sum", "broken"], disabled_tools=["broken"])}
    )
    async with McpConnectionManager(servers) as mcp:
        assert sorted(t.tool.name for t in mcp.list_tools()) == ["echo", "get-sum"]
        with pytest.raises(McpUnknownToolError, match="disabled"):
            await mcp.call_tool("toolbox", "broken")


async def test_a_tool_call_past_its_timeout_is_abandoned_and_the_server_keeps_working() -> None:
    async with McpConnectionManager(parse_mcp_servers({"toolbox": toolbox_table(tool_timeout_sec=0.3)})) as mcp:
        with pytest.raises(McpToolTimeoutError) as caught:
            await mcp.call_tool("toolbox", "hang")
        assert caught.value.timeout_sec == 0.3
        assert _text(await mcp.call_tool("toolbox", "echo", {"message": "after"})) == ["Echo: after"]
        assert mcp.tool_timeout_sec("toolbox") == 0.3
        assert mcp.server_config("toolbox").approval_mode_for("hang") == "auto"


async def test_a_tool_error_is_an_error_result_not_an_exception() -> None:
    async with McpConnectionManager(parse_mcp_servers({"toolbox": toolbox_table()})) as mcp:
        result = await mcp.call_tool("toolbox", "broken")

    assert result.is_error is True
    assert "broken on purpose" in _text(result)[0]


async def test_our_server_over_streamable_http_is_used_like_a_stdio_one() -> None:
    async with serve_asgi(build_server("web").streamable_http_app()) as base:
        servers = parse_mcp_servers({"web": {"url": f"{base}/mcp"}})
        async with McpConnectionManager(servers) as mcp:
            assert mcp.failures == {}
            assert mcp.server_info("web").instructions == "Tools for testing pycodex's MCP client."
            result = await mcp.call_tool("web", "get-sum", {"a": 40, "b": 2})
            namespaces = mcp.responses_namespaces()

    assert result.structured_content == {"total": 42, "terms": [40, 2]}
    (namespace,) = namespaces
    assert namespace["type"] == "namespace"
    assert namespace["name"] == "mcp__web"
    assert namespace["description"] == "Tools for testing pycodex's MCP client."
    echo = next(t for t in namespace["tools"] if t["name"] == "echo")
    assert echo["type"] == "function" and echo["strict"] is False
    assert echo["parameters"]["properties"]["message"]["type"] == "string"


async def test_an_unreachable_http_server_fails_with_a_connection_message() -> None:
    servers = parse_mcp_servers({"gone": {"url": "http://127.0.0.1:9/mcp"}})
    async with McpConnectionManager(servers) as mcp:
        failure = mcp.failures["gone"]

    assert failure.message.startswith("MCP client for `gone` failed to start: could not connect")


async def test_resources_are_listed_and_read_across_servers_in_codex_shapes() -> None:
    async with serve_asgi(build_server("web").streamable_http_app()) as base:
        servers = parse_mcp_servers({"web": {"url": f"{base}/mcp"}, "local": toolbox_table()})
        async with McpConnectionManager(servers) as mcp:
            everything = await mcp.list_resources()
            one = await mcp.list_resources("web")
            templates = await mcp.list_resource_templates()
            read = await mcp.read_resource("local", "memo://notes/tea")
            with pytest.raises(McpToolError, match="cursor can only be used"):
                await mcp.list_resources(cursor="x")

    greeting = {
        "uri": "memo://greeting",
        "name": "greeting",
        "description": "A short greeting",
        "mimeType": "text/plain",
    }
    assert everything == {"resources": [{"server": "local", **greeting}, {"server": "web", **greeting}]}
    assert one == {"server": "web", "resources": [{"server": "web", **greeting}]}
    assert [t["server"] for t in templates["resourceTemplates"]] == ["local", "web"]
    assert templates["resourceTemplates"][0]["uriTemplate"] == "memo://notes/{topic}"
    assert read == {
        "server": "local",
        "uri": "memo://notes/tea",
        "contents": [{"uri": "memo://notes/tea", "mimeType": "text/plain", "text": "note about tea"}],
    }


async def test_stdio_servers_get_only_safe_variables_plus_the_configured_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSED_THROUGH", "yes")
    monkeypatch.setenv("NOT_PASSED", "secret")
    table = {**everything_table(), "env": {"EXPLICIT": "1"}, "env_vars": ["PASSED_THROUGH"]}
    async with McpConnectionManager(parse_mcp_servers({"everything": table})) as mcp:
        result = await mcp.call_tool("everything", "get-env")

    env: dict[str, Any] = json.loads(_text(result)[0])
    assert env["EXPLICIT"] == "1"
    assert env["PASSED_THROUGH"] == "yes"
    assert "NOT_PASSED" not in env
    assert "PATH" in env


async def test_elicitation_reaches_the_handler_and_defaults_fill_what_it_left_out() -> None:
    seen: list[tuple[str, ElicitationRequest]] = []

    async def handler(server: str, request: ElicitationRequest) -> types.ElicitResult:
        seen.append((server, request))
        return types.ElicitResult(action="accept", content={"name": "Ann"})

    async with McpConnectionManager(
        parse_mcp_servers({"toolbox": toolbox_table()}), elicitation_handler=handler
    ) as mcp:
        result = await mcp.call_tool("toolbox", "signup", {"reason": "newsletter"})

    assert _text(result) == ["signed up Ann colour=blue subscribe=False"]
    ((server, request),) = seen
    assert server == "toolbox"
    assert isinstance(request, types.ElicitRequestFormParams)
    assert request.message == "Please fill in your details (newsletter)"


async def test_without_a_handler_elicitations_are_declined() -> None:
    async with McpConnectionManager(parse_mcp_servers({"toolbox": toolbox_table()})) as mcp:
        result = await mcp.call_tool("toolbox", "signup", {"reason": "x"})

    assert _text(result) == ["signup decline"]


async def test_a_handshake_era_server_elicits_in_both_modes_through_the_same_handler() -> None:
    requests: list[ElicitationRequest] = []

    async def handler(server: str, request: ElicitationRequest) -> types.ElicitResult:
        requests.append(request)
        if isinstance(request, types.ElicitRequestURLParams):
            return types.ElicitResult(action="decline")
        return types.ElicitResult(action="accept", content={})

    async with McpConnectionManager(parse_mcp_servers({"everything": everything_table()})) as mcp:
        mcp.set_elicitation_handler(handler)
        form = await mcp.call_tool("everything", "trigger-elicitation-request")
        url = await mcp.call_tool("everything", "trigger-url-elicitation", {"url": "https://example.test/consent"})

    assert isinstance(requests[0], types.ElicitRequestFormParams)
    assert isinstance(requests[1], types.ElicitRequestURLParams)
    assert requests[1].url == "https://example.test/consent"
    assert any("provided the requested information" in text for text in _text(form))
    assert any("declined" in text for text in _text(url))


async def test_a_closed_manager_refuses_use() -> None:
    mcp = McpConnectionManager(parse_mcp_servers({"toolbox": toolbox_table()}))
    async with mcp:
        pass
    await mcp.aclose()

    with pytest.raises(McpClosedError):
        mcp.list_tools()
    with pytest.raises(McpClosedError):
        await mcp.call_tool("toolbox", "echo", {"message": "x"})
