"""The schema check itself: Codex's binary prints its schema, and the check catches what Codex would not accept.

(Every app-server test checks each message it receives; these tests show the check can fail and does run.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, message


@pytest.fixture
def schema(codex_schema: CodexSchema | None) -> CodexSchema:
    if codex_schema is None:
        pytest.skip("Codex's binary is not installed in .ci/npm (bash .ci/setup installs it)")
    return codex_schema


def test_the_check_rejects_what_codex_would_not_accept(schema: CodexSchema) -> None:
    with pytest.raises(AssertionError, match="ThreadStartResponse"):
        schema.check({"id": 1, "result": {"thread": {"id": "x"}}}, "thread/start")
    with pytest.raises(AssertionError, match="jsonrpc"):
        schema.check({"jsonrpc": "2.0", "id": 1, "result": {}}, "thread/archive")
    with pytest.raises(AssertionError, match="no notification `turn/finished`"):
        schema.check({"method": "turn/finished", "params": {}})
    with pytest.raises(AssertionError, match="TurnPlanUpdatedNotification"):
        schema.check(
            {
                "method": "turn/plan/updated",
                "params": {"threadId": "t", "turnId": "u", "plan": [{"step": "a", "status": "in_progress"}]},
            }
        )


@pytest.mark.anyio
async def test_a_turn_over_stdio_sends_only_messages_codex_declares(
    schema: CodexSchema, tmp_path: Path, codex_home: Path
) -> None:
    before = schema.checked
    with ScriptedModelServer([{"items": [message("checked")]}]) as model:
        async with stdio_server(model.base_url, cwd=tmp_path, codex_home=codex_home, schema=schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(tmp_path)})
            thread_id = started["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
    # initialize, thread/start and its notification, turn/start, and the turn's dozen notifications.
    assert schema.checked - before >= 12
    assert not client.violations
