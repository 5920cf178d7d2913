"""`pycodex acp` end to end: an ACP client (the agent-client-protocol package) spawns `python -m cli acp`, the model is
the scripted loopback server, commands run in the real sandbox."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from acp import RequestError, audio_block, image_block, resource_link_block, text_block
from acp.schema import (
    ClientCapabilities,
    ElicitationCapabilities,
    ElicitationFormCapabilities,
    EmbeddedResourceContentBlock,
    McpServerStdio,
    TextResourceContents,
)

from tests.acp_agent.harness import RecordingClient, spawn
from tests.support.model_server import (
    ScriptedModelServer,
    custom_tool_call,
    exec_call,
    function_call,
    message,
    reasoning,
)

pytestmark = pytest.mark.anyio

TOOLBOX = Path(__file__).resolve().parents[1] / "mcp_client/servers/toolbox.py"
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")).decode()


def _inputs(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item for item in body["input"] if item.get("type") == kind]


async def test_initialize_advertises_capabilities_the_api_key_method_and_agent_info(
    tmp_path: Path, codex_home: Path
) -> None:
    with ScriptedModelServer([]) as server:
        async with spawn(RecordingClient(), server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            answer = await conn.initialize(protocol_version=1)
    assert answer.protocol_version == 1
    caps = answer.agent_capabilities
    assert caps is not None and caps.load_session is True
    assert caps.prompt_capabilities is not None
    assert (caps.prompt_capabilities.image, caps.prompt_capabilities.embedded_context) == (True, True)
    assert caps.mcp_capabilities is not None and caps.mcp_capabilities.http is True
    sessions = caps.session_capabilities
    assert sessions is not None and None not in (sessions.list, sessions.resume, sessions.close)
    assert answer.agent_info is not None and answer.agent_info.name == "pycodex"
    methods = answer.auth_methods or []
    assert [m.id for m in methods] == ["openai-api-key", "pycodex-login"]
    assert [v.name for v in methods[0].vars] == ["OPENAI_API_KEY"]  # type: ignore[union-attr]
    assert methods[1].args == ["login", "--with-api-key"]  # type: ignore[union-attr]


async def test_a_prompt_streams_thoughts_a_plan_a_command_an_edit_and_the_answer(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    (work / "notes.txt").write_text("one\ntwo\n")
    patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n one\n-two\n+three\n*** End Patch"
    steps: list[dict[str, Any]] = [
        {
            "items": [
                reasoning("Looking at the notes"),
                function_call("update_plan", {"plan": [{"step": "edit notes", "status": "in_progress"}]}, "p1"),
                exec_call("echo hello; exit 3", "c1", login=False),
                custom_tool_call("apply_patch", patch, "e1"),
            ]
        },
        {"items": [message("Edited the notes.")]},
    ]
    client = RecordingClient()
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.set_session_mode(session_id=session.session_id, mode_id="auto")
            answer = await conn.prompt(session_id=session.session_id, prompt=[text_block("fix the notes")])

    assert answer.stop_reason == "end_turn"
    # In the `auto` mode a command and an edit inside the workspace need nobody's permission.
    assert client.permissions == []
    assert answer.usage is not None and answer.usage.total_tokens == 240
    assert (work / "notes.txt").read_text() == "one\nthree\n"
    assert client.text("agent_thought_chunk") == "Looking at the notes"
    assert client.text() == "Edited the notes."
    assert [(e.content, e.status) for e in client.of("plan")[-1].entries] == [("edit notes", "in_progress")]

    command = [u for u in client.of("tool_call") if u.tool_call_id == "c1"][0]
    assert (command.kind, command.title) == ("execute", "echo hello; exit 3")
    command_end = [u for u in client.of("tool_call_update") if u.tool_call_id == "c1" and u.status][-1]
    assert command_end.status == "failed"
    assert command_end.raw_output["exit_code"] == 3
    assert [c.content.text for c in command_end.content] == ["```\nhello\n```", "Exit code: 3"]

    edit = [u for u in client.of("tool_call") if u.tool_call_id == "e1"][0]
    assert edit.kind == "edit"
    diff = edit.content[0]
    assert (diff.type, diff.path, diff.old_text, diff.new_text) == (
        "diff",
        str(work / "notes.txt"),
        "one\ntwo\n",
        "one\nthree\n",
    )
    assert [u.status for u in client.of("tool_call_update") if u.tool_call_id == "e1"] == ["completed"]
    usage = client.of("usage_update")
    assert usage and usage[-1].size == 200000 and usage[-1].used == 120
    assert client.kinds().index("current_mode_update") < client.kinds().index("agent_thought_chunk")


@pytest.mark.parametrize(("answer", "ran"), [("allow_once", True), ("reject_once", False)])
async def test_a_command_that_needs_approval_asks_the_client_and_follows_its_answer(
    work: Path, tmp_path: Path, codex_home: Path, answer: str, ran: bool
) -> None:
    steps: list[dict[str, Any]] = [
        {
            "items": [
                exec_call(
                    "touch made.txt", "c1", login=False, sandbox_permissions="require_escalated", justification="write"
                )
            ]
        },
        {"items": [message("ok")]},
    ]
    client = RecordingClient(answer=answer)
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            result = await conn.prompt(session_id=session.session_id, prompt=[text_block("make a file")])
        requests = server.requests
    assert result.stop_reason == "end_turn"
    [(tool_call, options)] = client.permissions
    assert (tool_call.tool_call_id, tool_call.kind, tool_call.title) == ("c1", "execute", "touch made.txt")
    assert [o.kind for o in options] == ["allow_once", "allow_always", "reject_once", "reject_always"]
    assert (work / "made.txt").exists() is ran
    output = _inputs(requests[1].body, "function_call_output")[-1]["output"]
    assert ("rejected by user" in output) is not ran


@pytest.mark.parametrize(("answer", "ran"), [("reject_always", False), ("allow_always", True)])
async def test_an_always_answer_covers_the_same_command_for_the_rest_of_the_session(
    work: Path, tmp_path: Path, codex_home: Path, answer: str, ran: bool
) -> None:
    touch = {"sandbox_permissions": "require_escalated", "justification": "write", "login": False}
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("touch made.txt", "c1", **touch)]},
        {"items": [exec_call("touch made.txt", "c2", **touch)]},
        {"items": [message("done")]},
    ]
    client = RecordingClient(answer=answer)
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.prompt(session_id=session.session_id, prompt=[text_block("make a file")])
        requests = server.requests
    assert len(client.permissions) == 1
    assert (work / "made.txt").exists() is ran
    second = _inputs(requests[2].body, "function_call_output")[-1]["output"]
    assert ("rejected by user" in second) is not ran


async def test_the_model_option_changes_the_model_of_the_next_request(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    client = RecordingClient()
    with ScriptedModelServer([{"items": [message("ok")]}]) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            options = {o.id: o for o in session.config_options or []}
            assert options["model"].current_value == "gpt-5.5"
            changed = await conn.set_config_option(config_id="model", session_id=session.session_id, value="o4-mini")
            with pytest.raises(RequestError) as bad:
                await conn.set_config_option(config_id="colour", session_id=session.session_id, value="red")
            await conn.prompt(session_id=session.session_id, prompt=[text_block("hi")])
        requests = server.requests
    assert changed is not None
    assert {o.id: o.current_value for o in changed.config_options or []}["model"] == "o4-mini"
    assert bad.value.code == -32602 and "colour" in str(bad.value)
    assert requests[0].body["model"] == "o4-mini"


async def test_a_patch_outside_the_sandbox_asks_with_its_diff_and_allow_once_applies_it(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    patch = "*** Begin Patch\n*** Add File: new.txt\n+fresh\n*** End Patch"
    steps: list[dict[str, Any]] = [
        {"items": [custom_tool_call("apply_patch", patch, "e1")]},
        {"items": [message("added")]},
    ]
    client = RecordingClient(answer="allow_once")
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            assert session.modes is not None and session.modes.current_mode_id == "read-only"
            await conn.prompt(session_id=session.session_id, prompt=[text_block("add a file")])
    [(tool_call, _)] = client.permissions
    assert tool_call.kind == "edit"
    content: list[Any] = tool_call.content or []
    reason, diff = content
    assert reason.content.text == "The sandbox is read-only: nothing may be written without your approval."
    assert (diff.path, diff.old_text, diff.new_text) == (str(work / "new.txt"), None, "fresh\n")
    assert (work / "new.txt").read_text() == "fresh\n"


async def test_cancel_during_a_long_command_ends_the_turn_within_a_second_and_kills_it(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    marker = "31.4159"
    steps: list[dict[str, Any]] = [
        {"items": [exec_call(f"sleep {marker}", "c1", login=False, yield_time_ms=30000)]},
        {"items": [message("never")], "repeat": True},
    ]
    started = anyio.Event()
    client = RecordingClient(on_update=lambda u: started.set() if getattr(u, "tool_call_id", None) == "c1" else None)
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.set_session_mode(session_id=session.session_id, mode_id="auto")
            outcome: dict[str, Any] = {}
            cancelled_at = 0.0

            async def run_prompt() -> None:
                outcome["answer"] = await conn.prompt(session_id=session.session_id, prompt=[text_block("wait")])
                outcome["at"] = anyio.current_time()

            async with anyio.create_task_group() as tg:
                tg.start_soon(run_prompt)
                with anyio.fail_after(20):
                    await started.wait()
                cancelled_at = anyio.current_time()
                await conn.cancel(session_id=session.session_id)
            assert outcome["answer"].stop_reason == "cancelled"
            assert outcome["at"] - cancelled_at < 1.0
            running = await anyio.run_process(["pgrep", "-f", f"sleep {marker}"], check=False)
            assert running.stdout == b""
            # The session stays usable after a cancel.
            again = await conn.prompt(session_id=session.session_id, prompt=[text_block("again")])
            assert again.stop_reason == "end_turn"


async def test_a_client_mcp_server_is_connected_and_the_model_calls_its_tool(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    steps: list[dict[str, Any]] = [
        {"items": [function_call("mcp__toolbox__echo", {"message": "ping"}, "m1")]},
        {"items": [message("echoed")]},
    ]
    client = RecordingClient()
    toolbox = McpServerStdio(name="toolbox", command=sys.executable, args=[str(TOOLBOX), "stdio"], env=[])
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[toolbox])
            await conn.prompt(session_id=session.session_id, prompt=[text_block("echo ping")])
        requests = server.requests
    tool_names = str(requests[0].body["tools"])
    assert "echo" in tool_names and "toolbox" in tool_names
    # The tool has no read-only hint: the client is asked first.
    [(asked, _)] = client.permissions
    assert (asked.tool_call_id, asked.title, asked.kind) == ("m1", "toolbox: echo", "other")
    calls = [u for u in client.updates_of("m1") if u.title]
    assert (calls[-1].title, calls[-1].kind, calls[-1].raw_input) == ("toolbox: echo", "other", {"message": "ping"})
    end = [u for u in client.updates_of("m1") if u.status][-1]
    assert end.status == "completed"
    assert [c.content.text for c in end.content] == ["Echo: ping"]


@pytest.mark.parametrize("client_has_forms", [True, False])
async def test_an_mcp_servers_question_goes_to_the_client_as_elicitation_or_is_declined(
    work: Path, tmp_path: Path, codex_home: Path, client_has_forms: bool
) -> None:
    steps: list[dict[str, Any]] = [
        {"items": [function_call("mcp__toolbox__signup", {"reason": "the beta"}, "m1")]},
        {"items": [message("done")]},
    ]
    client = RecordingClient(form_answer={"name": "Ada", "colour": "red", "subscribe": True})
    toolbox = McpServerStdio(name="toolbox", command=sys.executable, args=[str(TOOLBOX), "stdio"], env=[])
    forms = ClientCapabilities(elicitation=ElicitationCapabilities(form=ElicitationFormCapabilities()))
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1, client_capabilities=forms if client_has_forms else None)
            session = await conn.new_session(cwd=str(work), mcp_servers=[toolbox])
            await conn.prompt(session_id=session.session_id, prompt=[text_block("sign me up")])
    end = [u for u in client.updates_of("m1") if u.status][-1]
    if client_has_forms:
        [(asked, mode)] = client.elicitations
        assert asked.startswith("[MCP server toolbox] Please fill in your details (the beta)")
        assert "name" in mode.requested_schema.properties
        assert end.content[0].content.text == "signed up Ada colour=red subscribe=True"
    else:
        # A form with a required field and no way to show it: declined, and the server says so.
        assert client.elicitations == []
        assert end.content[0].content.text == "signup decline"


async def test_images_resource_links_and_embedded_resources_reach_the_model(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    client = RecordingClient()
    blocks: list[Any] = [
        text_block("what is this?"),
        image_block(PNG, "image/png"),
        resource_link_block("notes.txt", "file:///tmp/notes.txt"),
        EmbeddedResourceContentBlock(
            type="resource",
            resource=TextResourceContents(uri="file:///a.py", text="print(1)", mime_type="text/x-python"),
        ),
    ]
    with ScriptedModelServer([{"items": [message("a pixel")]}]) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            await conn.prompt(session_id=session.session_id, prompt=blocks)
        requests = server.requests
    user = [m for m in _inputs(requests[0].body, "message") if m["role"] == "user"][-1]
    parts = [(p["type"], p.get("text") or p.get("image_url")) for p in user["content"]]
    assert parts == [
        ("input_text", "what is this?"),
        ("input_image", f"data:image/png;base64,{PNG}"),
        ("input_text", "[@notes.txt](file:///tmp/notes.txt)"),
        ("input_text", '<context ref="file:///a.py">\nprint(1)\n</context>'),
    ]


async def test_bad_requests_get_clear_errors_and_the_agent_keeps_serving(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    steps: list[dict[str, Any]] = [
        {"items": [exec_call("sleep 20", "c1", login=False, yield_time_ms=30000)]},
        {"items": [message("stopped")], "repeat": True},
    ]
    running = anyio.Event()
    client = RecordingClient(on_update=lambda u: running.set() if getattr(u, "tool_call_id", None) else None)
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1)
            with pytest.raises(RequestError) as unknown:
                await conn.prompt(session_id="no-such-session", prompt=[text_block("hi")])
            assert unknown.value.code == -32002 and "no-such-session" in str(unknown.value)
            with pytest.raises(RequestError) as relative:
                await conn.new_session(cwd="relative/dir", mcp_servers=[])
            assert relative.value.code == -32602 and "absolute" in str(relative.value)
            with pytest.raises(RequestError) as mode:
                await conn.set_session_mode(session_id="nope", mode_id="auto")
            assert mode.value.code == -32002
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            with pytest.raises(RequestError) as bad_mode:
                await conn.set_session_mode(session_id=session.session_id, mode_id="yolo")
            assert bad_mode.value.code == -32602 and "read-only" in str(bad_mode.value)
            with pytest.raises(RequestError) as audio:
                await conn.prompt(session_id=session.session_id, prompt=[audio_block("AAAA", "audio/wav")])
            assert audio.value.code == -32602 and "audio" in str(audio.value)
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: conn.prompt(session_id=session.session_id, prompt=[text_block("first")]))
                with anyio.fail_after(20):
                    await running.wait()
                with pytest.raises(RequestError) as busy:
                    await conn.prompt(session_id=session.session_id, prompt=[text_block("second")])
                assert busy.value.code == -32600 and "already running" in str(busy.value)
                await conn.cancel(session_id=session.session_id)
