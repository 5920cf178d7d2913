"""Thread and turn settings a client sends that are not plain config: those pycodex acts on change what it does
(serviceTier reaches the model, approvalsReviewer the thread's settings, clientUserMessageId the user message item,
includeLayers the answer of config/read), the others get a `warning` naming them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio


async def test_thread_and_turn_settings_act_or_are_reported(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    (codex_home / "config.toml").write_text('model_verbosity = "low"\n', encoding="utf-8")
    with ScriptedModelServer([{"items": [message("hello")]}]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call(
                "thread/start",
                {
                    "cwd": str(work),
                    "serviceTier": "flex",
                    "personality": "friendly",
                    "serviceName": "my-service",
                    "sessionStartSource": "clear",
                },
            )
            assert started["serviceTier"] == "flex"
            thread_id = started["thread"]["id"]
            await client.call(
                "turn/start",
                {
                    "threadId": thread_id,
                    "input": [{"type": "text", "text": "hi"}],
                    "clientUserMessageId": "client-msg-1",
                    "approvalsReviewer": "auto_review",
                },
            )
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
            # An already loaded thread keeps its settings on thread/resume, and says so.
            resumed = await client.call("thread/resume", {"threadId": thread_id, "model": "other-model"})
            assert resumed["approvalsReviewer"] == "auto_review" and resumed["model"] != "other-model"
            await client.wait_for(lambda m: "already loaded" in m.get("params", {}).get("message", ""))
            layers = await client.call("config/read", {"includeLayers": True})
            plain = await client.call("config/read", {})
        body = model.requests[0].body
    assert body["service_tier"] == "flex"
    warnings = " | ".join(n["message"] for n in client.notifications("warning"))
    assert "personality `friendly` is not supported" in warnings
    assert "`serviceName` is not supported" in warnings
    assert "sessionStartSource `clear` is not supported" in warnings
    assert "model did not change it" in warnings
    users = [n["item"] for n in client.notifications("item/completed") if n["item"]["type"] == "userMessage"]
    assert users[0]["clientId"] == "client-msg-1"
    assert plain["layers"] is None
    kinds = [layer["name"]["type"] for layer in layers["layers"]]
    assert kinds == ["sessionFlags", "user", "system"]
    user = layers["layers"][1]
    assert user["config"] == {"model_verbosity": "low"} and user["name"]["file"] == str(codex_home / "config.toml")
    assert layers["layers"][0]["config"]["model_provider"] == "mock"
    assert layers["origins"]["model_verbosity"]["version"] == user["version"]
    client.assert_schema_clean()
