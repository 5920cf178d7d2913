"""Turn behaviour over stdio that the other files do not show: thread/start's model, provider and nested config
reaching the model; the plan and diff notifications; the `error` notification of a failing model request; the
`cancel` decision; and an `acceptForSession` that is not asked again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.app_server.client import Client, stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, custom_tool_call, exec_call, function_call, message

pytestmark = pytest.mark.anyio

PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n"


def escalated(cmd: str, call_id: str) -> dict[str, Any]:
    return exec_call(cmd, call_id, login=False, sandbox_permissions="require_escalated", justification="to test")


async def run_turn(client: Client, thread_id: str, text: str = "go") -> dict[str, Any]:
    await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": text}]})
    return await client.wait_for(lambda m: m.get("method") == "turn/completed")


async def test_thread_start_model_provider_and_nested_config_reach_the_model(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([{"items": [message("ok")]}]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call(
                "thread/start",
                {
                    "cwd": str(work),
                    "model": "gpt-from-client",
                    "modelProvider": "mock",
                    "config": {
                        "model_reasoning_effort": "high",
                        "model_providers": {"mock": {"http_headers": {"X-From-Client": "nested"}}},
                    },
                },
            )
            assert started["model"] == "gpt-from-client" and started["modelProvider"] == "mock"
            assert started["reasoningEffort"] == "high"
            await run_turn(client, started["thread"]["id"])
        request = model.requests[0]
    assert request.body["model"] == "gpt-from-client" and request.body["reasoning"]["effort"] == "high"
    assert {k.lower(): v for k, v in request.headers.items()}["x-from-client"] == "nested"


async def test_a_plan_and_a_patch_send_plan_and_diff_updates(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    plan = {"plan": [{"step": "write hello", "status": "in_progress"}, {"step": "check", "status": "pending"}]}
    steps = [
        {"items": [function_call("update_plan", {"explanation": "two steps", **plan}, "p1")]},
        {"items": [custom_tool_call("apply_patch", PATCH, "c2")]},
        {"items": [message("done")]},
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call(
                "thread/start", {"cwd": str(work), "approvalPolicy": "never", "sandbox": "workspace-write"}
            )
            done = await run_turn(client, started["thread"]["id"])
    turn_id = done["params"]["turn"]["id"]
    (planned,) = client.notifications("turn/plan/updated")
    assert planned["turnId"] == turn_id and planned["explanation"] == "two steps"
    assert planned["plan"] == [{"step": "write hello", "status": "inProgress"}, {"step": "check", "status": "pending"}]
    diff = client.notifications("turn/diff/updated")[-1]
    assert diff["turnId"] == turn_id and "+hello" in diff["diff"] and "hello.txt" in diff["diff"]
    assert (work / "hello.txt").read_text(encoding="utf-8") == "hello\n"


async def test_a_model_request_refused_with_400_sends_an_error_and_fails_the_turn(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"status": 400, "body": json.dumps({"error": {"message": "the model does not exist"}})}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work)})
            done = await run_turn(client, started["thread"]["id"])
    (error,) = client.notifications("error")
    assert "the model does not exist" in error["error"]["message"] and error["willRetry"] is False
    assert error["turnId"] == done["params"]["turn"]["id"]
    assert done["params"]["turn"]["status"] == "failed"


async def test_cancel_stops_the_turn_without_running_the_command(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [escalated("echo no > never.txt", "call_1")]}, {"items": [message("not reached")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "on-request"})
            await client.call(
                "turn/start", {"threadId": started["thread"]["id"], "input": [{"type": "text", "text": "go"}]}
            )
            ask = await client.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
            await client.respond(ask["id"], {"decision": "cancel"})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
        requests = len(model.requests)
    assert done["params"]["turn"]["status"] == "interrupted"
    assert not (work / "never.txt").exists() and requests == 1


async def test_accept_for_session_is_not_asked_again_for_the_same_command(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [
        {"items": [escalated("echo again >> twice.txt", "call_1")]},
        {"items": [escalated("echo again >> twice.txt", "call_2")]},
        {"items": [message("ran it twice")]},
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "on-request"})
            await client.call(
                "turn/start", {"threadId": started["thread"]["id"], "input": [{"type": "text", "text": "go"}]}
            )
            ask = await client.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
            await client.respond(ask["id"], {"decision": "acceptForSession"})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "completed"
    assert [m for m in client.messages if m.get("method") == "item/commandExecution/requestApproval"] == [ask]
    assert (work / "twice.txt").read_text(encoding="utf-8") == "again\nagain\n"
