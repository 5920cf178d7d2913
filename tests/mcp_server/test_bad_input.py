"""Input that used to end the server: lone surrogates, deep nesting, requests before the handshake (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import httpx2
import pytest

from tests.support.model_server import ScriptedModelServer, message

from .harness import git_repo, raw_server, write_provider

pytestmark = pytest.mark.anyio

CODEX_CALL = {"name": "codex", "arguments": {"prompt": "hi", "sandbox": "read-only", "approval-policy": "never"}}


def _rollouts(codex_home: Path) -> list[Path]:
    return sorted((codex_home / "sessions").rglob("rollout-*.jsonl"))


async def test_a_lone_surrogate_from_the_model_or_the_host_keeps_the_server_and_its_threads_alive(
    codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    steps = [{"items": [message("broken \ud83d emoji")]}, {"items": [message("still here")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home, cwd=repo) as server:
            with anyio.fail_after(60):
                await server.initialize()
                await server.send({"id": 1, "method": "tools/call", "params": CODEX_CALL})
                first = (await server.answer_to(1))["result"]
                assert first["content"][0]["text"] == "broken \ufffd emoji"
                thread_id = first["structuredContent"]["threadId"]
                # The host's own text may hold one too (JSON allows "\ud800"): the prompt reaches the model as U+FFFD.
                reply = {"name": "codex-reply", "arguments": {"threadId": thread_id, "prompt": "and \ud800 this"}}
                await server.send_line(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": reply}))
                answer = await server.answer_to(2)
                second = answer["result"]
                assert second["content"][0]["text"] == "still here", second
                await server.send({"id": 3, "method": "ping"})
                assert (await server.answer_to(3))["result"] == {}
    assert "and \ufffd this" in json.dumps(model.requests[-1].body["input"], ensure_ascii=False)
    (rollout,) = _rollouts(codex_home)
    text = rollout.read_bytes().decode("utf-8")  # strict: the file is valid UTF-8
    assert "broken \ufffd emoji" in text and "and \ufffd this" in text
    for line in text.splitlines():
        json.loads(line)


@pytest.mark.parametrize("depth", [544, 1_000, 5_000, 100_000])
async def test_deeply_nested_json_gets_a_json_rpc_error_and_the_server_lives(depth: int, codex_home: Path) -> None:
    async with raw_server(codex_home) as server:
        with anyio.fail_after(30):
            # Before the handshake (the fast front reads it) and after (the SDK's side does).
            await server.send_line("[" * depth + "]" * depth)
            early = await server.receive()
            assert early["error"]["code"] == -32700 and early["id"] is None
            await server.initialize()
            nested = '{"a":' * depth + "1" + "}" * depth
            await server.send_line(f'{{"jsonrpc":"2.0","id":5,"method":"ping","params":{{"_meta":{nested}}}}}')
            answer = await server.receive()
            assert answer["error"]["code"] in (-32700, -32600), answer
            await server.send({"id": 6, "method": "tools/list"})
            assert [t["name"] for t in (await server.answer_to(6))["result"]["tools"]] == ["codex", "codex-reply"]


async def test_a_request_before_initialize_is_told_the_session_is_not_initialized(codex_home: Path) -> None:
    async with raw_server(codex_home) as server:
        with anyio.fail_after(30):
            await server.send({"id": 1, "method": "tools/call", "params": CODEX_CALL})
            refused = await server.answer_to(1)
            await server.initialize()
            await server.send({"id": 2, "method": "tools/list"})
            listed = await server.answer_to(2)
    error = refused["error"]
    assert error["code"] == -32602
    assert "not initialized" in error["message"] and "initialize" in error["message"]
    assert error["data"] == {"reason": "not_initialized", "method": "tools/call"}
    assert "result" in listed


async def test_over_http_deep_nesting_and_lone_surrogates_get_answers_and_the_server_lives(codex_home: Path) -> None:
    # The SDK's HTTP transport parses bodies itself; this guards that it keeps answering them.
    from .test_http import HEADERS, INIT, http_server

    async with http_server(codex_home) as url:
        async with httpx2.AsyncClient(timeout=30) as http:
            init = await http.post(url, json=INIT, headers=HEADERS)
            assert init.status_code == 200
            session = {
                **HEADERS,
                "mcp-session-id": init.headers["mcp-session-id"],
                "mcp-protocol-version": "2025-11-25",
            }
            initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
            assert (await http.post(url, json=initialized, headers=session)).status_code == 202
            deep = ("[" * 100_000 + "]" * 100_000, '{"a":' * 544 + "1" + "}" * 544)
            answers = [await http.post(url, content=body, headers=session) for body in deep]
            ping = '{"jsonrpc":"2.0","id":3,"method":"ping","params":{"_meta":{"note":"\\ud83d"}}}'
            answers.append(await http.post(url, content=ping, headers=session))
            listed = await http.post(url, json={"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, headers=session)
    for answer in answers:
        assert answer.status_code in (200, 400), answer.text
        assert "error" in answer.text or '"result"' in answer.text, answer.text
    assert listed.status_code == 200 and "codex-reply" in listed.text
