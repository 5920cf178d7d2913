"""MCP tasks on the 2025-11-25 wire, and resource subscriptions, as a host drives them line by line."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.support.model_server import ScriptedModelServer, exec_call, message

from .harness import raw_server, write_provider

pytestmark = pytest.mark.anyio


async def test_a_codex_call_run_as_a_task_answers_at_once_and_is_polled_to_its_result(
    codex_home: Path, tmp_path: Path
) -> None:
    steps = [{"delay": 0.3, "items": [message("Task done.")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                init = await server.initialize()
                assert init["result"]["capabilities"]["tasks"] == {
                    "list": {},
                    "cancel": {},
                    "requests": {"tools": {"call": {}}},
                }
                arguments = {"prompt": "long job", "cwd": str(tmp_path)}
                await server.send(
                    {
                        "id": 1,
                        "method": "tools/call",
                        "params": {"name": "codex", "arguments": arguments, "task": {"ttl": 60000}},
                    }
                )
                created = (await server.answer_to(1))["result"]["task"]
                assert created["status"] == "working" and created["ttl"] == 60000
                task_id = created["taskId"]
                await server.send({"id": 2, "method": "tasks/get", "params": {"taskId": task_id}})
                assert (await server.answer_to(2))["result"]["taskId"] == task_id
                await server.send({"id": 3, "method": "tasks/result", "params": {"taskId": task_id}})
                result = (await server.answer_to(3))["result"]
                await server.send({"id": 4, "method": "tasks/list", "params": {}})
                listed = (await server.answer_to(4))["result"]["tasks"]
                await server.send({"id": 5, "method": "tasks/get", "params": {"taskId": "nope"}})
                missing = await server.answer_to(5)
    assert result["structuredContent"]["content"] == "Task done."
    assert result["_meta"] == {"io.modelcontextprotocol/related-task": {"taskId": task_id}}
    assert [(t["taskId"], t["status"]) for t in listed] == [(task_id, "completed")]
    assert missing["error"]["code"] == -32602
    events = [m["params"] for m in server.seen if m.get("method") == "codex/event"]
    assert events and all(e["_meta"]["io.modelcontextprotocol/related-task"] == {"taskId": task_id} for e in events)


async def test_cancelling_a_task_stops_its_turn(codex_home: Path, tmp_path: Path) -> None:
    steps = [{"items": [exec_call("sleep 30", "c1", yield_time_ms=60_000)]}, {"items": [message("later")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                arguments = {"prompt": "wait", "cwd": str(tmp_path), "sandbox": "danger-full-access"}
                await server.send(
                    {"id": 1, "method": "tools/call", "params": {"name": "codex", "arguments": arguments, "task": {}}}
                )
                task_id = (await server.answer_to(1))["result"]["task"]["taskId"]
                while True:
                    event = await server.receive()
                    if event.get("method") == "codex/event" and event["params"]["msg"]["type"] == "exec_command_begin":
                        break
                await server.send({"id": 2, "method": "tasks/cancel", "params": {"taskId": task_id}})
                cancelled = (await server.answer_to(2))["result"]
                await server.send({"id": 3, "method": "tasks/result", "params": {"taskId": task_id}})
                result = (await server.answer_to(3))["result"]
    assert cancelled["status"] == "cancelled"
    assert result["isError"] is True and "stopped before it finished" in result["content"][0]["text"]


async def test_a_subscribed_transcript_reports_each_change(codex_home: Path, tmp_path: Path) -> None:
    with ScriptedModelServer([{"items": [message("one")]}, {"items": [message("two")]}]) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                call = {"name": "codex", "arguments": {"prompt": "first", "cwd": str(tmp_path)}}
                await server.send({"id": 1, "method": "tools/call", "params": call})
                thread_id = (await server.answer_to(1))["result"]["structuredContent"]["threadId"]
                uri = f"pycodex://threads/{thread_id}/transcript"
                await server.send({"id": 2, "method": "resources/subscribe", "params": {"uri": uri}})
                assert (await server.answer_to(2))["result"] == {}
                reply = {"name": "codex-reply", "arguments": {"prompt": "second", "threadId": thread_id}}
                await server.send({"id": 3, "method": "tools/call", "params": reply})
                await server.answer_to(3)
                await server.send(
                    {
                        "id": 4,
                        "method": "completion/complete",
                        "params": {
                            "ref": {"type": "ref/resource", "uri": "pycodex://threads/{threadId}/transcript"},
                            "argument": {"name": "threadId", "value": thread_id[:4]},
                        },
                    }
                )
                completion = (await server.answer_to(4))["result"]["completion"]
    updates = [m["params"]["uri"] for m in server.seen if m.get("method") == "notifications/resources/updated"]
    # The second turn adds its heading, the prompt and the answer: each is an update of the transcript.
    assert updates == [uri, uri, uri]
    assert completion["values"] == [thread_id]


async def test_a_task_asks_its_approval_on_the_connection_and_waits_in_input_required(
    codex_home: Path, tmp_path: Path
) -> None:
    steps = [{"items": [exec_call("touch from-task.txt", "c1")]}, {"items": [message("asked and done")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize(capabilities={"elicitation": {"form": {}}})
                arguments = {
                    "prompt": "go",
                    "cwd": str(tmp_path),
                    "approval-policy": "untrusted",
                    "sandbox": "danger-full-access",
                }
                await server.send(
                    {"id": 1, "method": "tools/call", "params": {"name": "codex", "arguments": arguments, "task": {}}}
                )
                task_id = (await server.answer_to(1))["result"]["task"]["taskId"]
                while (request := await server.receive()).get("method") != "elicitation/create":
                    pass
                await server.send({"id": 2, "method": "tasks/get", "params": {"taskId": task_id}})
                waiting = (await server.answer_to(2))["result"]
                answer = {"action": "accept", "content": {"decision": "approved"}}
                await server.send({"id": request["id"], "result": answer})
                await server.send({"id": 3, "method": "tasks/result", "params": {"taskId": task_id}})
                result = (await server.answer_to(3))["result"]
    assert request["params"]["_meta"] == {"io.modelcontextprotocol/related-task": {"taskId": task_id}}
    assert waiting["status"] == "input_required"
    assert result["structuredContent"]["content"] == "asked and done"
    assert (tmp_path / "from-task.txt").exists()
