"""Sessions over ACP across processes: load (with history replay), resume, list, close; raw malformed lines."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from acp import RequestError, text_block

from tests.acp_agent.harness import REPO, RecordingClient, agent_args, spawn
from tests.support.model_server import ScriptedModelServer, exec_call, message

pytestmark = pytest.mark.anyio


async def _first_session(work: Path, tmp_path: Path, codex_home: Path) -> str:
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("echo remembered", "c1", login=False)]},
        {"items": [message("First answer.")]},
    ]
    with ScriptedModelServer(steps) as server:
        async with spawn(RecordingClient(), server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.prompt(session_id=session.session_id, prompt=[text_block("first question")])
            await conn.close_session(session_id=session.session_id)
            return session.session_id


def _user_texts(body: dict[str, Any]) -> list[str]:
    return [
        part["text"]
        for item in body["input"]
        if item.get("type") == "message" and item.get("role") == "user"
        for part in item["content"]
        if part.get("type") == "input_text"
    ]


@pytest.mark.slow
async def test_load_in_a_new_process_replays_the_history_then_continues_it(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    session_id = await _first_session(work, tmp_path, codex_home)
    client = RecordingClient()
    with ScriptedModelServer([{"items": [message("Second answer.")]}]) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            loaded = await conn.load_session(cwd=str(work), session_id=session_id, mcp_servers=[])
            replayed = list(client.updates)
            answer = await conn.prompt(session_id=session_id, prompt=[text_block("second question")])
        requests = server.requests
    assert loaded is not None and loaded.modes is not None
    assert {sid for sid, _ in replayed} == {session_id}
    kinds = [u.session_update for _, u in replayed]
    assert kinds == ["user_message_chunk", "tool_call", "agent_message_chunk"]
    assert replayed[0][1].content.text == "first question"
    tool = replayed[1][1]
    assert (tool.tool_call_id, tool.title, tool.kind, tool.status) == ("c1", "echo remembered", "execute", "completed")
    assert "remembered" in tool.content[0].content.text
    assert replayed[2][1].content.text == "First answer."
    assert answer.stop_reason == "end_turn"
    assert _user_texts(requests[0].body)[-2:] == ["first question", "second question"] or (
        "first question" in _user_texts(requests[0].body) and _user_texts(requests[0].body)[-1] == "second question"
    )


@pytest.mark.slow
async def test_resume_in_a_new_process_continues_without_replaying(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    session_id = await _first_session(work, tmp_path, codex_home)
    client = RecordingClient()
    with ScriptedModelServer([{"items": [message("Resumed.")]}]) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            await conn.resume_session(cwd=str(work), session_id=session_id, mcp_servers=[])
            assert client.updates == []
            await conn.prompt(session_id=session_id, prompt=[text_block("again")])
            listed = await conn.list_sessions(cwd=str(work))
            with pytest.raises(RequestError) as missing:
                await conn.load_session(cwd=str(work), session_id="0000-not-a-thread", mcp_servers=[])
        requests = server.requests
    texts = _user_texts(requests[0].body)
    assert "first question" in texts and texts[-1] == "again"
    assert client.text() == "Resumed."
    assert [s.session_id for s in listed.sessions] == [session_id]
    assert listed.sessions[0].cwd == str(work) and listed.sessions[0].title == "first question"
    assert missing.value.code == -32002


async def test_a_closed_session_is_gone_for_prompts(work: Path, tmp_path: Path, codex_home: Path) -> None:
    with ScriptedModelServer([]) as server:
        async with spawn(RecordingClient(), server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.close_session(session_id=session.session_id)
            with pytest.raises(RequestError) as gone:
                await conn.prompt(session_id=session.session_id, prompt=[text_block("hi")])
    assert gone.value.code == -32002


async def test_malformed_lines_get_json_rpc_errors_and_the_agent_answers_the_next_request(
    tmp_path: Path, codex_home: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CODEX_HOME": str(codex_home), "MOCK_API_KEY": "k"}
    lines = [
        b"this is not json\n",
        b"[1, 2]\n",
        b'{"jsonrpc": "1.0", "id": 7, "method": "initialize"}\n',
        b'{"jsonrpc": "2.0", "id": 8, "method": "session/new", "params": {"mcpServers": []}}\n',
        b'{"jsonrpc": "2.0", "id": 9, "method": "no/such/method", "params": {}}\n',
        b'{"jsonrpc": "2.0", "id": 10, "method": "initialize", "params": {"protocolVersion": 1}}\n',
    ]
    with ScriptedModelServer([]) as server:
        with anyio.fail_after(30):
            result = await anyio.run_process(
                [sys.executable, *agent_args(server.base_url)], input=b"".join(lines), env=env, check=False
            )
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    by_id = {a.get("id"): a for a in answers}
    assert [a["error"]["code"] for a in answers if a.get("id") is None] == [-32700, -32600]
    assert by_id[7]["error"]["code"] == -32600
    assert by_id[8]["error"]["code"] == -32602 and "cwd" in json.dumps(by_id[8]["error"])
    assert by_id[9]["error"]["code"] == -32601
    assert by_id[10]["result"]["protocolVersion"] == 1
    assert result.returncode == 0
