"""pycodex against the real APIs' rules: the strict scripted server refuses what OpenAI refuses, and pycodex's requests
pass it on both wires (reasoning items across a multi-call turn and a resume); broken streams fail with a message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.cli.exec_harness import run_exec
from tests.support.model_server import ScriptedModelServer, custom_tool_call, exec_call, message, reasoning
from tests.support.strict_rules import encrypted_content_for

WIRES = ["responses", "chat"]


def _post(server: ScriptedModelServer, body: dict[str, Any], *, chat: bool = False) -> httpx2.Response:
    path = "chat/completions" if chat else "responses"
    return httpx2.post(f"{server.base_url}/{path}", json=body, timeout=10)


def _rejected(body: dict[str, Any], *, chat: bool = False) -> dict[str, Any]:
    with ScriptedModelServer([{"items": [message("never sent")]}]) as server:
        response = _post(server, body, chat=chat)
        assert response.status_code == 400
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
        assert server.state.index == 0, "a rejected request must not consume a step"
        assert len(server.rejections) == 1
        return error


def _responses(input_items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-5.5", "stream": True, "store": False, "input": input_items, "tools": [], **extra}


NO_SUMMARY: list[Any] = []
USER = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
CALL = {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": "c1"}


def test_reasoning_item_without_encrypted_content_is_not_found_under_store_false() -> None:
    error = _rejected(_responses([USER, {"type": "reasoning", "id": "rs_9", "summary": NO_SUMMARY}]))
    assert error["message"].startswith("Item with id 'rs_9' not found. Items are not persisted when `store`")


def test_reasoning_item_with_tampered_encrypted_content_is_refused() -> None:
    item: dict[str, Any] = {
        "type": "reasoning",
        "id": "rs_9",
        "summary": [],
        "encrypted_content": encrypted_content_for("rs_8"),
    }
    assert _rejected(_responses([USER, item]))["code"] == "invalid_encrypted_content"


def test_item_reference_under_store_false_is_not_found() -> None:
    error = _rejected(_responses([USER, {"type": "item_reference", "id": "msg_7"}]))
    assert "Item with id 'msg_7' not found" in error["message"]


@pytest.mark.parametrize("kind", ["function_call_output", "custom_tool_call_output"])
def test_tool_output_without_its_call_is_refused(kind: str) -> None:
    error = _rejected(_responses([USER, {"type": kind, "call_id": "nope", "output": "x"}]))
    assert error["message"].startswith("No tool call found for") and "call_id nope" in error["message"]


def test_tool_call_without_its_output_is_refused() -> None:
    assert _rejected(_responses([USER, CALL]))["message"] == "No tool output found for function call c1."


@pytest.mark.parametrize("name", ["mcp.server.tool", "has space", "x" * 65])
def test_tool_names_outside_the_pattern_are_refused_on_both_wires(name: str) -> None:
    tool: dict[str, Any] = {"type": "function", "name": name, "parameters": {"type": "object", "properties": {}}}
    error = _rejected(_responses([USER], tools=[tool]))
    assert error["param"] == "tools[0].name"
    chat_tool: dict[str, Any] = {"type": "function", "function": {"name": name, "parameters": {}}}
    chat = _rejected({"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": [chat_tool]}, chat=True)
    assert chat["param"] == "tools[0].function.name"


def test_strict_schemas_that_strict_mode_cannot_take_are_refused() -> None:
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    tool = {"type": "function", "name": "f", "strict": True, "parameters": loose}
    error = _rejected(_responses([USER], tools=[tool]))
    assert error["code"] == "invalid_function_parameters" and "'additionalProperties' is required" in error["message"]
    partial: dict[str, Any] = {**loose, "additionalProperties": False, "required": []}
    fmt: dict[str, Any] = {"type": "json_schema", "strict": True, "name": "codex_output_schema", "schema": partial}
    error = _rejected(_responses([USER], text={"format": fmt}))
    assert error["param"] == "text.format.schema" and "Missing 'a'" in error["message"]
    response_format = {"type": "json_schema", "json_schema": {"name": "s", "strict": True, "schema": loose}}
    chat = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "response_format": response_format}
    assert _rejected(chat, chat=True)["code"] == "invalid_json_schema"


def test_chat_tool_message_must_answer_a_call_and_every_call_needs_its_answer() -> None:
    orphan = {"model": "m", "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "x"}]}
    assert "must be a response to a preceeding message" in _rejected(orphan, chat=True)["message"]
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    unanswered = {"model": "m", "messages": [{"role": "assistant", "content": None, "tool_calls": [call]}]}
    assert "did not have response messages: c1" in _rejected(unanswered, chat=True)["message"]
    bad_role = {"model": "m", "messages": [{"role": "reasoning", "content": "x"}]}
    assert _rejected(bad_role, chat=True)["param"] == "messages[0].role"


def test_encrypted_content_is_sent_only_when_asked_for() -> None:
    with ScriptedModelServer([{"items": [message("a")]}, {"items": [message("b")]}]) as server:
        plain = _post(server, _responses([USER], reasoning={"effort": "low"})).text
        asked = _post(server, _responses([USER], reasoning={}, include=["reasoning.encrypted_content"])).text
    assert '"type": "reasoning"' in plain and "encrypted_content" not in plain
    assert encrypted_content_for("rs_scripted_2") in asked


def test_requests_are_codexs_shape_with_reasoning_and_verbosity(tmp_path: Path) -> None:
    run = run_exec([{"items": [message("hi")]}], ["--skip-git-repo-check", "-m", "gpt-5.5", "go"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    body = run.requests[0].body
    assert body["reasoning"] == {"effort": "medium"}
    assert body["include"] == ["reasoning.encrypted_content"] and body["store"] is False
    assert body["text"] == {"verbosity": "low"}
    assert "service_tier" not in body


def test_configured_reasoning_and_unknown_models_follow_codex(tmp_path: Path) -> None:
    flags = ["-c", "model_reasoning_effort=high", "-c", "model_reasoning_summary=detailed", "-c", "service_tier=fast"]
    run = run_exec([{"items": [message("hi")]}], ["--skip-git-repo-check", *flags, "go"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    body = run.requests[0].body
    assert body["reasoning"] == {"effort": "high", "summary": "detailed"} and body["service_tier"] == "priority"
    run = run_exec([{"items": [message("hi")]}], ["--skip-git-repo-check", "-m", "mock-model", "go"], cwd=tmp_path)
    assert run.requests[0].body["reasoning"] == {"summary": "auto"} and "text" not in run.requests[0].body


@pytest.mark.parametrize("wire", WIRES)
def test_reasoning_items_go_back_whole_across_a_multi_call_turn_and_a_resume(
    wire: str, tmp_path: Path, codex_home: Path
) -> None:
    env = {"CODEX_HOME": str(codex_home)}
    patch = "*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n"
    steps = [
        {"items": [reasoning("look first", id="rs_a"), exec_call("echo hi", "c1", login=False)]},
        {"items": [custom_tool_call("apply_patch", patch, "c2")]},
        {"items": [message("done")]},
    ]
    first = run_exec(steps, ["--skip-git-repo-check", "--json", "go"], cwd=tmp_path, wire=wire, env=env)
    assert first.returncode == 0, first.stderr
    assert len(first.requests) == 3
    second = run_exec(
        [{"items": [message("again")]}],
        ["--skip-git-repo-check", "--json", "resume", "--last", "more"],
        cwd=tmp_path,
        wire=wire,
        env=env,
    )
    assert second.returncode == 0, second.stderr
    if wire == "chat":
        messages = second.requests[0].body["messages"]
        assert [m["role"] for m in messages if m["role"] in ("assistant", "tool")] == [
            "assistant",
            "tool",
            "assistant",
            "tool",
            "assistant",
        ]
        return
    sent = second.requests[0].body["input"]
    reasonings = [i for i in sent if i["type"] == "reasoning"]
    assert [r["id"] for r in reasonings] == ["rs_a", "rs_scripted_2", "rs_scripted_3"]
    assert all(r["encrypted_content"] == encrypted_content_for(r["id"]) for r in reasonings)
    assert reasonings[0]["summary"] == [{"type": "summary_text", "text": "look first"}]


def test_a_stream_of_the_wrong_event_types_is_retried_then_fails(tmp_path: Path) -> None:
    chunk = "data: " + json.dumps({"object": "chat.completion.chunk", "choices": [{"delta": {"content": "x"}}]})
    steps = [{"raw": [chunk + "\n\n", "data: [DONE]\n\n"], "repeat": True}]
    run = run_exec(steps, ["--skip-git-repo-check", "go"], cwd=tmp_path, stream_retries=1)
    assert run.returncode == 1
    assert "Reconnecting... 1/1" in run.stderr
    assert "not a Responses API event" in run.stderr
    assert len(run.requests) == 2


def test_a_chat_stream_of_responses_events_fails(tmp_path: Path) -> None:
    event = 'event: response.created\ndata: {"type": "response.created"}\n\n'
    run = run_exec([{"raw": [event, "data: [DONE]\n\n"]}], ["--skip-git-repo-check", "go"], cwd=tmp_path, wire="chat")
    assert run.returncode == 1
    assert "not a Chat Completions chunk" in run.stderr


def test_a_server_that_never_sends_headers_hits_the_idle_timeout(tmp_path: Path) -> None:
    run = run_exec([{"no_headers": True}], ["--skip-git-repo-check", "go"], cwd=tmp_path, idle_ms=300, timeout=20)
    assert run.returncode == 1
    assert "no response headers for 0.3 s" in run.stderr
