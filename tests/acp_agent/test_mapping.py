"""The mappings in-process: events to updates, patches to diff blocks, history to a replay, prompts to input."""

from __future__ import annotations

from typing import Any

import pytest
from acp import RequestError, audio_block, image_block, text_block

import agent
from acp_agent._diff import diff_blocks, hunks
from acp_agent._prompt import user_input
from acp_agent._replay import history_updates
from acp_agent._updates import UpdateMapper, command_kind, command_title
from agent import protocol as p


def test_a_unified_diff_becomes_the_old_and_new_text_of_each_hunk() -> None:
    diff = (
        "diff --git a/f b/f\n--- a/f\n+++ b/f\n"
        "@@ -1,2 +1,2 @@\n a\n-b\n+B\n"
        "@@ -9,1 +9,2 @@\n z\n+end\n\\ No newline at end of file\n"
    )
    assert hunks(diff) == [("a\nb\n", "a\nB\n"), ("z\n", "z\nend\n")]


def test_added_deleted_and_moved_files_become_diff_blocks() -> None:
    blocks = diff_blocks(
        {
            "/w/new.txt": p.FileChange(type="add", content="hi\n"),
            "/w/old.txt": p.FileChange(type="delete", content="bye\n"),
            "/w/a.txt": p.FileChange(type="update", unified_diff="@@ -1 +1 @@\n-x\n+y\n", move_path="/w/b.txt"),
        }
    )
    assert [(b.path, b.old_text, b.new_text) for b in blocks] == [
        ("/w/new.txt", None, "hi\n"),
        ("/w/old.txt", "bye\n", ""),
        ("/w/b.txt", "x\n", "y\n"),
    ]


@pytest.mark.parametrize(
    ("script", "kind", "paths"),
    [
        ("cat src/a.py", "read", ["/w/src/a.py"]),
        ("sed -n 1,20p /etc/hosts", "read", ["/etc/hosts"]),
        ("rg -n needle", "search", None),
        ("cat a > b", "execute", None),
        ("ls | head", "execute", None),
        ("pytest -q", "execute", None),
    ],
)
def test_plain_reading_commands_are_shown_as_reads_or_searches(script: str, kind: str, paths: list[str] | None) -> None:
    found, locations = command_kind(script, "/w")
    assert found == kind
    assert (None if locations is None else [loc.path for loc in locations]) == paths


def test_command_titles_show_the_script_of_a_shell() -> None:
    assert command_title(("/bin/bash", "-lc", "echo hi")) == "echo hi"
    assert command_title(("git", "status", "--short")) == "git status --short"


def test_streamed_text_is_not_sent_twice_and_unstreamed_text_is_sent_whole() -> None:
    mapper = UpdateMapper()
    streamed: list[Any] = [
        *mapper.updates(p.AgentMessageDelta(item_id="m", delta="Hel")),
        *mapper.updates(p.AgentMessageDelta(item_id="m", delta="lo")),
        *mapper.updates(p.AgentMessage(message="Hello")),
        *mapper.updates(p.AgentReasoning(text="thinking")),
    ]
    assert [(u.session_update, u.content.text) for u in streamed] == [
        ("agent_message_chunk", "Hel"),
        ("agent_message_chunk", "lo"),
        ("agent_thought_chunk", "thinking"),
    ]


def test_a_command_that_ends_unannounced_is_started_then_finished() -> None:
    mapper = UpdateMapper()
    end = p.ExecCommandEnd(
        call_id="c", command=("bash", "-lc", "false"), cwd="/w", exit_code=1, aggregated_output="", duration_ms=3
    )
    updates: list[Any] = mapper.updates(end)
    start, update = updates
    assert (start.session_update, start.kind, update.status) == ("tool_call", "execute", "failed")
    assert [c.content.text for c in update.content] == ["Exit code: 1"]


