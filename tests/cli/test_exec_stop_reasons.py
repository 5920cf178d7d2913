"""`pycodex exec` when the model stops short: the partial answer is printed, the reason is a warning, no retry."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.model_server import message, refusal

from .exec_harness import run_exec


def test_an_answer_cut_at_the_output_limit_is_printed_with_a_warning_and_not_retried(tmp_path: Path) -> None:
    steps = [{"items": [message("half an answ")], "incomplete": "max_output_tokens"}, {"items": [message("x")]}]
    run = run_exec(steps, ["--skip-git-repo-check", "go"], cwd=tmp_path, stream_retries=3)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "half an answ"
    assert "output token limit" in run.stderr
    assert len(run.requests) == 1


def test_a_refusal_is_the_answer_and_the_json_stream_says_so(tmp_path: Path) -> None:
    steps = [{"items": [refusal("I won't do that.")]}]
    run = run_exec(steps, ["--skip-git-repo-check", "--json", "go"], cwd=tmp_path, wire="responses")
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    texts = [e["item"].get("text", e["item"].get("message")) for e in events if e["type"] == "item.completed"]
    assert "I won't do that." in texts
    assert any("refused" in str(t) for t in texts)
    assert events[-1]["type"] == "turn.completed"


def test_the_chat_wire_finish_reason_length_ends_the_turn_the_same_way(tmp_path: Path) -> None:
    steps = [{"items": [message("cut sh")], "incomplete": "max_output_tokens"}, {"items": [message("x")]}]
    run = run_exec(steps, ["--skip-git-repo-check", "go"], cwd=tmp_path, wire="chat", stream_retries=3)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "cut sh"
    assert "output token limit" in run.stderr
    assert len(run.requests) == 1
