"""Pure parts: argument checking, answers in both shapes, the listen address, progress lines."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent import protocol as p
from mcp_server import ArgumentError, ListenAddressError, parse_listen_url
from mcp_server._approval_forms import decision_from_answer
from mcp_server._args import parse_codex_args, parse_reply_args
from mcp_server._progress import command_text, step

from .harness import REPO


def test_codex_arguments_use_codex_s_kebab_case_names() -> None:
    args = parse_codex_args(
        {
            "prompt": "p",
            "approval-policy": "on-failure",
            "sandbox": "read-only",
            "base-instructions": "b",
            "developer-instructions": "d",
            "compact-prompt": "c",
            "config": {"model_reasoning_effort": "low"},
            "profile": "fast",
            "cwd": "sub",
            "model": "m",
        }
    )
    assert (args.approval_policy, args.sandbox, args.base_instructions) == ("on-failure", "read-only", "b")
    assert (args.developer_instructions, args.compact_prompt, args.profile) == ("d", "c", "fast")
    assert dict(args.config) == {"model_reasoning_effort": "low"}


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({}, "needs `prompt`"),
        ({"prompt": 3}, "`prompt` must be a string, not int"),
        ({"prompt": "p", "sandbox": "yolo"}, "`sandbox` must be one of read-only"),
        ({"prompt": "p", "config": []}, "`config` must be an object"),
        ({"prompt": "p", "approval_policy": "never"}, "unknown argument `approval_policy`"),
    ],
)
def test_bad_codex_arguments_say_what_is_wrong(arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(ArgumentError, match=problem):
        parse_codex_args(arguments)


def test_reply_takes_thread_id_or_the_old_conversation_id() -> None:
    assert parse_reply_args({"prompt": "p", "threadId": "t"}).thread_id == "t"
    assert parse_reply_args({"prompt": "p", "conversationId": "c"}).thread_id == "c"
    with pytest.raises(ArgumentError, match="needs `threadId`"):
        parse_reply_args({"prompt": "p"})


@pytest.mark.parametrize(
    ("answer", "decision"),
    [
        ({"decision": "approved_for_session"}, "approved_for_session"),
        ({"decision": "nonsense"}, "denied"),
        ({"action": "accept", "content": {"decision": "abort"}}, "abort"),
        ({"action": "accept"}, "approved"),
        ({"action": "accept", "content": {"decision": "maybe"}}, "denied"),
        ({"action": "decline"}, "denied"),
        ({"action": "cancel"}, "abort"),
        ({}, "denied"),
    ],
)
def test_answers_are_read_in_either_shape(answer: dict[str, object], decision: str) -> None:
    assert decision_from_answer(answer) == decision


@pytest.mark.parametrize(
    ("url", "allow_remote", "expected"),
    [
        ("http://127.0.0.1:8765", False, ("127.0.0.1", 8765)),
        ("http://localhost:0/mcp", False, ("localhost", 0)),
        ("http://[::1]:9000", False, ("::1", 9000)),
        ("http://0.0.0.0:9000", True, ("0.0.0.0", 9000)),
    ],
)
def test_listen_addresses_that_are_accepted(url: str, allow_remote: bool, expected: tuple[str, int]) -> None:
    assert parse_listen_url(url, allow_remote=allow_remote) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://0.0.0.0:9000", "not a loopback address"),
        ("http://192.168.1.5:9000", "not a loopback address"),
        ("https://127.0.0.1:9000", "takes http://HOST:PORT"),
        ("http://127.0.0.1", "takes http://HOST:PORT"),
        ("http://127.0.0.1:9000/other", "takes no path"),
    ],
)
def test_listen_addresses_that_are_refused(url: str, problem: str) -> None:
    with pytest.raises(ListenAddressError, match=problem):
        parse_listen_url(url)


def test_progress_lines_are_short_and_human() -> None:
    begin = p.ExecCommandBegin(call_id="c", command=("/bin/bash", "-lc", "ls -la"), cwd="/w")
    assert step(begin) == ("Running `ls -la`", "info")
    assert command_text(("git", "commit", "-m", "two words")) == "git commit -m 'two words'"
    assert step(p.AgentMessageDelta(item_id="i", delta="x")) is None
    long = step(p.AgentMessage(message="word " * 100))
    assert long is not None and len(long[0]) <= 108 and long[0].endswith("…")
    denied = p.AutoReviewVerdict(call_id="c", status="timed_out", rationale="no answer")
    assert step(denied) == ("Auto-review timed out: no answer", "warning")


def test_the_stdio_entry_imports_neither_the_sdk_nor_the_engine() -> None:
    # The fast front must answer `initialize` before these are loaded (they take about a second).
    code = (
        "import sys, cli._mcp_server_cmd, mcp_server, mcp_server._front; "
        "print(sorted(m for m in ('mcp', 'agent', 'pydantic', 'anyio') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"