def test_usage_needs_a_context_window() -> None:
    usage = p.TokenUsage(input_tokens=10, output_tokens=5, total_tokens=15)
    count = p.TokenCount(info=p.TokenUsageInfo(total_token_usage=usage, last_token_usage=usage))
    assert UpdateMapper().updates(count) == []
    [update] = UpdateMapper(context_window=1000).updates(count)
    assert (update.used, update.size) == (15, 1000)


def test_an_mcp_call_announced_by_its_approval_is_not_started_twice() -> None:
    mapper = UpdateMapper()
    invocation = p.McpInvocation(server="s", tool="t", arguments={"a": 1})
    [start] = mapper.updates(p.McpToolCallApprovalRequest(call_id="m", invocation=invocation))
    [running] = mapper.updates(p.McpToolCallBegin(call_id="m", invocation=invocation))
    assert (start.session_update, start.title, start.status) == ("tool_call", "s: t", "pending")
    assert (running.session_update, running.status) == ("tool_call_update", "in_progress")


def test_the_replay_leaves_out_what_the_harness_wrote() -> None:
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>x"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix it"}]},
        {"type": "function_call", "name": "update_plan", "arguments": "{}", "call_id": "p"},
        {"type": "custom_tool_call", "name": "apply_patch", "input": "*** Begin Patch", "call_id": "e"},
        {"type": "custom_tool_call_output", "call_id": "e", "output": "Done"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "fixed"}]},
    ]
    updates: list[Any] = history_updates(items, [{"step": "fix", "status": "completed"}])
    assert [u.session_update for u in updates] == ["user_message_chunk", "tool_call", "agent_message_chunk", "plan"]
    assert (updates[1].kind, updates[1].content[0].content.text) == ("edit", "Done")


def test_prompt_blocks_become_engine_input_and_bad_ones_are_refused() -> None:
    items = user_input([text_block("hi"), image_block("AAAA", "image/png")])
    assert items == [agent.TextInput(text="hi"), agent.ImageUrlInput(image_url="data:image/png;base64,AAAA")]
    for bad, words in (
        ([], "at least one"),
        ([audio_block("AAAA", "audio/wav")], "audio"),
        ([image_block("AAAA", "text/plain")], "image/*"),
    ):
        with pytest.raises(RequestError) as refused:
            user_input(bad)
        assert refused.value.code == -32602 and words in str(refused.value)


def test_a_hook_is_shown_only_when_it_blocked_or_failed() -> None:
    mapper = UpdateMapper()
    assert mapper.updates(p.HookStarted(event="PreToolUse", message="checking")) == []
    assert mapper.updates(p.HookCompleted(event="PreToolUse", status="completed", message="ok")) == []
    shown: Any
    [shown] = mapper.updates(p.HookCompleted(event="PreToolUse", status="blocked", message="no rm -rf"))
    assert shown.content.text == "\n⚠ PreToolUse hook blocked: no rm -rf\n\n"


def test_a_replayed_view_image_call_is_a_read() -> None:
    items = [
        {"type": "function_call", "name": "view_image", "arguments": '{"path": "a.png"}', "call_id": "v"},
        {"type": "function_call_output", "call_id": "v", "output": "ok"},
    ]
    [call] = history_updates(items, None)
    assert (call.session_update, call.kind) == ("tool_call", "read")  # type: ignore[union-attr]


def test_a_sub_agent_call_that_ends_unannounced_is_started_then_ended() -> None:
    mapper = UpdateMapper()
    end = p.CollabToolCallEnd(
        call_id="w",
        tool="wait",
        sender_thread_id="parent",
        receiver_thread_ids=("child",),
        agents_states={"child": {"status": "errored", "message": "boom"}},
        status="failed",
    )
    start, done = mapper.updates(end)
    assert (start.session_update, start.title, start.kind) == ("tool_call", "Wait for sub-agents", "other")
    assert (done.session_update, done.status) == ("tool_call_update", "failed")
    assert done.content[0].content.text == "child: errored\nboom"  # type: ignore[union-attr,index]
