"""Turns over the app-server beyond the basics: images and an output schema, steering a running turn, compaction
as a turn of its own, and a patch approved through `item/fileChange/requestApproval`."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, custom_tool_call, message

pytestmark = pytest.mark.anyio

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _wait_for_requests(model: ScriptedModelServer, count: int) -> None:
    # The model server runs in a thread of this process; it offers no event to wait on, so this polls, bounded.
    deadline = time.monotonic() + 30
    while len(model.requests) < count:
        assert time.monotonic() < deadline, "the model never got the request"
        time.sleep(0.02)


async def test_images_and_an_output_schema_reach_the_model(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    image = work / "dot.png"
    image.write_bytes(PNG)
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": False,
    }
    with ScriptedModelServer([{"items": [message('{"ok":true}')]}]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
            inputs: list[dict[str, Any]] = [
                {"type": "text", "text": "what is this?", "text_elements": []},
                {"type": "localImage", "path": str(image)},
                {"type": "image", "url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
            ]
            await client.call("turn/start", {"threadId": thread_id, "input": inputs, "outputSchema": schema})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
            bad = await client.request(
                "turn/start", {"threadId": thread_id, "input": [{"type": "skill", "name": "x", "path": "/x"}]}
            )
        body = model.requests[0].body
    assert body["text"]["format"]["schema"] == schema
    content = body["input"][-1]["content"]
    assert [part["type"] for part in content].count("input_image") == 2
    user = next(n["item"] for n in client.notifications("item/completed") if n["item"]["type"] == "userMessage")
    assert [c["type"] for c in user["content"]] == ["text", "localImage", "image"]
    assert "pycodex takes text, image (url) and localImage inputs" in bad["error"]["message"]


async def test_turn_steer_adds_input_to_the_running_turn(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"delay": 1.0, "items": [message("working on it")]}, {"items": [message("noted the steer")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
            turn = await client.call(
                "turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "start"}]}
            )
            turn_id = turn["turn"]["id"]
            await anyio.to_thread.run_sync(_wait_for_requests, model, 1)
            wrong = await client.request(
                "turn/steer",
                {"threadId": thread_id, "expectedTurnId": "nope", "input": [{"type": "text", "text": "x"}]},
            )
            assert "cannot steer turn nope" in wrong["error"]["message"]
            steered = await client.call(
                "turn/steer",
                {"threadId": thread_id, "expectedTurnId": turn_id, "input": [{"type": "text", "text": "also this"}]},
            )
            assert steered == {"turnId": turn_id}
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
        requests = model.requests
    assert done["params"]["turn"]["items"][0]["text"] == "noted the steer"
    assert len(requests) == 2 and "also this" in json.dumps(requests[1].body["input"])


async def test_compaction_runs_as_a_turn_with_a_context_compaction_item(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [
        {"items": [message("a long answer")]},
        {"items": [message("SUMMARY: we talked")]},
        {"items": [message("after")]},
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
            mark = len(client.messages)
            assert await client.call("thread/compact/start", {"threadId": thread_id}) == {}
            compacted = await client.wait_for(lambda m: m.get("method") == "turn/completed", start=mark)
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "next"}]})
            await client.wait_for(
                lambda m: m.get("method") == "turn/completed", start=mark + 1 + client.messages[mark:].index(compacted)
            )
        requests = model.requests
    assert compacted["params"]["turn"]["status"] == "completed"
    methods = [m.get("method") for m in client.messages[mark:]]
    assert methods.index("turn/started") < methods.index("item/started") < methods.index("thread/compacted")
    items = [n["item"]["type"] for n in client.notifications("item/completed")]
    assert "contextCompaction" in items
    assert "SUMMARY: we talked" in json.dumps(requests[-1].body["input"])


PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello from a patch\n*** End Patch\n"


async def test_a_patch_is_approved_through_the_file_change_request(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [custom_tool_call("apply_patch", PATCH, "call_p")]}, {"items": [message("patched")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call(
                "thread/start", {"cwd": str(work), "approvalPolicy": "untrusted", "sandbox": "read-only"}
            )
            thread_id = started["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "add it"}]})
            ask = await client.wait_for(lambda m: m.get("method") == "item/fileChange/requestApproval")
            started_item = next(
                n["item"] for n in client.notifications("item/started") if n["item"]["type"] == "fileChange"
            )
            assert started_item["changes"][0]["path"].endswith("hello.txt") and started_item["changes"][0]["kind"] == {
                "type": "add"
            }
            await client.respond(ask["id"], {"decision": "accept"})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert (work / "hello.txt").read_text(encoding="utf-8") == "hello from a patch\n"
    change = next(n["item"] for n in client.notifications("item/completed") if n["item"]["type"] == "fileChange")
    assert change["status"] == "completed"
