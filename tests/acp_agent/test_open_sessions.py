"""What used to go unseen: a load/resume of an open session with other settings (refused, not ignored), and the
`view_image` and sub-agent tool calls (shown as tool calls)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from acp import RequestError, text_block

from tests.acp_agent.harness import RecordingClient, prompt_once, spawn
from tests.support.model_server import ScriptedModelServer, function_call, message

pytestmark = pytest.mark.anyio

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


async def test_loading_or_resuming_an_open_session_with_other_settings_is_refused(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with ScriptedModelServer([]) as server:
        async with spawn(RecordingClient(), server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            sid = session.session_id
            with pytest.raises(RequestError) as moved:
                await conn.load_session(cwd=str(other), session_id=sid, mcp_servers=[])
            with pytest.raises(RequestError) as widened:
                await conn.resume_session(cwd=str(work), session_id=sid, additional_directories=[str(other)])
            # The same settings again: the open session is answered as it is.
            same = await conn.resume_session(cwd=str(work), session_id=sid, mcp_servers=[])
    for refused in (moved, widened):
        assert refused.value.code == -32602
        assert "already open" in str(refused.value) and "session/close" in str(refused.value)
    assert same.modes is not None


async def test_view_image_is_a_read_tool_call_at_the_images_path(work: Path, tmp_path: Path, codex_home: Path) -> None:
    (work / "shot.png").write_bytes(PNG)
    steps: list[dict[str, Any]] = [
        {"items": [function_call("view_image", {"path": "shot.png"}, "v1")]},
        {"items": [message("A single pixel.")]},
    ]
    client = RecordingClient()
    _, requests = await prompt_once(client, steps, work, "look", codex_home=codex_home, stderr=tmp_path / "err")
    [call] = client.updates_of("v1")
    assert (call.session_update, call.kind, call.status) == ("tool_call", "read", "completed")
    assert call.title == f"View image {work / 'shot.png'}"
    assert [loc.path for loc in call.locations] == [str(work / "shot.png")]
    assert any(i.get("type") == "function_call_output" for i in requests[1].body["input"])


def _route(body: dict[str, Any]) -> dict[str, Any]:
    """The parent spawns a child, waits for it and answers; the child (no agent tools offered) answers at once."""
    if "spawn_agent" not in json.dumps(body.get("tools", [])):
        return {"items": [message("There are 3 files.", id="msg_child")]}
    outputs = [str(i.get("output")) for i in body.get("input", []) if i.get("type") == "function_call_output"]
    if not outputs:
        return {"items": [function_call("spawn_agent", {"message": "count the files"}, "s1")]}
    if len(outputs) == 1:
        agent_id = json.loads(outputs[0])["agent_id"]
        return {"items": [function_call("wait_agent", {"targets": [agent_id], "timeout_ms": 20000}, "w1")]}
    return {"items": [message("The child counted 3 files.", id="msg_parent")]}


async def test_sub_agent_calls_are_tool_calls_with_the_childs_state(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    client = RecordingClient()
    with ScriptedModelServer([], route=_route) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.prompt(session_id=session.session_id, prompt=[text_block("count them with a helper")])
    spawn_start, spawn_end = client.updates_of("s1")
    assert (spawn_start.session_update, spawn_start.kind, spawn_start.title) == (
        "tool_call",
        "other",
        "Start a sub-agent",
    )
    assert spawn_start.raw_input["prompt"] == "count the files"
    assert spawn_end.status == "completed"
    wait_start, wait_end = client.updates_of("w1")
    assert (wait_start.title, wait_end.status) == ("Wait for sub-agents", "completed")
    assert "There are 3 files." in wait_end.content[0].content.text
    assert client.text().endswith("The child counted 3 files.")
