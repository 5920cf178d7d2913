"""The server's JSON-RPC as a host sees it line by line: the fast front, bad input, `codex/event`, Codex's form."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

import mcp_server
from mcp_server import _answers
from tests.support.model_server import ScriptedModelServer, exec_call, message

from .harness import git_repo, raw_server, write_provider

pytestmark = pytest.mark.anyio


def test_the_public_names_are_a_decision() -> None:
    assert mcp_server.__all__ == [
        "ArgumentError",
        "AuthTokenError",
        "ListenAddressError",
        "McpServerError",
        "ServerOptions",
        "ThreadBusyError",
        "ThreadNotFoundError",
        "ToolCallError",
        "parse_listen_url",
        "run_http",
        "run_stdio",
    ]
    for name in mcp_server.__all__:
        assert getattr(mcp_server, name) is not None


async def test_the_front_answers_exactly_what_the_sdk_server_answers() -> None:
    # If this fails, regenerate: python -m mcp_server._answers
    assert _answers.PATH.read_text(encoding="utf-8") == _answers.render(await _answers.compute())


async def test_malformed_lines_and_unknown_methods_get_errors_and_the_server_stays_up(codex_home: Path) -> None:
    async with raw_server(codex_home) as server:
        with anyio.fail_after(30):
            init = await server.initialize()
            assert init["result"]["serverInfo"]["name"] == "pycodex-mcp-server"
            await server.send_line("{this is not json")
            assert await server.receive() == {
                "jsonrpc": "2.0",
                "id": None,
                "error": {"code": -32700, "message": "Parse error: the line is not JSON"},
            }
            await server.send_line('{"jsonrpc": "2.0", "id": 7, "method": 12}')
            invalid = await server.receive()
            assert invalid["id"] == 7 and invalid["error"]["code"] == -32600
            await server.send({"id": 8, "method": "no/such/method"})
            assert (await server.answer_to(8))["error"]["code"] == -32601
            await server.send({"id": 9, "method": "tools/call", "params": {"name": "nope", "arguments": {}}})
            unknown = (await server.answer_to(9))["result"]
            assert unknown["isError"] is True and "Unknown tool 'nope'" in unknown["content"][0]["text"]
            await server.send({"id": 10, "method": "tools/list"})
            assert [t["name"] for t in (await server.answer_to(10))["result"]["tools"]] == ["codex", "codex-reply"]


async def test_every_event_reaches_the_host_as_codex_event_with_the_call_and_thread(
    codex_home: Path, tmp_path: Path
) -> None:
    steps = [{"items": [exec_call("echo hi", "c1")]}, {"items": [message("Finished.")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                await server.send(
                    {
                        "id": 3,
                        "method": "tools/call",
                        "params": {
                            "name": "codex",
                            "arguments": {"prompt": "hi", "cwd": str(tmp_path), "sandbox": "danger-full-access"},
                            "_meta": {"progressToken": "tok"},
                        },
                    }
                )
                answer = await server.answer_to(3)
    result = answer["result"]
    thread_id = result["structuredContent"]["threadId"]
    assert result == {
        "content": [{"type": "text", "text": "Finished."}],
        "structuredContent": {"threadId": thread_id, "content": "Finished."},
        "isError": False,
    }
    events = [m["params"] for m in server.seen if m.get("method") == "codex/event"]
    assert {json.dumps(e["_meta"]) for e in events} == {json.dumps({"requestId": 3, "threadId": thread_id})}
    kinds = [e["msg"]["type"] for e in events]
    assert kinds[0] == "session_configured" and events[0]["id"] == ""
    for expected in ("task_started", "user_message", "exec_command_begin", "exec_command_end", "agent_message"):
        assert expected in kinds
    assert kinds[-1] == "task_complete"
    turn_id = events[-1]["id"]
    assert turn_id and all(e["id"] == turn_id for e in events[1:] if e["msg"]["type"] != "warning")
    progress = [m["params"] for m in server.seen if m.get("method") == "notifications/progress"]
    assert {p["progressToken"] for p in progress} == {"tok"}
    logs = [m["params"] for m in server.seen if m.get("method") == "notifications/message"]
    assert [entry["data"] for entry in logs] == [p["message"] for p in progress]
    assert {entry["logger"] for entry in logs} == {"pycodex"}


@pytest.mark.parametrize(("decision", "created"), [("approved", True), ("denied", False)])
async def test_codex_style_hosts_get_codex_s_elicitation_and_answer_with_a_decision(
    decision: str, created: bool, codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    steps = [{"items": [exec_call("touch approved.txt", "call_esc1")]}, {"items": [message("ok")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home, "--elicitation", "codex") as server:
            with anyio.fail_after(60):
                await server.initialize(version="2025-06-18")
                arguments = {"prompt": "go", "cwd": str(repo), "approval-policy": "untrusted"}
                arguments["sandbox"] = "danger-full-access"
                await server.send(
                    {"id": 3, "method": "tools/call", "params": {"name": "codex", "arguments": arguments}}
                )
                while (request := await server.receive()).get("method") != "elicitation/create":
                    pass
                await server.send({"id": request["id"], "result": {"decision": decision}})
                answer = await server.answer_to(3)
    params = request["params"]
    thread_id = answer["result"]["structuredContent"]["threadId"]
    assert params["requestedSchema"] == {"type": "object", "properties": {}}
    assert params["codex_elicitation"] == "exec-approval"
    assert params["threadId"] == thread_id
    assert params["codex_mcp_tool_call_id"] == "3"
    assert params["codex_call_id"] == "call_esc1"
    assert params["codex_command"][-1] == "touch approved.txt"
    assert params["codex_cwd"] == str(repo)
    assert params["codex_parsed_cmd"] == [{"type": "unknown", "cmd": "touch approved.txt"}]
    assert "touch approved.txt" in params["message"]
    assert (repo / "approved.txt").exists() is created
    approval_events = [
        m["params"]["msg"]
        for m in server.seen
        if m.get("method") == "codex/event" and m["params"]["msg"]["type"] == "exec_approval_request"
    ]
    assert [e["call_id"] for e in approval_events] == ["call_esc1"]


async def test_the_server_exits_by_itself_when_the_host_closes_stdin(codex_home: Path) -> None:
    async with raw_server(codex_home) as server:
        with anyio.fail_after(30):
            await server.initialize()
            await server.send({"id": 1, "method": "tools/call", "params": {"name": "nope", "arguments": {}}})
            await server.answer_to(1)
    assert server.process.returncode == 0


async def test_a_patch_approval_in_codex_s_form_names_the_changes(codex_home: Path, tmp_path: Path) -> None:
    from tests.support.model_server import custom_tool_call

    repo = git_repo(tmp_path / "repo")
    patch = "*** Begin Patch\n*** Add File: note.txt\n+hello\n*** End Patch\n"
    steps = [{"items": [custom_tool_call("apply_patch", patch, "call_ap")]}, {"items": [message("patched")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home, "--elicitation", "codex") as server:
            with anyio.fail_after(60):
                await server.initialize()
                arguments = {"prompt": "go", "cwd": str(repo), "approval-policy": "untrusted"}
                await server.send(
                    {"id": 3, "method": "tools/call", "params": {"name": "codex", "arguments": arguments}}
                )
                while (request := await server.receive()).get("method") != "elicitation/create":
                    pass
                await server.send({"id": request["id"], "result": {"decision": "approved"}})
                answer = await server.answer_to(3)
    params = request["params"]
    assert params["codex_elicitation"] == "patch-approval"
    assert params["codex_call_id"] == "call_ap"
    assert list(params["codex_changes"]) == [str(repo / "note.txt")]
    assert params["codex_changes"][str(repo / "note.txt")]["type"] == "add"
    assert answer["result"]["structuredContent"]["content"] == "patched"
    assert (repo / "note.txt").read_text(encoding="utf-8") == "hello\n"
