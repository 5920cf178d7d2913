"""What the app-server sends its clients is redacted: a key a command prints and a key the model writes, both
streamed in pieces, are absent from every notification (the deltas joined), while the model's next request still
had the live output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, exec_call, message
from tests.support.secret_stream import MESSAGE, OUTPUT_REDACTED, REDACTED_MESSAGE, SECRET, write_script

pytestmark = pytest.mark.anyio


def _streams(notifications: list[dict[str, object]]) -> dict[str, list[str]]:
    pieces: dict[str, list[str]] = {}
    for params in notifications:
        pieces.setdefault(str(params["itemId"]), []).append(str(params["delta"]))
    return pieces


async def test_a_key_streamed_in_pieces_is_absent_from_every_notification(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    script = write_script(work)
    steps = [{"items": [exec_call(f"sh {script}", "call_1")]}, {"items": [message(MESSAGE)]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            params = {"cwd": str(work), "approvalPolicy": "never", "sandbox": "danger-full-access"}
            thread_id = (await client.call("thread/start", params))["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "show it"}]})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
        requests = model.requests
    assert SECRET in json.dumps(requests[1].body)  # the model saw the live output
    output = _streams(client.notifications("item/commandExecution/outputDelta"))["call_1"]
    assert len(output) >= 2, output  # the output did arrive in pieces
    assert "".join(output) == OUTPUT_REDACTED
    (pieces,) = _streams(client.notifications("item/agentMessage/delta")).values()
    assert len(pieces) >= 2, pieces
    assert "".join(pieces) == REDACTED_MESSAGE
    completed = {i["type"]: i for i in (n["item"] for n in client.notifications("item/completed"))}
    assert completed["commandExecution"]["aggregatedOutput"] == OUTPUT_REDACTED
    assert completed["agentMessage"]["text"] == REDACTED_MESSAGE
    assert done["params"]["turn"]["items"][0]["text"] == REDACTED_MESSAGE
    assert SECRET not in json.dumps(client.messages)
