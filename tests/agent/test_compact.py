"""Compaction: token estimates, the limit, kinds of message, and the compacted history that keeps plan and files."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pytest

from agent._compact import (
    NO_SUMMARY,
    SUMMARY_PREFIX,
    SUMMARY_PROMPT,
    auto_compact_limit,
    build_compacted_history,
    compacted_record,
    estimate_context_tokens,
    estimate_item_tokens,
    estimate_tokens,
    is_context_message,
    is_real_user_message,
    is_summary_message,
    parse_carried_state,
    recent_user_messages,
    summary_message_text,
    summary_request,
)
from agent._items import user_message_item
from agent.threads._reader import read_rollout
from agent.threads._rollout import RolloutWriter

BASE = "You are a careful coding agent."


def message(role: str, *texts: str) -> dict[str, Any]:
    kind = "output_text" if role == "assistant" else "input_text"
    return {"type": "message", "role": role, "content": [{"type": kind, "text": t} for t in texts]}


def user(text: str) -> dict[str, Any]:
    return message("user", text)


AGENTS = "# AGENTS.md instructions for /p\n\n<INSTRUCTIONS>\nuse tabs\n</INSTRUCTIONS>"
ENV = "<environment_context>\n  <cwd>/p</cwd>\n  <shell>bash</shell>\n</environment_context>"
INITIAL = [
    message("developer", BASE),
    message("developer", "<permissions instructions>\nread-only\n</permissions instructions>"),
    message("user", AGENTS, ENV),
]
PLAN = [
    {"step": 'Parse the "config" file', "status": "completed"},
    {"step": "Write tests —\nthen </plan> fix", "status": "in_progress"},
    {"step": "Ship ✓", "status": "pending"},
]
FILES = ["/p/src/app.py", "/p/tests/test app.py", "/p/naïve.txt"]


def compact_json_bytes(item: dict[str, Any]) -> int:
    return len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode())


# ---- estimates ----------------------------------------------------------------------------------------------------


def test_an_item_costs_a_token_per_four_bytes_of_its_compact_json_rounded_up() -> None:
    item = user("héllo wörld, a message of some length")

    assert estimate_item_tokens(item) == math.ceil(compact_json_bytes(item) / 4)
    assert estimate_tokens([item, item]) == 2 * estimate_item_tokens(item)


def test_an_inline_image_costs_a_fixed_estimate_not_its_base64_size() -> None:
    payload = base64.b64encode(b"\x89PNG" + bytes(300_000)).decode()
    image = {"type": "input_image", "image_url": f"data:image/png;base64,{payload}"}
    content = [{"type": "input_text", "text": "see"}, image]
    item: dict[str, Any] = {"type": "message", "role": "user", "content": content}
    output: dict[str, Any] = {"type": "function_call_output", "call_id": "c", "output": [image]}

    assert estimate_item_tokens(item) == math.ceil((compact_json_bytes(item) - len(payload) + 7373) / 4)
    assert estimate_item_tokens(output) == math.ceil((compact_json_bytes(output) - len(payload) + 7373) / 4)
    remote = {"type": "message", "role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}
    assert estimate_item_tokens(remote) == math.ceil(compact_json_bytes(remote) / 4)


def test_encrypted_reasoning_counts_its_decoded_length_only() -> None:
    item: dict[str, Any] = {"type": "reasoning", "id": "rs", "summary": [], "encrypted_content": "A" * 4000}

    assert estimate_item_tokens(item) == math.ceil((4000 * 3 // 4 - 650) / 4)
    assert estimate_item_tokens({**item, "encrypted_content": "A" * 100}) == 0
    plain = {**item, "encrypted_content": None}
    assert estimate_item_tokens(plain) == math.ceil(compact_json_bytes(plain) / 4)


def test_context_use_is_the_last_response_total_plus_what_came_after_the_model() -> None:
    call = {"type": "function_call", "call_id": "c", "name": "exec_command", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": "c", "output": "x" * 400}
    history = [*INITIAL, user("go"), call, output]

    assert estimate_context_tokens(history, 1000) == 1000 + estimate_item_tokens(output)
    assert estimate_context_tokens(history, None) == estimate_tokens(history)
    assert estimate_context_tokens([user("hi")], 10) == 10 + estimate_item_tokens(user("hi"))


@pytest.mark.parametrize(
    ("window", "configured", "limit"),
    [
        (None, None, 244_800),
        (0, None, 244_800),
        (400_000, None, 360_000),
        (272_000, 100_000, 100_000),
        (1_000, 5_000, 900),
        (None, 0, None),
        (128_000, -1, None),
    ],
)
def test_the_auto_compact_limit_is_the_smaller_of_the_setting_and_90_percent_of_the_window(
    window: int | None, configured: int | None, limit: int | None
) -> None:
    assert auto_compact_limit(window, configured) == limit


# ---- kinds of message ---------------------------------------------------------------------------------------------


def test_harness_messages_are_context_and_not_the_users() -> None:
    for item in INITIAL:
        assert is_context_message(item)
        assert not is_real_user_message(item)
    for text in ("<user_instructions>x</user_instructions>", "  <turn_aborted>\nstopped", "<skill>\nx\n</skill>"):
        assert is_context_message(user(text))
    assert is_real_user_message(user("fix <environment_context> parsing"))
    assert not is_context_message(message("assistant", ENV))
    assert not is_context_message({"type": "function_call_output", "output": ENV})


def test_summaries_are_recognised_ours_and_codexs() -> None:
    ours = user(summary_message_text("did things", plan=None, files_changed=[]))
    codex = user("Another language model started to solve this problem and produced a summary...\nwork")

    assert is_summary_message(ours) and is_summary_message(codex)
    assert not is_real_user_message(ours) and not is_real_user_message(codex)
    assert not is_summary_message(user(SUMMARY_PREFIX))  # the prefix alone, with no newline, is not one
    assert not is_summary_message(message("assistant", SUMMARY_PREFIX + "\nx"))


# ---- the compacted history ----------------------------------------------------------------------------------------


def test_the_compacted_history_is_context_then_recent_user_messages_then_the_summary() -> None:
    history = [
        *INITIAL,
        user("first ask"),
        message("assistant", "working"),
        {"type": "function_call", "call_id": "c", "name": "exec_command", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c", "output": "ok"},
        user(summary_message_text("an older summary", plan=None, files_changed=[])),
        user("second ask"),
    ]

    new = build_compacted_history(
        history, summary="Done: parser.", initial_context=INITIAL, plan=None, files_changed=[]
    )

    assert new == [
        *INITIAL,
        user_message_item("first ask"),
        user_message_item("second ask"),
        user_message_item(f"{SUMMARY_PREFIX}\nDone: parser."),
    ]


def test_mid_turn_the_context_goes_just_before_the_last_user_message() -> None:
    history = [*INITIAL, user("one"), message("assistant", "a"), user("two")]

    new = build_compacted_history(
        history, summary="s", initial_context=INITIAL, plan=None, files_changed=[], placement="before_last_user"
    )

    assert new == [user_message_item("one"), *INITIAL, user_message_item("two"), new[-1]]
    assert is_summary_message(new[-1])


def test_with_no_user_message_left_the_context_comes_before_the_summary() -> None:
    new = build_compacted_history(
        INITIAL, summary="", initial_context=INITIAL, plan=None, files_changed=[], placement="before_last_user"
    )

    assert new == [*INITIAL, user_message_item(f"{SUMMARY_PREFIX}\n{NO_SUMMARY}")]


def test_user_messages_are_kept_newest_first_within_the_budget_and_the_oldest_kept_is_cut_in_the_middle() -> None:
    history = [user("a" * 400), user("b" * 400), user("c" * 40), user("d" * 40)]

    kept = recent_user_messages(history, budget_tokens=50)

    assert kept[1:] == ["c" * 40, "d" * 40]
    assert kept[0].startswith("b" * 30) and kept[0].endswith("b" * 30)
    assert "tokens truncated" in kept[0]
    assert len(kept[0].encode()) < 400
    assert recent_user_messages(history, budget_tokens=0) == []
    assert recent_user_messages(history, budget_tokens=20) == ["c" * 40, "d" * 40]


def test_plan_and_files_changed_are_carried_verbatim_in_the_summary_message() -> None:
    new = build_compacted_history(
        [*INITIAL, user("do it")], summary="Progress.", initial_context=INITIAL, plan=PLAN, files_changed=FILES
    )
    text = new[-1]["content"][0]["text"]

    assert text.startswith(f"{SUMMARY_PREFIX}\nProgress.\n\n")
    assert "<plan>\n[\n" in text and "\n]\n</plan>" in text
    assert "<files_changed>\n[\n" in text and text.endswith("\n]\n</files_changed>")
    assert parse_carried_state(text) == (PLAN, FILES)


def test_plan_and_files_survive_a_second_compaction_exactly() -> None:
    first = build_compacted_history(
        [*INITIAL, user("task")], summary="one", initial_context=INITIAL, plan=PLAN, files_changed=FILES
    )
    plan_now = [{**PLAN[0]}, {**PLAN[1], "status": "completed"}, {**PLAN[2], "status": "in_progress"}]
    later = [*first, message("assistant", "more work"), user("and then this")]

    second = build_compacted_history(
        later, summary="two", initial_context=INITIAL, plan=plan_now, files_changed=[*FILES, "/p/new.py"]
    )

    assert [m["content"][0]["text"] for m in second[len(INITIAL) : -1]] == ["task", "and then this"]
    assert parse_carried_state(second[-1]["content"][0]["text"]) == (plan_now, [*FILES, "/p/new.py"])


def test_a_summary_without_plan_or_files_carries_neither_block() -> None:
    text = summary_message_text("  note  ", plan=[], files_changed=[])

    assert text == f"{SUMMARY_PREFIX}\nnote"
    assert parse_carried_state(text) == (None, None)
    assert parse_carried_state("<plan>\n[not json") == (None, None)


def test_the_summary_request_is_the_history_then_the_prompt() -> None:
    history = [*INITIAL, user("x")]

    assert summary_request(history) == [*history, user_message_item(SUMMARY_PROMPT)]
    assert summary_request(history, "custom")[-1] == user_message_item("custom")


def test_a_compaction_written_to_the_rollout_is_what_resume_reads(tmp_path: Path) -> None:
    path = tmp_path / "rollout.jsonl"
    history = [*INITIAL, user("task"), message("assistant", "done")]
    new = build_compacted_history(history, summary="s", initial_context=INITIAL, plan=PLAN, files_changed=FILES)
    writer = RolloutWriter(path)
    writer.append("session_meta", {"id": "t", "timestamp": "2026-11-20T10:00:00Z", "base_instructions": {"text": BASE}})
    for item in history:
        writer.append("response_item", item)
    writer.append("compacted", compacted_record(new[-1]["content"][0]["text"], new))
    writer.append("response_item", user("next"))
    writer.close()

    assert read_rollout(path).items == [*new, user("next")]


def test_a_damaged_carried_block_reads_as_absent() -> None:
    text = summary_message_text("s", plan=PLAN, files_changed=[]).replace('"status"', "status")

    assert parse_carried_state(text) == (None, None)
    assert not is_summary_message({"type": "message", "role": "user", "content": []})
