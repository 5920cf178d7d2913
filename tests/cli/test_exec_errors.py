"""How `pycodex exec` behaves when the model server misbehaves: retries, messages, exit codes, JSONL."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.exec_harness import PYCODEX, REPO, provider_flags, run_exec, wait_for_file
from tests.support.model_server import ScriptedModelServer, exec_call, message

WIRES = ["responses", "chat"]


@pytest.mark.parametrize("wire", WIRES)
def test_500_then_success_is_retried_silently(repo: Path, wire: str) -> None:
    steps = [{"status": 500, "body": "boom"}, {"status": 500, "body": "boom"}, {"items": [message("recovered")]}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, wire=wire, request_retries=4)
    assert run.returncode == 0, run.stderr
    assert len(run.requests) == 3
    assert [e["type"] for e in run.events] == ["thread.started", "turn.started", "item.completed", "turn.completed"]


def test_500_forever_uses_every_retry_then_fails_with_exit_1(repo: Path) -> None:
    steps = [{"status": 500, "body": "boom", "repeat": True}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, request_retries=1, stream_retries=2)
    assert run.returncode == 1
    # (1 + request retries) x (1 + stream retries) requests.
    assert len(run.requests) == 2 * 3
    events = run.events
    assert [e["message"] for e in events if e["type"] == "error"][:2] == [
        "Reconnecting... 1/2 (last status: 500 Internal Server Error)",
        "Reconnecting... 2/2 (last status: 500 Internal Server Error)",
    ]
    assert events[-1]["type"] == "turn.failed"
    assert "500 Internal Server Error" in events[-1]["error"]["message"]
    assert events[-2] == {"type": "error", "message": events[-1]["error"]["message"]}


def test_429_with_retry_after_waits_that_long_and_succeeds(repo: Path) -> None:
    steps = [
        {
            "status": 429,
            "body": {"error": {"message": "slow down", "code": "rate_limit_exceeded"}},
            "headers": {"Retry-After": "1"},
        },
        {"items": [message("after the wait")]},
    ]
    started = time.monotonic()
    run = run_exec(steps, ["--json", "go"], cwd=repo, stream_retries=3)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert len(run.requests) == 2
    assert elapsed >= 1.0
    assert run.events[2] == {
        "type": "error",
        "message": "Reconnecting... 1/3 (rate limited, last status: 429 Too Many Requests)",
    }


def test_429_for_exhausted_quota_fails_at_once(repo: Path) -> None:
    steps = [
        {
            "status": 429,
            "body": {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}},
            "repeat": True,
        }
    ]
    run = run_exec(steps, ["--json", "go"], cwd=repo, request_retries=3, stream_retries=3)
    assert run.returncode == 1
    assert len(run.requests) == 1
    assert "out of quota" in run.events[-1]["error"]["message"]


def test_401_fails_at_once_naming_the_key_variable(repo: Path) -> None:
    steps = [{"status": 401, "body": {"error": {"message": "Incorrect API key provided"}}, "repeat": True}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, request_retries=3, stream_retries=3)
    assert run.returncode == 1
    assert len(run.requests) == 1
    message_text = run.events[-1]["error"]["message"]
    assert "401 Unauthorized" in message_text and "MOCK_API_KEY" in message_text
    assert "Incorrect API key provided" in message_text
    assert "sk-mock-123" not in run.stdout + run.stderr


def test_400_fails_at_once_with_the_server_message(repo: Path) -> None:
    steps = [{"status": 400, "body": {"error": {"message": "Invalid value for input"}}, "repeat": True}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, request_retries=3, stream_retries=3)
    assert run.returncode == 1
    assert len(run.requests) == 1
    assert run.events[-1] == {
        "type": "turn.failed",
        "error": {"message": "the model server rejected the request (400 Bad Request): Invalid value for input"},
    }


def test_missing_api_key_says_which_variable_to_set(repo: Path) -> None:
    run = run_exec([{"items": [message("never")]}], ["--json", "go"], cwd=repo, env={"MOCK_API_KEY": ""})
    assert run.returncode == 1
    assert run.requests == []
    assert "set the environment variable MOCK_API_KEY" in run.events[-1]["error"]["message"]


@pytest.mark.parametrize("wire", WIRES)
def test_a_stream_cut_mid_response_is_retried_and_announced(repo: Path, wire: str) -> None:
    steps = [{"items": [message("partial answer")], "cut": True}, {"items": [message("whole answer")]}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, wire=wire, stream_retries=2)
    assert run.returncode == 0, run.stderr
    assert len(run.requests) == 2
    errors = [e["message"] for e in run.events if e["type"] == "error"]
    assert len(errors) == 1 and errors[0].startswith("Reconnecting... 1/2 (stream closed before")
    # Only the completed response's message is reported: nothing from the dropped attempt.
    assert [i["text"] for i in run.items("agent_message")] == ["whole answer"]


def test_response_failed_event_is_retried_then_reported(repo: Path) -> None:
    steps = [{"sse_error": "mock stream failure", "repeat": True}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, stream_retries=1)
    assert run.returncode == 1
    assert len(run.requests) == 2
    assert run.events[-1]["error"]["message"] == "stream disconnected before completion: mock stream failure"


def test_an_idle_stream_times_out_and_is_retried(repo: Path) -> None:
    steps = [{"hang": True}, {"items": [message("awake")]}]
    run = run_exec(steps, ["--json", "go"], cwd=repo, stream_retries=1, idle_ms=500)
    assert run.returncode == 0, run.stderr
    assert [e["message"] for e in run.events if e["type"] == "error"] == [
        "Reconnecting... 1/1 (idle timeout: no data for 0.5 s)"
    ]


def test_an_unreachable_server_is_reported_with_its_url(repo: Path) -> None:
    with ScriptedModelServer([]) as server:
        url = server.base_url
    # The server is gone: nothing listens on that port any more.
    env = {**os.environ, "MOCK_API_KEY": "k", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [*PYCODEX, "exec", *provider_flags(url), "--json", "go"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 1
    assert f"cannot reach the model server at {url}/responses" in proc.stdout


def test_no_provider_at_all_says_exactly_what_to_set(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    # Point the local probes at closed ports so a developer's running Ollama does not change the outcome.
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "CODEX_OSS_BASE_URL": "http://127.0.0.1:9/v1",
            "LMSTUDIO_BASE_URL": "http://127.0.0.1:9/v1",
        }
    )
    proc = subprocess.run(
        [*PYCODEX, "exec", "--skip-git-repo-check", "hello"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "no model provider is available" in proc.stderr
    assert "OPENAI_API_KEY" in proc.stderr and "--oss" in proc.stderr


def test_ctrl_c_interrupts_the_turn_kills_the_command_and_exits_130(repo: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    steps = [{"items": [exec_call(f"echo $$ > {pidfile}; exec sleep 30", "c1", login=False)]}]
    with ScriptedModelServer(steps) as server:
        env = {**os.environ, "MOCK_API_KEY": "k", "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(
            [*PYCODEX, "exec", *provider_flags(server.base_url), "--json", "--yolo", "go"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if '"command_execution"' in line:
                break
        wait_for_file(pidfile, nonempty=True)
        pid = int(pidfile.read_text())
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert out.strip().splitlines()[-1] == '{"type":"turn.failed","error":{"message":"turn interrupted"}}'
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
