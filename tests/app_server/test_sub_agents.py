"""Sub-agents over the app-server: a real `pycodex app-server` whose turn spawns a child (a real session on the same
scripted model), waits for it and closes it. Each call is a `collabAgentToolCall` item (started, then completed),
each thing the child does a `subAgentActivity` item, and the child's thread names its parent, as Codex's
app-server shows them; a spawn past `agents.max_threads` is a failed item. Every message is checked against the
schema Codex's binary generates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.app_server.client import Client, stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, function_call, message

pytestmark = pytest.mark.anyio

# Only the parent is offered the sub-agent tools (its child is at the depth limit): what tells their requests apart.
PARENT = "Start a sub-agent on a well-bounded task"


def agent_call(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    return function_call(name, arguments, call_id)


def parent(*items: dict[str, Any]) -> dict[str, Any]:
    return {"when": PARENT, "items": list(items)}


def child(text: str) -> dict[str, Any]:
    return {"unless": PARENT, "items": [message(text, id="msg_child")]}


def items(client: Client, method: str, kind: str) -> list[dict[str, Any]]:
    return [n["item"] for n in client.notifications(method) if n["item"]["type"] == kind]


async def run_turn(client: Client, work: Path, text: str) -> str:
    await client.initialize()
    thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
    await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": text}]})
    await client.wait_for(lambda m: m.get("method") == "turn/completed")
    return thread_id


async def test_spawn_wait_and_close_show_as_collab_items_and_the_child_as_activity(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [
        parent(agent_call("spawn_agent", {"message": "count the files", "agent_type": "explorer"}, "call_spawn")),
        child("There are 3 files."),
        parent(agent_call("wait_agent", {"targets": ["{{agent_id}}"], "timeout_ms": 20000}, "call_wait")),
        parent(agent_call("send_input", {"target": "{{agent_id}}", "message": "and the folders?"}, "call_send")),
        child("There are 2 folders."),
        parent(agent_call("wait_agent", {"targets": ["{{agent_id}}"], "timeout_ms": 20000}, "call_wait_2")),
        parent(agent_call("close_agent", {"target": "{{agent_id}}"}, "call_close")),
        parent(message("The child counted 3 files and 2 folders.")),
    ]
    role = (
        'agents.explorer={description="Reads the code and reports", '
        'developer_instructions="Only read, never write.", nickname_candidates=["Scout"]}'
    )
    with ScriptedModelServer(steps) as model:
        async with stdio_server(
            model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema, args=["-c", role]
        ) as (client, _):
            thread_id = await run_turn(client, work, "count them with a helper")
            spawned = json.loads(
                next(
                    i["output"]
                    for i in model.requests[-1].body["input"]
                    if i["type"] == "function_call_output" and i["call_id"] == "call_spawn"
                )
            )
            child_id = spawned["agent_id"]
            listed = await client.call("thread/list", {"sourceKinds": ["subAgentThreadSpawn"]})
            read = await client.call("thread/read", {"threadId": child_id})
            resumed = await client.call("thread/resume", {"threadId": child_id})
            everything = await client.call("thread/list", {})
            bad_kind = await client.request("thread/list", {"sourceKinds": ["robots"]})
    assert not model.rejections
    child_requests = [r for r in model.requests if PARENT not in json.dumps(r.body)]
    assert len(child_requests) == 2
    child_model = child_requests[0].body["model"]

    started = {i["id"]: i for i in items(client, "item/started", "collabAgentToolCall")}
    completed = {i["id"]: i for i in items(client, "item/completed", "collabAgentToolCall")}
    assert list(started) == list(completed) == ["call_spawn", "call_wait", "call_send", "call_wait_2", "call_close"]
    base = {"type": "collabAgentToolCall", "senderThreadId": thread_id, "model": None, "reasoningEffort": None}
    assert started["call_spawn"] == {
        **base,
        "id": "call_spawn",
        "tool": "spawnAgent",
        "receiverThreadIds": [],
        "prompt": "count the files",
        "agentsStates": {},
        "status": "inProgress",
    }
    assert completed["call_spawn"] == {
        **base,
        "id": "call_spawn",
        "tool": "spawnAgent",
        "receiverThreadIds": [child_id],
        "prompt": "count the files",
        "model": child_model,
        "agentsStates": {child_id: {"status": "pendingInit", "message": None}},
        "status": "completed",
    }
    assert started["call_wait"]["tool"] == "wait" and started["call_wait"]["receiverThreadIds"] == [child_id]
    assert started["call_wait"]["status"] == "inProgress"
    assert completed["call_wait"] == {
        **base,
        "id": "call_wait",
        "tool": "wait",
        "receiverThreadIds": [child_id],
        "prompt": None,
        "agentsStates": {child_id: {"status": "completed", "message": "There are 3 files."}},
        "status": "completed",
    }
    assert completed["call_send"] == {
        **base,
        "id": "call_send",
        "tool": "sendInput",
        "receiverThreadIds": [child_id],
        "prompt": "and the folders?",
        "agentsStates": {child_id: {"status": "running", "message": None}},
        "status": "completed",
    }
    # The second wait waits for the new task, not the answer the child gave before.
    assert completed["call_wait_2"]["agentsStates"] == {
        child_id: {"status": "completed", "message": "There are 2 folders."}
    }
    assert completed["call_close"]["tool"] == "closeAgent"
    assert completed["call_close"]["receiverThreadIds"] == [child_id]
    assert completed["call_close"]["agentsStates"] == {child_id: {"status": "shutdown", "message": None}}
    assert completed["call_close"]["status"] == "completed"

    activity = items(client, "item/completed", "subAgentActivity")
    assert [(a["kind"], a["agentThreadId"], a["agentPath"]) for a in activity] == [
        ("started", child_id, child_id),
        ("completed", child_id, child_id),
        ("interacted", child_id, child_id),
        ("completed", child_id, child_id),
    ]
    assert activity[0]["model"] == child_model
    assert all(a["model"] is None for a in activity[1:])
    assert {a["id"] for a in items(client, "item/started", "subAgentActivity")} == {a["id"] for a in activity}

    # The child's own thread names its parent, its nickname and where it came from.
    (listed_child,) = listed["data"]
    for thread in (listed_child, read["thread"], resumed["thread"]):
        assert thread["id"] == child_id
        assert thread["parentThreadId"] == thread_id
        assert thread["agentNickname"] == spawned["nickname"] == "Scout"
        assert thread["agentRole"] == "explorer"
        spawn = thread["source"]["subAgent"]["thread_spawn"]
        assert spawn["parent_thread_id"] == thread_id and spawn["depth"] == 1
    # Without `sourceKinds`, thread/list shows the threads people started, not their sub-agents.
    assert [t["id"] for t in everything["data"]] == [thread_id]
    assert everything["data"][0]["parentThreadId"] is None and everything["data"][0]["agentNickname"] is None
    assert "unknown `sourceKinds` value 'robots'" in bad_kind["error"]["message"]


async def test_a_spawn_past_the_thread_limit_is_a_failed_item(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [
        parent(
            agent_call("spawn_agent", {"message": "first"}, "call_one"),
            agent_call("spawn_agent", {"message": "second"}, "call_two"),
        ),
        child("done"),
        parent(message("one of them started")),
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(
            model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema, args=["-c", "agents.max_threads=1"]
        ) as (client, _):
            await run_turn(client, work, "start two helpers")
    completed = {i["id"]: i for i in items(client, "item/completed", "collabAgentToolCall")}
    assert set(completed) == {"call_one", "call_two"}
    ok, refused = sorted(completed.values(), key=lambda i: i["status"])
    assert ok["status"] == "completed" and len(ok["receiverThreadIds"]) == 1
    assert refused["status"] == "failed"
    assert refused["receiverThreadIds"] == [] and refused["agentsStates"] == {}
    assert {i["id"] for i in items(client, "item/started", "collabAgentToolCall")} == {"call_one", "call_two"}
    started = [a for a in items(client, "item/completed", "subAgentActivity") if a["kind"] == "started"]
    assert [a["agentThreadId"] for a in started] == ok["receiverThreadIds"]


def test_a_wait_cut_short_by_an_interrupt_ends_as_interrupted_and_resume_is_resume_agent() -> None:
    from agent.protocol import CollabToolCallBegin, CollabToolCallEnd, Event
    from app_server._events import Translator

    translator = Translator("parent")
    translator.begin_turn("turn")
    resumed = CollabToolCallEnd(
        call_id="c1",
        tool="resume_agent",
        sender_thread_id="parent",
        receiver_thread_ids=("kid",),
        agents_states={"kid": {"status": "pending_init", "message": None}},
    )
    ((_, started), (_, ended)) = translator.on_event(Event(id="turn", msg=resumed))
    assert started["item"]["tool"] == ended["item"]["tool"] == "resumeAgent"
    assert ended["item"]["agentsStates"] == {"kid": {"status": "pendingInit", "message": None}}
    wait = CollabToolCallBegin(call_id="c2", tool="wait", sender_thread_id="parent", receiver_thread_ids=("kid",))
    translator.on_event(Event(id="turn", msg=wait))
    out = translator.interrupted()
    (cut,) = [params["item"] for method, params in out if method == "item/completed"]
    assert cut["id"] == "c2" and cut["status"] == "interrupted" and cut["receiverThreadIds"] == ["kid"]
    assert [method for method, _ in out][-1] == "turn/completed"


def test_exec_still_reports_resume_agent_as_wait() -> None:
    import io

    from agent.protocol import CollabToolCallBegin, Event
    from cli._exec_render import JsonlRenderer

    out = io.StringIO()
    begin = CollabToolCallBegin(call_id="c", tool="resume_agent", sender_thread_id="p", receiver_thread_ids=("k",))
    JsonlRenderer(out).on_event(Event(id="t", msg=begin))
    item = json.loads(out.getvalue())["item"]
    assert item["tool"] == "wait" and item["receiver_thread_ids"] == ["k"]
