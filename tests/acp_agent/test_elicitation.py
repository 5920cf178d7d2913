"""An external MCP server's questions end to end (a real stdio MCP server asking mid-call): to a client without the
elicitation capability they become permission requests (a form whose fields all have defaults: accept sends the
defaults; a URL question: the URL is shown); a client with the capability gets URL questions as ACP elicitation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from acp import text_block
from acp.schema import (
    ClientCapabilities,
    ElicitationCapabilities,
    ElicitationUrlCapabilities,
    McpServerStdio,
    ToolCallUpdate,
)

from tests.acp_agent.harness import RecordingClient, spawn
from tests.support.model_server import ScriptedModelServer, function_call, message

pytestmark = pytest.mark.anyio

ELICITOR = Path(__file__).resolve().parent / "servers/elicitor.py"


def _answers(questions: list[str | None]) -> Any:
    """The client's answers: every MCP tool call itself is allowed; the server's questions get `questions` in turn."""

    def answer_for(call: ToolCallUpdate) -> str | None:
        return questions.pop(0) if call.tool_call_id.startswith("elicitation-") else "allow_once"

    return answer_for


async def _calls(
    calls: list[tuple[str, dict[str, Any]]], client: RecordingClient, tmp_path: Path, codex_home: Path, caps: Any = None
) -> list[str]:
    """The model calls the elicitor's tools, one prompt each, in one session; returns each tool's output as the
    client saw it."""
    steps: list[dict[str, Any]] = []
    for index, (tool, arguments) in enumerate(calls):
        steps.append({"items": [function_call(f"mcp__elicitor__{tool}", arguments, f"m{index}")]})
        steps.append({"items": [message("done")]})
    elicitor = McpServerStdio(name="elicitor", command=sys.executable, args=[str(ELICITOR)], env=[])
    with ScriptedModelServer(steps) as server:
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err") as conn:
            await conn.initialize(protocol_version=1, client_capabilities=caps)
            session = await conn.new_session(cwd=str(tmp_path), mcp_servers=[elicitor])
            for _ in calls:
                await conn.prompt(session_id=session.session_id, prompt=[text_block("go")])
    return [[u for u in client.updates_of(f"m{i}") if u.status][-1].content[0].content.text for i in range(len(calls))]


async def test_without_the_capability_questions_become_permission_requests(tmp_path: Path, codex_home: Path) -> None:
    client = RecordingClient(answer_for=_answers(["allow_once", "reject_once", None, "allow_once"]))
    calls = [("paint", {"thing": "fence"}), ("paint", {"thing": "door"}), ("paint", {"thing": "gate"})]
    outputs = await _calls([*calls, ("pay", {"amount": 5})], client, tmp_path, codex_home)
    # A form whose fields all have defaults: allowed, the defaults are the answer; rejected: declined; the
    # permission request cancelled: the question is cancelled.
    assert outputs == [
        "painted the fence green in 2 coats",
        "not painted (decline)",
        "not painted (cancel)",
        "payment accept",
    ]
    asked = [(call, options) for call, options in client.permissions if call.tool_call_id.startswith("elicitation-")]
    assert [call.title for call, _ in asked] == [
        "[MCP server elicitor] How should the fence be painted?",
        "[MCP server elicitor] How should the door be painted?",
        "[MCP server elicitor] How should the gate be painted?",
        "[MCP server elicitor] Approve paying 5",
    ]
    assert {call.kind for call, _ in asked} == {"other"}
    assert {tuple(o.option_id for o in options) for _, options in asked} == {("allow_once", "reject_once")}
    # A URL question shows the URL the person is to open.
    shown = asked[-1][0].content[0].content.text  # type: ignore[index,union-attr]
    assert "https://pay.example.test/approve/42" in shown
    assert client.elicitations == []


async def test_a_client_with_url_elicitation_gets_the_url_question_as_elicitation(
    tmp_path: Path, codex_home: Path
) -> None:
    client = RecordingClient(answer_for=_answers([]), form_answer={})
    caps = ClientCapabilities(elicitation=ElicitationCapabilities(url=ElicitationUrlCapabilities()))
    assert await _calls([("pay", {"amount": 7})], client, tmp_path, codex_home, caps) == ["payment accept"]
    [(message_text, mode)] = client.elicitations
    assert message_text == "[MCP server elicitor] Approve paying 7"
    assert (str(mode.url), mode.elicitation_id) == ("https://pay.example.test/approve/42", "pay-42")
    assert [c for c, _ in client.permissions if c.tool_call_id.startswith("elicitation-")] == []
