"""End to end what was only unit-tested: closing a session mid-command (the command and the client's MCP server
process end), a client-given HTTP MCP server, additionalDirectories in `auto` mode, `cat FILE` as a read,
session/fork, and a permission request answered `cancelled`."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest
from acp import text_block
from acp.schema import HttpHeader, HttpMcpServer, McpServerStdio

from tests.acp_agent.harness import RecordingClient, prompt_once, spawn
from tests.mcp_client.conftest import serve_asgi
from tests.mcp_client.servers.toolbox import build_server
from tests.support.model_server import ScriptedModelServer, exec_call, function_call, message

pytestmark = pytest.mark.anyio

TOOLBOX = Path(__file__).resolve().parents[1] / "mcp_client/servers/toolbox.py"


async def _running(pattern: str) -> bytes:
    return (await anyio.run_process(["pgrep", "-f", pattern], check=False)).stdout


async def test_closing_a_session_mid_command_kills_the_command_and_stops_its_mcp_server(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    marker, server_name = "27.1828", f"toolbox-{uuid.uuid4().hex[:8]}"
    steps: list[dict[str, Any]] = [
        {"items": [exec_call(f"sleep {marker}", "c1", login=False, yield_time_ms=30000)]},
        {"items": [message("never")], "repeat": True},
    ]
    started = anyio.Event()
    client = RecordingClient(on_update=lambda u: started.set() if getattr(u, "tool_call_id", None) == "c1" else None)
    toolbox = McpServerStdio(name="toolbox", command=sys.executable, args=[str(TOOLBOX), "stdio", server_name], env=[])
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[toolbox])
            await conn.set_session_mode(session_id=session.session_id, mode_id="auto")
            assert await _running(server_name) != b""
            answers: list[Any] = []

            async def run_prompt() -> None:
                answers.append(await conn.prompt(session_id=session.session_id, prompt=[text_block("wait")]))

            async with anyio.create_task_group() as tg:
                tg.start_soon(run_prompt)
                with anyio.fail_after(20):
                    await started.wait()
                assert await _running(f"sleep {marker}") != b""
                with anyio.fail_after(10):
                    await conn.close_session(session_id=session.session_id)
            assert await _running(f"sleep {marker}") == b""
            assert await _running(server_name) == b""
    assert [a.stop_reason for a in answers] == ["cancelled"]


async def test_an_http_mcp_server_given_by_the_client_is_used_with_its_headers(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    seen: list[dict[bytes, bytes]] = []
    app = build_server("web").streamable_http_app()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(dict(scope["headers"]))
        await app(scope, receive, send)

    steps: list[dict[str, Any]] = [
        {"items": [function_call("mcp__web__echo", {"message": "over http"}, "m1")]},
        {"items": [message("echoed")]},
    ]
    client = RecordingClient()
    async with serve_asgi(recording) as base:
        web = HttpMcpServer(
            type="http", name="web", url=f"{base}/mcp", headers=[HttpHeader(name="X-Team", value="blue")]
        )
        with ScriptedModelServer(steps) as server:
            async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
                await conn.initialize(protocol_version=1)
                session = await conn.new_session(cwd=str(work), mcp_servers=[web])
                await conn.prompt(session_id=session.session_id, prompt=[text_block("echo over http")])
    end = [u for u in client.updates_of("m1") if u.status][-1]
    assert end.status == "completed"
    assert [c.content.text for c in end.content] == ["Echo: over http"]
    assert seen and all(headers.get(b"x-team") == b"blue" for headers in seen)


async def test_additional_directories_are_writable_in_auto_mode_without_asking(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    extra, outside = tmp_path / "extra", tmp_path / "outside"
    extra.mkdir()
    outside.mkdir()
    steps: list[dict[str, Any]] = [
        {"items": [exec_call(f"touch {extra}/made.txt", "c1", login=False)]},
        {"items": [exec_call(f"touch {outside}/made.txt", "c2", login=False)]},
        {"items": [message("done")]},
    ]
    client = RecordingClient(answer="reject_once")
    # The test's directories are under /tmp, which workspace-write allows by default: take /tmp out.
    no_tmp = ["-c", "sandbox_workspace_write.exclude_slash_tmp=true"]
    no_tmp += ["-c", "sandbox_workspace_write.exclude_tmpdir_env_var=true"]
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, *no_tmp, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[], additional_directories=[str(extra)])
            await conn.set_session_mode(session_id=session.session_id, mode_id="auto")
            await conn.prompt(session_id=session.session_id, prompt=[text_block("make files")])
    assert (extra / "made.txt").exists()
    assert not (outside / "made.txt").exists()  # the sandbox stopped it (and the escalation, if asked, was refused)
    assert "c1" not in [call.tool_call_id for call, _ in client.permissions]


async def test_cat_of_a_file_is_a_read_at_that_file(work: Path, tmp_path: Path, codex_home: Path) -> None:
    (work / "notes.txt").write_text("hello\n")
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("cat notes.txt", "c1", login=False)]},
        {"items": [message("read it")]},
    ]
    client = RecordingClient()
    await prompt_once(client, steps, work, "read notes", codex_home=codex_home, stderr=tmp_path / "err")
    start = client.updates_of("c1")[0]
    assert (start.session_update, start.kind, start.title) == ("tool_call", "read", "cat notes.txt")
    assert [loc.path for loc in start.locations] == [str(work / "notes.txt")]
    end = [u for u in client.updates_of("c1") if u.status][-1]
    assert end.status == "completed" and "hello" in end.content[0].content.text


def _user_texts(body: dict[str, Any]) -> list[str]:
    return [
        part.get("text", "")
        for item in body["input"]
        if item.get("type") == "message" and item.get("role") == "user"
        for part in item.get("content", [])
    ]


async def test_a_fork_is_a_new_session_that_continues_from_the_history_of_the_first(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    steps: list[dict[str, Any]] = [
        {"items": [message("First answer.")]},
        {"items": [message("Forked answer.")]},
        {"items": [message("Original again.")]},
    ]
    client = RecordingClient()
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            first = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.prompt(session_id=first.session_id, prompt=[text_block("first question")])
            fork = await conn.fork_session(cwd=str(work), session_id=first.session_id, mcp_servers=[])
            await conn.prompt(session_id=fork.session_id, prompt=[text_block("on the fork")])
            await conn.prompt(session_id=first.session_id, prompt=[text_block("on the original")])
            listed = await conn.list_sessions(cwd=str(work))
        requests = server.requests
    assert fork.session_id != first.session_id
    assert _user_texts(requests[1].body)[-2:] == ["first question", "on the fork"]
    # The original does not see what was said on the fork.
    original = _user_texts(requests[2].body)
    assert "on the fork" not in original and original[-2:] == ["first question", "on the original"]
    assert {s.session_id for s in listed.sessions} == {first.session_id, fork.session_id}
    assert {sid for sid, _ in client.updates} == {first.session_id, fork.session_id}


async def test_a_permission_request_answered_cancelled_ends_the_turn_as_cancelled(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    touch = {"sandbox_permissions": "require_escalated", "justification": "write", "login": False}
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("touch made.txt", "c1", **touch)]},
        {"items": [message("after")]},
    ]
    client = RecordingClient(answer=None)  # the client answers with the `cancelled` outcome
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            answer = await conn.prompt(session_id=session.session_id, prompt=[text_block("make a file")])
            again = await conn.prompt(session_id=session.session_id, prompt=[text_block("and now?")])
        requests = server.requests
    assert answer.stop_reason == "cancelled"
    assert not (work / "made.txt").exists()
    assert len(client.permissions) == 1
    assert again.stop_reason == "end_turn" and client.text().endswith("after")
    assert len(requests) == 2
