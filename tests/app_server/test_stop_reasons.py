"""The app-server when the model stops short: a response cut at the output limit ends the turn as completed, with
the partial answer and a warning that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio


async def test_a_response_cut_at_the_output_limit_completes_the_turn_with_a_warning(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [message("half of it")], "incomplete": "max_output_tokens"}, {"items": [message("x")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
            warnings = client.notifications("warning")
            completed_items = client.notifications("item/completed")
        requests = model.requests
    assert done["params"]["turn"]["status"] == "completed"
    assert any("output token limit" in w["message"] for w in warnings)
    texts = [i["item"].get("text") for i in completed_items if i["item"]["type"] == "agentMessage"]
    assert texts == ["half of it"]
    assert len(requests) == 1
