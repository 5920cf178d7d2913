"""`pycodex mcp-server` over stdio, driven by the `mcp` client on both protocol eras, against the scripted model."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client

from tests.support.model_server import ScriptedModelServer, exec_call, message

from .harness import decisions_of, git_repo, processes_with, stdio_params, write_provider

pytestmark = pytest.mark.anyio

TOOLBOX = Path(__file__).resolve().parents[1] / "mcp_client/servers/toolbox.py"

ERAS = pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])


def text_of(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


@ERAS
async def test_codex_call_reports_each_step_in_order_and_reply_continues_the_thread(
    mode: str, codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    steps = [
        {"items": [exec_call("echo first-step", "c1")]},
        {"items": [message("First turn finished.")]},
        {"items": [message("Second turn finished.")]},
    ]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        updates: list[tuple[float, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            updates.append((progress, message))

        async with Client(stdio_params(codex_home), mode=mode) as client:  # type: ignore[arg-type]
            with anyio.fail_after(60):
                first = await client.call_tool(
                    "codex",
                    {"prompt": "say hi", "cwd": str(repo), "sandbox": "danger-full-access", "approval-policy": "never"},
                    progress_callback=on_progress,
                )
                assert first.is_error is not True, text_of(first)
                assert first.structured_content is not None
                thread_id = first.structured_content["threadId"]
                assert first.structured_content == {"threadId": thread_id, "content": "First turn finished."}
                assert text_of(first) == "First turn finished."
                second = await client.call_tool("codex-reply", {"threadId": thread_id, "prompt": "and again"})
    assert second.structured_content == {"threadId": thread_id, "content": "Second turn finished."}
    assert [text for _, text in updates] == [
        "Turn started",
        "Running `echo first-step`",
        updates[2][1],
        "Agent: First turn finished.",
        "Turn complete",
    ]
    assert updates[2][1] is not None and updates[2][1].startswith("Command finished with exit code 0")
    assert [value for value, _ in updates] == [1, 2, 3, 4, 5]
    # The second turn's request carries the whole thread: the first prompt, the command and both answers.
    last_input = str(model.requests[-1].body["input"])
    assert "say hi" in last_input and "first-step" in last_input and "and again" in last_input


@ERAS
async def test_errors_are_tool_results_that_name_the_problem(mode: str, codex_home: Path) -> None:
    with ScriptedModelServer([]) as model:
        write_provider(codex_home, model.base_url)
        async with Client(stdio_params(codex_home), mode=mode) as client:  # type: ignore[arg-type]
            with anyio.fail_after(60):
                unknown_thread = await client.call_tool("codex-reply", {"threadId": "no-such-thread", "prompt": "hi"})
                no_prompt = await client.call_tool("codex", {"cwd": "."})
                bad_policy = await client.call_tool("codex", {"prompt": "x", "approval-policy": "sometimes"})
                no_thread = await client.call_tool("codex-reply", {"prompt": "x"})
                bad_config = await client.call_tool("codex", {"prompt": "x", "config": {"model_reasoning_effort": 7}})
                unknown_tool = await client.call_tool("nope", {})
                tools = await client.list_tools()
    assert unknown_thread.is_error and "Thread not found: no-such-thread" in text_of(unknown_thread)
    assert unknown_thread.structured_content == {"threadId": "no-such-thread", "content": text_of(unknown_thread)}
    assert no_prompt.is_error and "needs `prompt`" in text_of(no_prompt)
    assert bad_policy.is_error and "`approval-policy` must be one of untrusted, on-failure" in text_of(bad_policy)
    assert no_thread.is_error and "needs `threadId`" in text_of(no_thread)
    assert bad_config.is_error and text_of(bad_config).startswith("Configuration error:")
    assert "model_reasoning_effort" in text_of(bad_config)
    assert unknown_tool.is_error and "Unknown tool 'nope'" in text_of(unknown_tool)
    assert [t.name for t in tools.tools] == ["codex", "codex-reply"]


async def test_an_unreachable_model_fails_the_turn_with_a_clear_error(codex_home: Path, tmp_path: Path) -> None:
    with ScriptedModelServer([{"status": 503, "body": "overloaded"}]) as model:
        write_provider(codex_home, model.base_url)
        async with Client(stdio_params(codex_home), mode="legacy") as client:
            with anyio.fail_after(60):
                result = await client.call_tool("codex", {"prompt": "hi", "cwd": str(tmp_path)})
    assert result.is_error
    assert text_of(result).startswith("The turn failed:")
    assert result.structured_content is not None and result.structured_content["threadId"]


def approval_steps() -> list[dict[str, Any]]:
    return [
        {"items": [exec_call("touch approved.txt", "c1")]},
        {"items": [message("Done after asking.")]},
    ]


@pytest.mark.parametrize(
    ("answer", "created", "outcome"),
    [
        ("accept:approved", True, "Done after asking."),
        ("accept", True, "Done after asking."),
        ("decline", False, "Done after asking."),
        ("cancel", False, None),
    ],
)
@ERAS
async def test_an_approval_is_asked_as_a_standard_form_and_the_answer_decides(
    mode: str, answer: str, created: bool, outcome: str | None, codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    with ScriptedModelServer(approval_steps()) as model:
        write_provider(codex_home, model.base_url)
        callback = decisions_of([answer])
        async with Client(stdio_params(codex_home), mode=mode, elicitation_callback=callback) as client:  # type: ignore[arg-type]
            with anyio.fail_after(60):
                result = await client.call_tool(
                    "codex",
                    {
                        "prompt": "make a file",
                        "cwd": str(repo),
                        "approval-policy": "untrusted",
                        "sandbox": "danger-full-access",
                    },
                )
    (asked,) = callback.asked
    assert isinstance(asked, types.ElicitRequestFormParams)
    assert "touch approved.txt" in asked.message
    decision = asked.requested_schema["properties"]["decision"]
    # The engine proposes remembering `touch` as an allowed prefix, so that choice is offered too.
    assert [o["const"] for o in decision["oneOf"]] == [
        "approved",
        "approved_for_session",
        "approved_execpolicy_amendment",
        "denied",
        "abort",
    ]
    assert (repo / "approved.txt").exists() is created
    if outcome is None:
        assert result.is_error and "stopped before it finished" in text_of(result)
    else:
        assert text_of(result) == outcome
        if not created:
            assert "rejected" in str(model.requests[-1].body["input"])


@ERAS
async def test_without_elicitation_an_approval_is_denied_and_reported(
    mode: str, codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    with ScriptedModelServer(approval_steps()) as model:
        write_provider(codex_home, model.base_url)
        updates: list[str | None] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            updates.append(message)

        async with Client(stdio_params(codex_home), mode=mode) as client:  # type: ignore[arg-type]
            with anyio.fail_after(60):
                result = await client.call_tool(
                    "codex",
                    {
                        "prompt": "make a file",
                        "cwd": str(repo),
                        "approval-policy": "untrusted",
                        "sandbox": "danger-full-access",
                    },
                    progress_callback=on_progress,
                )
    assert text_of(result) == "Done after asking."
    assert not (repo / "approved.txt").exists()
    assert any(t and t.startswith("Approval needed, but this host cannot answer") for t in updates)


@ERAS
async def test_cancelling_a_call_stops_the_turn_kills_its_command_and_keeps_the_thread(
    mode: str, codex_home: Path, tmp_path: Path
) -> None:
    marker = f"30.{time.time_ns() % 10**6:06d}"
    steps = [
        {"items": [exec_call(f"sleep {marker}", "c1", yield_time_ms=60_000)]},
        {"items": [message("Back again.")]},
    ]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        started = anyio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            if message and message.startswith("Running `sleep"):
                started.set()

        async with Client(stdio_params(codex_home), mode=mode) as client:  # type: ignore[arg-type]
            with anyio.fail_after(60):
                cancelled_at: float | None = None
                async with anyio.create_task_group() as tg:

                    async def call() -> None:
                        await client.call_tool(
                            "codex",
                            {
                                "prompt": "wait",
                                "cwd": str(tmp_path),
                                "sandbox": "danger-full-access",
                                "approval-policy": "never",
                            },
                            progress_callback=on_progress,
                        )

                    tg.start_soon(call)
                    await started.wait()
                    assert processes_with(marker)
                    cancelled_at = time.monotonic()
                    tg.cancel_scope.cancel()
                resources = await client.list_resources()
                (thread_id,) = sorted({r.uri.split("/")[3] for r in resources.resources})
                restarted: list[float] = []

                async def on_reply_progress(progress: float, total: float | None, message: str | None) -> None:
                    if message == "Turn started":
                        restarted.append(time.monotonic())
                        still_running.extend(processes_with(marker))

                still_running: list[int] = []
                again = await client.call_tool(
                    "codex-reply", {"threadId": thread_id, "prompt": "go on"}, progress_callback=on_reply_progress
                )
    # The next turn could start within about a second of the cancellation, and the command was gone by then.
    assert restarted and cancelled_at is not None and restarted[0] - cancelled_at < 1.5
    assert still_running == []
    assert text_of(again) == "Back again."
    assert "aborted" in str(model.requests[-1].body["input"])


async def test_two_threads_run_at_once_and_stay_apart(codex_home: Path, tmp_path: Path) -> None:
    # Both first requests arrive before either answer: the script is consumed in arrival order, so each step
    # carries a delay long enough for the other thread's request to be in flight.
    steps = [
        {"delay": 1.5, "items": [message("answer one")]},
        {"delay": 1.5, "items": [message("answer two")]},
    ]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        results: dict[str, types.CallToolResult] = {}
        async with Client(stdio_params(codex_home), mode="legacy") as client:
            with anyio.fail_after(60):
                async with anyio.create_task_group() as tg:

                    async def call(name: str) -> None:
                        results[name] = await client.call_tool("codex", {"prompt": name, "cwd": str(tmp_path)})

                    tg.start_soon(call, "alpha")
                    tg.start_soon(call, "beta")
    texts = sorted(text_of(r) for r in results.values())
    assert texts == ["answer one", "answer two"]
    ids = {r.structured_content["threadId"] for r in results.values() if r.structured_content}
    assert len(ids) == 2
    first_requests = list(model.requests)
    assert {("alpha" in str(r.body["input"])) for r in first_requests} == {True, False}
    # Had the calls run one after the other, the second request would have come after the first answer (1.5 s).
    assert max(r.received_at for r in first_requests) - min(r.received_at for r in first_requests) < 1.5


async def test_transcript_and_diff_are_resources_of_the_thread(codex_home: Path, tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    patch = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n"
    from tests.support.model_server import custom_tool_call

    steps = [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("Added hello.txt.")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with Client(stdio_params(codex_home), mode="legacy") as client:
            with anyio.fail_after(60):
                result = await client.call_tool(
                    "codex", {"prompt": "add a file", "cwd": str(repo), "sandbox": "danger-full-access"}
                )
                assert result.structured_content is not None
                thread_id = result.structured_content["threadId"]
                listed = await client.list_resources()
                templates = await client.list_resource_templates()
                transcript = await client.read_resource(f"pycodex://threads/{thread_id}/transcript")
                diff = await client.read_resource(f"pycodex://threads/{thread_id}/diff")
                with pytest.raises(Exception, match="Resource not found"):
                    await client.read_resource("pycodex://threads/nope/diff")
    assert sorted(r.uri for r in listed.resources) == [
        f"pycodex://threads/{thread_id}/diff",
        f"pycodex://threads/{thread_id}/transcript",
    ]
    assert [t.uri_template for t in templates.resource_templates] == [
        "pycodex://threads/{threadId}/transcript",
        "pycodex://threads/{threadId}/diff",
    ]
    text = transcript.contents[0].text  # type: ignore[union-attr]
    assert "add a file" in text and "Added hello.txt." in text and "**Patch** applied" in text
    assert "+hello" in diff.contents[0].text  # type: ignore[union-attr]
    assert "hello.txt" in diff.contents[0].text  # type: ignore[union-attr]


@ERAS
async def test_a_thread_continues_in_a_new_server_process(mode: str, codex_home: Path, tmp_path: Path) -> None:
    steps = [{"items": [message("Remembered.")]}, {"items": [message("Still here.")]}]
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        with anyio.fail_after(60):
            async with Client(stdio_params(codex_home), mode=mode) as client:  # type: ignore[arg-type]
                first = await client.call_tool("codex", {"prompt": "remember the word plum", "cwd": str(tmp_path)})
            assert first.structured_content is not None
            thread_id = first.structured_content["threadId"]
            async with Client(stdio_params(codex_home), mode=mode) as client:  # type: ignore[arg-type]
                again = await client.call_tool("codex-reply", {"threadId": thread_id, "prompt": "which word?"})
    assert again.structured_content == {"threadId": thread_id, "content": "Still here."}
    resent = str(model.requests[-1].body["input"])
    assert "remember the word plum" in resent and "Remembered." in resent and "which word?" in resent


async def test_server_options_apply_to_every_thread(codex_home: Path, tmp_path: Path) -> None:
    with ScriptedModelServer([{"items": [message("ok")]}]) as model:
        write_provider(codex_home, model.base_url, tables='[profiles.quick]\nmodel = "profile-model"')
        params = stdio_params(codex_home, "-p", "quick", "-c", 'model_reasoning_effort="low"')
        async with Client(params, mode="legacy") as client:
            with anyio.fail_after(60):
                result = await client.call_tool("codex", {"prompt": "hi", "cwd": str(tmp_path)})
    assert text_of(result) == "ok"
    body = model.requests[0].body
    assert body["model"] == "profile-model"
    assert body["reasoning"]["effort"] == "low"


async def test_strict_config_turns_an_unknown_key_into_a_call_error(codex_home: Path, tmp_path: Path) -> None:
    with ScriptedModelServer([]) as model:
        write_provider(codex_home, model.base_url, "no_such_setting = 1")
        async with Client(stdio_params(codex_home, "--strict-config"), mode="legacy") as client:
            with anyio.fail_after(60):
                result = await client.call_tool("codex", {"prompt": "hi", "cwd": str(tmp_path)})
    assert result.is_error
    assert text_of(result).startswith("Configuration error:") and "no_such_setting" in text_of(result)


async def test_an_mcp_tool_allowed_for_the_session_is_asked_once_as_an_mcp_question(
    codex_home: Path, tmp_path: Path
) -> None:
    from tests.support.model_server import function_call

    repo = git_repo(tmp_path / "repo")
    steps = [
        {"items": [function_call("mcp__toolbox__echo", {"message": "one"}, "m1")]},
        {"items": [function_call("mcp__toolbox__echo", {"message": "two"}, "m2")]},
        {"items": [message("Echoed twice.")]},
    ]
    with ScriptedModelServer(steps) as model:
        table = f'[mcp_servers.toolbox]\ncommand = "{sys.executable}"\nargs = ["{TOOLBOX}", "stdio"]\n'
        write_provider(codex_home, model.base_url, tables=table)
        callback = decisions_of(["accept:approved_for_session"])
        async with Client(stdio_params(codex_home), elicitation_callback=callback) as client:  # type: ignore[arg-type]
            with anyio.fail_after(60):
                result = await client.call_tool(
                    "codex", {"prompt": "echo twice", "cwd": str(repo), "approval-policy": "on-request"}
                )
    assert text_of(result) == "Echoed twice."
    (asked,) = callback.asked
    assert "call the tool `echo` of the MCP server `toolbox`" in asked.message
    outputs = [str(i["output"]) for i in model.requests[-1].body["input"] if i.get("type") == "function_call_output"]
    assert len(outputs) == 2 and "one" in outputs[0] and "two" in outputs[1]
