"""Reading rollouts back: exact history, Codex's own files, torn and corrupt lines, compaction and rollback replay."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from agent._compact import compacted_record
from agent._items import user_message_item
from agent.threads._reader import (
    INTERNAL_ITEM_KEYS,
    RolloutReadError,
    normalise_timestamp,
    read_rollout,
    repair_tail,
    resume_history,
    rollout_summary,
)
from agent.threads._rollout import RolloutWriter

CAPTURES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "captures"
MULTI = CAPTURES / "rollout-multi.jsonl"
FAILED = CAPTURES / "rollout-failed-turn.jsonl"
RESUME_REQUEST = CAPTURES / "resume-request.json"
THREAD = "0199a213-1111-7222-8333-444455556666"
BASE = "You are a careful coding agent."

needs_captures = pytest.mark.skipif(not MULTI.exists(), reason=f"the Codex captures are not at {CAPTURES}")


def meta(thread_id: str = THREAD, **extra: Any) -> dict[str, Any]:
    return {
        "id": thread_id,
        "session_id": thread_id,
        "timestamp": "2026-11-20T10:00:00Z",
        "cwd": "/home/dev/project",
        "originator": "pycodex_exec",
        "cli_version": "0.1.0",
        "source": "exec",
        "model_provider": "openai",
        "base_instructions": {"text": BASE},
        **extra,
    }


def developer(text: str) -> dict[str, Any]:
    return {"type": "message", "id": "msg_dev", "role": "developer", "content": [{"type": "input_text", "text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}


def varied_items(count: int) -> list[dict[str, Any]]:
    """Items of every kind the history holds, with text that JSON must carry exactly."""
    items: list[dict[str, Any]] = [developer(BASE)]
    for n in range(count - 1):
        kind = n % 5
        if kind == 0:
            items.append(user_message_item(f'step {n}: café ☕ "quoted" \\ back\nslash \u2028 line sep'))
        elif kind == 1:
            items.append(
                {
                    "type": "reasoning",
                    "id": f"rs_{n}",
                    "summary": [{"type": "summary_text", "text": f"thinking {n}"}],
                    "content": None,
                    "encrypted_content": "gAAAA" + "x" * 40,
                }
            )
        elif kind == 2:
            items.append(
                {
                    "type": "function_call",
                    "status": "completed",
                    "id": f"fc_{n}",
                    "name": "exec_command",
                    "arguments": json.dumps({"cmd": f"echo {n}", "yield_time_ms": 1000}),
                    "call_id": f"call_{n}",
                }
            )
        elif kind == 3:
            items.append({"type": "function_call_output", "call_id": f"call_{n - 1}", "output": f"out {n}\n\ttab"})
        else:
            items.append(assistant(f"answer {n} — 1.5e-7 {{}} []"))
    return items


def write_ours(path: Path, items: list[dict[str, Any]], *, events: list[dict[str, Any]] | None = None) -> None:
    writer = RolloutWriter(path)
    writer.append("session_meta", meta())
    writer.append("turn_context", {"turn_id": "t1", "cwd": "/home/dev/project", "model": "gpt-5.5"})
    for item in items:
        writer.append("response_item", item)
    for event in events or []:
        writer.append("event_msg", event)
    writer.close()


def write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def rec(kind: str, payload: dict[str, Any], ts: str = "2026-11-20T10:00:01.000Z") -> dict[str, Any]:
    return {"timestamp": ts, "type": kind, "payload": payload}


# ---- our own files ------------------------------------------------------------------------------------------------


def test_a_thread_with_2000_items_round_trips_exactly(tmp_path: Path) -> None:
    path = tmp_path / "rollout.jsonl"
    items = varied_items(2000)
    write_ours(path, items)

    rollout = read_rollout(path)

    assert rollout.items == items
    assert [list(a) for a in rollout.items] == [list(b) for b in items]  # key order too
    assert rollout.thread_id == THREAD
    assert rollout.next_ordinal == 2002
    assert rollout.warnings == []
    assert rollout.model == "gpt-5.5"
    assert rollout.cwd == "/home/dev/project"
    assert rollout.model_provider == "openai"
    assert rollout.created_at == "2026-11-20T10:00:00.000Z"
    assert rollout.base_instructions == BASE


def test_events_give_plan_files_usage_and_first_prompt(tmp_path: Path) -> None:
    path = tmp_path / "rollout.jsonl"
    plan_v1 = [{"step": "read", "status": "in_progress"}]
    plan_v2 = [{"step": "read", "status": "completed"}, {"step": "write", "status": "in_progress"}]
    usage = {"input_tokens": 10, "cached_input_tokens": 0, "output_tokens": 5, "total_tokens": 15}
    events = [
        {"type": "user_message", "message": "fix the bug"},
        {"type": "plan_update", "plan": plan_v1},
        {"type": "patch_apply_end", "call_id": "a", "success": True, "changes": {"/p/b.py": {"type": "add"}}},
        {"type": "patch_apply_end", "call_id": "b", "success": False, "changes": {"/p/failed.py": {"type": "add"}}},
        {
            "type": "patch_apply_end",
            "call_id": "c",
            "success": True,
            "changes": {
                "/p/a.py": {"type": "update", "unified_diff": "", "move_path": "/p/moved.py"},
                "/p/b.py": {"type": "update"},
            },
        },
        {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}},
        {"type": "token_count"},
        {"type": "plan_update", "explanation": "next", "plan": plan_v2},
    ]
    items = [developer(BASE), user_message_item("fix the bug, with images"), assistant("ok")]
    write_ours(path, items, events=events)

    rollout = read_rollout(path)

    assert rollout.plan == plan_v2
    assert rollout.files_changed == ["/p/b.py", "/p/a.py", "/p/moved.py"]
    assert rollout.token_usage == usage
    assert rollout.first_user_message == "fix the bug"


def test_first_prompt_falls_back_to_the_first_message_the_user_wrote(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    context = user_message_item("# AGENTS.md instructions for /p\n\n<INSTRUCTIONS>\nbe nice\n</INSTRUCTIONS>")
    env = user_message_item("<environment_context>\n  <cwd>/p</cwd>\n</environment_context>")
    write_ours(path, [developer(BASE), context, env, user_message_item("add tests"), user_message_item("more")])

    assert read_rollout(path).first_user_message == "add tests"


def test_plan_update_events_win_over_update_plan_calls(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    call = {
        "type": "function_call",
        "name": "update_plan",
        "call_id": "p",
        "arguments": json.dumps({"plan": [{"step": "from the call", "status": "pending"}]}),
    }
    event = {"type": "plan_update", "plan": [{"step": "from the event", "status": "pending"}]}
    write_ours(path, [call], events=[event])

    assert read_rollout(path).plan == [{"step": "from the event", "status": "pending"}]


def test_an_invalid_update_plan_call_does_not_change_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    good = {
        "type": "function_call",
        "name": "update_plan",
        "arguments": json.dumps({"plan": [{"step": "one", "status": "completed"}]}),
    }
    bad_status = {**good, "arguments": json.dumps({"plan": [{"step": "two", "status": "done"}]})}
    not_json = {**good, "arguments": "{"}
    write_ours(path, [good, bad_status, not_json])

    assert read_rollout(path).plan == [{"step": "one", "status": "completed"}]


# ---- Codex's files ------------------------------------------------------------------------------------------------


@needs_captures
def test_a_codex_rollout_gives_the_items_codex_resends() -> None:
    request = json.loads(RESUME_REQUEST.read_text(encoding="utf-8"))["body"]["input"]
    rollout = read_rollout(MULTI)

    # The capture's rollout ends with the reply to the resumed request; the request holds everything before it.
    sent = rollout.items[: len(request) - 1]
    assert [item.get("id") for item in sent] == [item.get("id") for item in request[1:]]
    for ours, codex in zip(sent, request[1:], strict=True):
        assert not INTERNAL_ITEM_KEYS & ours.keys()
        if ours["id"] == "msg_01a20a83-4e10-7492-8dfc-8e1c675c5bb3":
            continue  # the capture trimmed this environment text in the rollout but not in the request
        assert ours == codex
        assert list(ours) == list(codex)


@needs_captures
def test_resuming_a_codex_rollout_puts_its_base_instructions_first() -> None:
    rollout = read_rollout(MULTI)

    history = resume_history(rollout)

    assert history[0]["role"] == "developer"
    assert history[0]["content"] == [{"type": "input_text", "text": rollout.base_instructions}]
    assert history[1:] == rollout.items
    assert resume_history(rollout)[0]["id"] == history[0]["id"]  # the same id each time: the prompt cache holds


def test_resuming_our_rollout_does_not_add_the_base_instructions_twice(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_ours(path, varied_items(10))

    assert resume_history(read_rollout(path)) == read_rollout(path).items


@needs_captures
def test_a_codex_rollout_gives_its_metadata_plan_files_and_usage() -> None:
    rollout = read_rollout(MULTI)

    assert rollout.thread_id == "01a20a83-4de8-78a0-8812-d75fd38d98e7"
    assert (rollout.cwd, rollout.model, rollout.model_provider) == ("./work", "gpt-5.5", "mock")
    assert rollout.first_user_message == "make the files"
    assert rollout.plan == [{"step": "run shell", "status": "in_progress"}, {"step": "add file", "status": "pending"}]
    assert rollout.files_changed == ["./work/added.txt", "./work/out.txt"]
    assert rollout.token_usage is not None and rollout.token_usage["total_tokens"] == 6316
    assert rollout.last_turn_context is not None
    assert rollout.last_turn_context["sandbox_policy"] == {"type": "read-only"}
    assert (rollout.created_at, rollout.updated_at) == ("2026-11-23T22:25:07.051Z", "2026-11-23T22:27:51.757Z")
    assert rollout.next_ordinal == 51
    assert rollout.warnings == []


@needs_captures
def test_a_failed_codex_turn_reads_with_its_prompt_and_no_usage() -> None:
    rollout = read_rollout(FAILED)

    assert rollout.first_user_message == "go"
    assert rollout.token_usage is None
    assert rollout.plan is None
    assert [item["role"] for item in rollout.items] == ["developer", "user", "user"]


def test_lines_without_ordinals_count_for_the_next_ordinal(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    write_lines(path, [rec("session_meta", meta()), rec("response_item", user_message_item("hi"))])

    assert read_rollout(path).next_ordinal == 2


# ---- damage -------------------------------------------------------------------------------------------------------


def test_a_torn_last_line_is_ignored_with_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    items = varied_items(20)
    write_ours(path, items)
    with path.open("ab") as f:
        f.write(b'{"timestamp":"2026-11-20T10:00:09.000Z","ordinal":22,"type":"response_item","payload":{"ty')

    rollout = read_rollout(path)

    assert rollout.items == items
    assert rollout.next_ordinal == 22
    assert len(rollout.warnings) == 1
    assert rollout.warnings[0].startswith(f"{path}:23: the last line is incomplete")


def test_repair_cuts_the_torn_line_so_appending_gives_a_clean_file(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    items = varied_items(5)
    write_ours(path, items)
    whole = path.read_bytes()
    with path.open("ab") as f:
        f.write(b'{"timestamp":"2026-11-20T10:00:09.000Z","ordinal":7,"ty')

    report = repair_tail(path)

    assert report is not None and "incomplete last line" in report
    assert path.read_bytes() == whole
    writer = RolloutWriter(path, ordinal=read_rollout(path).next_ordinal)
    writer.append("response_item", assistant("after the crash"))
    writer.close()
    rollout = read_rollout(path)
    assert rollout.warnings == []
    assert rollout.items == [*items, assistant("after the crash")]


def test_repair_ends_a_complete_last_record_with_a_newline(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(path, [rec("session_meta", meta())])
    path.write_bytes(path.read_bytes() + json.dumps(rec("response_item", assistant("x"))).encode())

    assert read_rollout(path).items == [assistant("x")]
    assert repair_tail(path) is not None
    assert path.read_bytes().endswith(b"}\n")
    assert repair_tail(path) is None
    assert read_rollout(path).items == [assistant("x")]


def test_repair_of_a_file_that_is_one_torn_line_empties_it(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"timestamp":"x","ty')

    assert repair_tail(path) is not None
    assert path.read_bytes() == b""


def test_a_corrupt_line_in_the_middle_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(
        path,
        [rec("session_meta", meta()), rec("response_item", user_message_item("one"))],
    )
    with path.open("ab") as f:
        f.write(b"\x00\xff not json at all\n[1, 2]\n")
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(rec("response_item", assistant("two"))) + "\n")

    rollout = read_rollout(path)

    assert rollout.items == [user_message_item("one"), assistant("two")]
    assert rollout.warnings == [
        f"{path}:3: the line is not a valid record; it was skipped",
        f"{path}:4: the line is not a valid record; it was skipped",
    ]


def test_unknown_record_types_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(
        path,
        [
            rec("session_meta", meta()),
            rec("world_state", {"full": True, "state": {}}),
            rec("something_new", {"type": "message", "role": "user"}),
            {"timestamp": "2026-11-20T10:00:02Z", "type": "no_payload"},
            rec("response_item", user_message_item("kept")),
        ],
    )

    rollout = read_rollout(path)

    assert rollout.items == [user_message_item("kept")]
    assert rollout.warnings == []


def test_a_file_without_session_meta_is_refused_with_path_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(path, [rec("response_item", user_message_item("orphan"))])

    with pytest.raises(RolloutReadError) as caught:
        read_rollout(path)

    assert caught.value.path == path
    assert "session_meta" in caught.value.reason
    with pytest.raises(RolloutReadError):
        rollout_summary(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_an_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(content)

    with pytest.raises(RolloutReadError, match="empty|session_meta"):
        read_rollout(path)
    with pytest.raises(RolloutReadError):
        rollout_summary(path)


def test_a_missing_file_is_refused_with_the_os_reason(tmp_path: Path) -> None:
    with pytest.raises(RolloutReadError) as caught:
        read_rollout(tmp_path / "nope.jsonl")
    assert "No such file" in caught.value.reason


# ---- replay of compaction and rollback ----------------------------------------------------------------------------


def test_a_compacted_record_replaces_the_history_before_it(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    replacement = [developer(BASE), user_message_item("recent ask"), user_message_item("summary")]
    write_lines(
        path,
        [
            rec("session_meta", meta()),
            rec("response_item", developer(BASE)),
            rec("response_item", user_message_item("old ask")),
            rec("response_item", assistant("old answer")),
            rec("compacted", compacted_record("summary", replacement)),
            rec("response_item", assistant("after")),
        ],
    )

    rollout = read_rollout(path)

    assert rollout.items == [*replacement, assistant("after")]
    assert rollout.first_user_message == "old ask"


def test_an_old_style_compaction_without_replacement_is_rebuilt_around_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(
        path,
        [
            rec("session_meta", meta()),
            rec("response_item", developer(BASE)),
            rec("response_item", user_message_item("first ask")),
            rec("response_item", assistant("answer")),
            rec("compacted", {"message": "the summary"}),
        ],
    )

    assert read_rollout(path).items == [
        developer(BASE),
        user_message_item("first ask"),
        user_message_item("the summary"),
    ]


def test_an_old_style_compaction_of_a_history_without_user_messages_keeps_it_all(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    records = [rec("session_meta", meta()), rec("response_item", developer(BASE)), rec("compacted", {"message": "s"})]
    write_lines(path, records)

    assert read_rollout(path).items == [developer(BASE), user_message_item("s")]


def test_a_rollback_drops_the_last_turns(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(
        path,
        [
            rec("session_meta", meta()),
            rec("response_item", developer(BASE)),
            rec("response_item", user_message_item("u1")),
            rec("response_item", assistant("a1")),
            rec("response_item", user_message_item("u2")),
            rec("response_item", assistant("a2")),
            rec("event_msg", {"type": "thread_rolled_back", "num_turns": 1}),
        ],
    )
    assert read_rollout(path).items == [developer(BASE), user_message_item("u1"), assistant("a1")]

    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(rec("event_msg", {"type": "thread_rolled_back", "num_turns": 5})) + "\n")
    assert read_rollout(path).items == [developer(BASE)]


# ---- the summary for the index ------------------------------------------------------------------------------------


def test_the_summary_agrees_with_the_full_read(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "rollout-2026-11-20T10-00-00-0199a213-1111-7222-8333-444455556666.jsonl"
    path.parent.mkdir(parents=True)
    usage = {"input_tokens": 90, "output_tokens": 10, "total_tokens": 100}
    write_ours(
        path,
        varied_items(30),
        events=[
            {"type": "user_message", "message": "first words"},
            {"type": "token_count", "info": {"total_token_usage": {**usage, "total_tokens": 50}}},
            {"type": "token_count", "info": {"total_token_usage": usage}},
            {"type": "thread_name_updated", "thread_id": THREAD, "thread_name": "Bug hunt"},
        ],
    )

    full = read_rollout(path)
    summary = rollout_summary(path)

    assert summary.id == full.thread_id
    assert summary.rollout_path == path
    assert summary.first_user_message == full.first_user_message == "first words"
    assert summary.tokens_used == 100
    assert summary.title == full.title == "Bug hunt"
    assert (summary.created_at, summary.updated_at) == (full.created_at, full.updated_at)
    assert (summary.cwd, summary.model, summary.model_provider) == (full.cwd, full.model, full.model_provider)
    assert summary.source == "exec"
    assert summary.archived is False


@needs_captures
@pytest.mark.parametrize("capture", [MULTI, FAILED])
def test_the_summary_of_a_codex_rollout_agrees_with_the_full_read(capture: Path) -> None:
    full = read_rollout(capture)
    summary = rollout_summary(capture)

    assert summary.id == full.thread_id
    assert summary.first_user_message == full.first_user_message
    assert summary.tokens_used == (full.token_usage or {}).get("total_tokens", 0)
    assert (summary.created_at, summary.updated_at, summary.model) == (full.created_at, full.updated_at, full.model)


def test_the_summary_reads_git_from_meta_and_archived_from_the_location(tmp_path: Path) -> None:
    path = tmp_path / "archived_sessions" / "rollout-x.jsonl"
    write_lines(
        path,
        [rec("session_meta", meta(git={"branch": "main", "commit_hash": "abc123"}, source={"subagent": "review"}))],
    )

    summary = rollout_summary(path)

    assert (summary.git_branch, summary.git_commit, summary.archived) == ("main", "abc123", True)
    assert summary.source == "subagent"
    assert summary.first_user_message is None
    assert summary.tokens_used == 0


def test_the_summary_ignores_a_torn_tail_and_mentions_that_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    usage = {"total_tokens": 7}
    write_lines(
        path,
        [
            rec("session_meta", meta()),
            rec("response_item", user_message_item('talk about "token_count" and "turn_context"')),
            rec("event_msg", {"type": "token_count", "info": {"total_token_usage": usage}}),
            rec("response_item", assistant('"token_count"'), ts="2026-11-20T11:00:00Z"),
        ],
    )
    with path.open("ab") as f:
        f.write(b'{"timestamp":"2026-11-20T12:00:00Z","type":"event_msg","payload":{"type":"token_count"')

    summary = rollout_summary(path)

    assert summary.tokens_used == 7
    assert summary.updated_at == "2026-11-20T11:00:00.000Z"
    assert summary.model is None


def test_timestamps_are_normalised_to_utc_milliseconds() -> None:
    assert normalise_timestamp("2026-11-20T10:00:00Z") == "2026-11-20T10:00:00.000Z"
    assert normalise_timestamp("2026-11-20T12:00:00.123456+02:00") == "2026-11-20T10:00:00.123Z"
    assert normalise_timestamp("2026-11-20T10:00:00") == "2026-11-20T10:00:00.000Z"
    assert normalise_timestamp("yesterday") == "yesterday"
    assert normalise_timestamp(None) is None


# ---- speed --------------------------------------------------------------------------------------------------------


def test_a_10000_item_rollout_reads_in_well_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    items = varied_items(10_000)
    write_ours(path, items)

    started = time.process_time()
    rollout = read_rollout(path)
    elapsed = time.process_time() - started

    assert len(rollout.items) == 10_000
    assert elapsed < 0.5, f"reading 10,000 items took {elapsed:.3f} s of CPU"


# ---- odd files ----------------------------------------------------------------------------------------------------


def test_a_thread_id_missing_from_the_meta_comes_from_the_file_name(tmp_path: Path) -> None:
    named = tmp_path / f"rollout-2026-11-20T10-00-00-{THREAD.upper()}.jsonl"
    write_lines(named, [rec("session_meta", {"timestamp": "2026-11-20T10:00:00Z"})])
    anonymous = tmp_path / "rollout-anonymous.jsonl"
    write_lines(anonymous, [rec("session_meta", {"timestamp": "2026-11-20T10:00:00Z"})])

    assert read_rollout(named).thread_id == rollout_summary(named).id == THREAD
    for read in (read_rollout, rollout_summary):
        with pytest.raises(RolloutReadError, match="no thread id"):
            read(anonymous)


def test_the_first_session_meta_describes_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(path, [rec("session_meta", meta()), rec("session_meta", meta("other", cwd="/elsewhere"))])

    assert (read_rollout(path).thread_id, read_rollout(path).cwd) == (THREAD, "/home/dev/project")
    assert rollout_summary(path).id == THREAD


def test_without_base_instructions_the_history_is_resumed_as_read(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(path, [rec("session_meta", {"id": THREAD}), rec("response_item", user_message_item("hi"))])

    rollout = read_rollout(path)

    assert rollout.base_instructions is None
    assert resume_history(rollout) == [user_message_item("hi")]
    assert rollout.created_at == "2026-11-20T10:00:01.000Z"  # no meta timestamp: the first record's
    assert rollout_summary(path).created_at == "2026-11-20T10:00:01.000Z"


def test_a_rollback_with_nothing_to_drop_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(
        path,
        [
            rec("session_meta", meta()),
            rec("response_item", developer(BASE)),
            rec("event_msg", {"type": "thread_rolled_back", "num_turns": 1}),
            rec("event_msg", {"type": "thread_rolled_back", "num_turns": 0}),
            rec("event_msg", {"type": "thread_rolled_back", "num_turns": "two"}),
        ],
    )

    assert read_rollout(path).items == [developer(BASE)]


def test_a_torn_line_longer_than_the_repair_window_is_cut_whole(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(path, [rec("session_meta", meta())])
    whole = path.read_bytes()
    with path.open("ab") as f:
        f.write(b'{"timestamp":"x","type":"response_item","payload":{"output":"' + b"y" * 200_000)

    assert repair_tail(path) is not None
    assert path.read_bytes() == whole


def test_repair_of_an_empty_or_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")

    assert repair_tail(empty) is None
    with pytest.raises(RolloutReadError) as caught:
        repair_tail(tmp_path / "missing.jsonl")
    assert caught.value.path == tmp_path / "missing.jsonl"


def test_the_summary_skips_lines_that_only_mention_what_it_looks_for(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    # Inside a JSON string the quotes are escaped, so only a whole string value can look like a record type.
    names = ["user_message", "token_count", "turn_context", "thread_name_updated"]
    mentions = [{"type": "event_msg", "payload": {"type": "note", "about": name}} for name in names]
    mentions += [{"type": "response_item", "payload": {"type": "note", "about": name}} for name in names]
    write_lines(
        path,
        [
            rec("session_meta", meta(about=names)),
            *mentions,
            rec("event_msg", {"type": "user_message", "message": "the real first prompt"}),
            rec("event_msg", {"type": "user_message", "message": "a later prompt"}),
            rec("response_item", assistant("done"), ts="2026-11-20T12:00:00Z"),
            *mentions,
        ],
    )

    summary = rollout_summary(path)

    assert summary.first_user_message == read_rollout(path).first_user_message == "the real first prompt"
    assert (summary.tokens_used, summary.model, summary.title) == (0, None, None)
    assert summary.updated_at == "2026-11-20T12:00:00.000Z"  # the last lines have no timestamp


def test_a_summary_without_any_timestamp_has_none(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_lines(path, [{"type": "session_meta", "payload": {"id": THREAD}}])

    summary = rollout_summary(path)

    assert (summary.created_at, summary.updated_at) == (None, None)
    assert read_rollout(path).updated_at is None


def test_the_summary_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(RolloutReadError) as caught:
        rollout_summary(tmp_path / "gone.jsonl")
    assert caught.value.path == tmp_path / "gone.jsonl"


def test_a_plan_that_is_not_a_list_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    call = {"type": "function_call", "name": "update_plan", "arguments": json.dumps({"plan": "do it all"})}
    write_ours(path, [call])

    assert read_rollout(path).plan is None
