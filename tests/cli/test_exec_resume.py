"""Resume and fork with `pycodex exec`, crash safety, locking, and the session commands."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.exec_harness import PYCODEX, REPO, provider_flags, run_exec, wait_for_file
from tests.support.model_server import ScriptedModelServer, exec_call, message

# CI clones the repository with shared/ beside it.
CAPTURES = REPO.parent / "shared" / "reference" / "captures"


def _rollouts(codex_home: Path) -> list[Path]:
    return sorted((codex_home / "sessions").rglob("rollout-*.jsonl"))


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_resume_last_replays_the_history_and_appends_to_the_same_file(repo: Path, codex_home: Path) -> None:
    env = {"CODEX_HOME": str(codex_home)}
    first = run_exec(
        [{"items": [exec_call("echo one", "c1", login=False)]}, {"items": [message("first done")]}],
        ["--json", "first task"],
        cwd=repo,
        env=env,
    )
    assert first.returncode == 0, first.stderr
    [rollout] = _rollouts(codex_home)
    lines_before = len(rollout.read_text(encoding="utf-8").splitlines())
    second = run_exec(
        [{"items": [message("second done")]}], ["--json", "resume", "--last", "next task"], cwd=repo, env=env
    )
    assert second.returncode == 0, second.stderr
    assert second.events[0] == first.events[0]  # same thread id
    assert _rollouts(codex_home) == [rollout]
    sent = second.requests[0].body["input"]
    previous = [*first.requests[-1].body["input"]]
    # Everything the first run sent last, then its final answer, then the new prompt.
    assert sent[: len(previous)] == previous
    # The reasoning item that preceded the answer goes back with its encrypted content (the strict server checks it).
    assert sent[len(previous)]["type"] == "reasoning" and sent[len(previous)]["encrypted_content"]
    answer = sent[len(previous) + 1]
    assert answer["role"] == "assistant" and answer["content"][0]["text"] == "first done"
    assert sent[-1]["content"] == [{"type": "input_text", "text": "next task"}]
    assert second.requests[0].body["prompt_cache_key"] == first.events[0]["thread_id"]
    records = _records(rollout)
    assert len(records) > lines_before
    assert [r["ordinal"] for r in records] == list(range(len(records)))


def test_resume_by_id_prefix_and_a_changed_sandbox_sends_new_permissions(repo: Path, codex_home: Path) -> None:
    env = {"CODEX_HOME": str(codex_home)}
    first = run_exec([{"items": [message("ok")]}], ["--json", "one"], cwd=repo, env=env)
    thread_id = first.events[0]["thread_id"]
    second = run_exec(
        [{"items": [message("ok")]}],
        ["--json", "-s", "workspace-write", "resume", thread_id[:13], "two"],
        cwd=repo,
        env=env,
    )
    assert second.returncode == 0, second.stderr
    assert second.events[0]["thread_id"] == thread_id
    # After the first request's input come the reasoning item and the answer of the first turn.
    new_items = second.requests[0].body["input"][len(first.requests[0].body["input"]) + 2 :]
    roles = [(i["role"], i["content"][0]["text"][:30]) for i in new_items]
    assert roles[0][0] == "developer" and "workspace-write" in new_items[0]["content"][0]["text"]
    assert roles[1][0] == "user" and roles[1][1].startswith("<environment_context>")
    assert roles[-1] == ("user", "two")


def test_fork_starts_a_new_thread_and_leaves_the_original_untouched(repo: Path, codex_home: Path) -> None:
    env = {"CODEX_HOME": str(codex_home)}
    first = run_exec([{"items": [message("original answer")]}], ["--json", "one"], cwd=repo, env=env)
    [original] = _rollouts(codex_home)
    before = original.read_bytes()
    forked = run_exec(
        [{"items": [message("forked answer")]}],
        ["--json", "fork", first.events[0]["thread_id"], "another way"],
        cwd=repo,
        env=env,
    )
    assert forked.returncode == 0, forked.stderr
    assert forked.events[0]["thread_id"] != first.events[0]["thread_id"]
    assert original.read_bytes() == before
    assert "original answer" in json.dumps(forked.requests[0].body["input"])
    copy = [p for p in _rollouts(codex_home) if p != original]
    assert len(copy) == 1
    meta = _records(copy[0])[0]["payload"]
    assert meta["forked_from"]["id"] == first.events[0]["thread_id"]


def test_a_killed_run_loses_no_completed_item_and_resumes(repo: Path, codex_home: Path, tmp_path: Path) -> None:
    started = tmp_path / "started"
    steps = [
        {"items": [exec_call("echo finished-call", "c1", login=False)]},
        {"items": [exec_call(f"touch {started}; sleep 60", "c2", login=False)]},
    ]
    with ScriptedModelServer(steps) as server:
        env = {**os.environ, "MOCK_API_KEY": "k", "PYTHONPATH": str(REPO), "CODEX_HOME": str(codex_home)}
        proc = subprocess.Popen(
            [*PYCODEX, "exec", *provider_flags(server.base_url), "--json", "--yolo", "go"],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        wait_for_file(started)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    [rollout] = _rollouts(codex_home)
    items = [r["payload"] for r in _records(rollout) if r["type"] == "response_item"]
    outputs = [i for i in items if i["type"] == "function_call_output"]
    assert len(outputs) == 1 and "finished-call" in outputs[0]["output"]
    assert items[-1]["type"] == "function_call" and items[-1]["call_id"] == "c2"
    resumed = run_exec(
        [{"items": [message("picked up")]}],
        ["--json", "resume", "--last", "continue"],
        cwd=repo,
        env={"CODEX_HOME": str(codex_home)},
    )
    assert resumed.returncode == 0, resumed.stderr
    sent = resumed.requests[0].body["input"]
    answer = [i for i in sent if i.get("type") == "function_call_output" and i["call_id"] == "c2"]
    assert [a["output"] for a in answer] == ["aborted"]


def test_a_thread_in_use_by_another_process_cannot_be_resumed(repo: Path, codex_home: Path, tmp_path: Path) -> None:
    first = run_exec([{"items": [message("ok")]}], ["--json", "one"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    thread_id = first.events[0]["thread_id"]
    started = tmp_path / "started"
    with ScriptedModelServer([{"items": [exec_call(f"touch {started}; sleep 60", "c1", login=False)]}]) as server:
        env = {**os.environ, "MOCK_API_KEY": "k", "PYTHONPATH": str(REPO), "CODEX_HOME": str(codex_home)}
        holder = subprocess.Popen(
            [*PYCODEX, "exec", *provider_flags(server.base_url), "--json", "--yolo", "resume", thread_id, "hold"],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_for_file(started)
            second = run_exec(
                [{"items": [message("never")]}],
                ["--json", "resume", thread_id, "again"],
                cwd=repo,
                env={"CODEX_HOME": str(codex_home)},
            )
        finally:
            holder.send_signal(signal.SIGINT)
            holder.wait(timeout=20)
    assert second.returncode == 1
    assert second.requests == []
    assert str(holder.pid) in second.events[-1]["error"]["message"]


def test_a_rollout_written_by_codex_is_resumed(repo: Path, codex_home: Path) -> None:
    capture = CAPTURES / "rollout-multi.jsonl"
    if not capture.exists():
        pytest.skip(f"the Codex capture {capture} is not present")
    thread_id = json.loads(capture.read_text(encoding="utf-8").splitlines()[0])["payload"]["id"]
    day = codex_home / "sessions" / "2026" / "11" / "23"
    day.mkdir(parents=True)
    target = day / f"rollout-2026-11-23T22-25-07-{thread_id}.jsonl"
    shutil.copy(capture, target)
    run = run_exec(
        [{"items": [message("continuing")]}],
        ["--json", "resume", thread_id, "go on"],
        cwd=repo,
        env={"CODEX_HOME": str(codex_home)},
    )
    assert run.returncode == 0, run.stderr
    sent = run.requests[0].body["input"]
    codex_items = [r["payload"] for r in _records(capture) if r["type"] == "response_item"]
    # Codex keeps its base instructions in the session meta; they go first, as Codex itself resends them.
    base = json.loads(capture.read_text(encoding="utf-8").splitlines()[0])["payload"]["base_instructions"]["text"]
    assert sent[0]["role"] == "developer" and sent[0]["content"][0]["text"] == base
    assert len(sent) > len(codex_items) + 1
    assert [i["type"] for i in sent[1 : len(codex_items) + 1]] == [i["type"] for i in codex_items]
    assert all("internal_chat_message_metadata_passthrough" not in i for i in sent)
    assert sent[-1]["content"][0]["text"] == "go on"


def test_sessions_list_archive_unarchive_delete(repo: Path, codex_home: Path) -> None:
    env = {"CODEX_HOME": str(codex_home)}
    first = run_exec([{"items": [message("ok")]}], ["--json", "fix the parser"], cwd=repo, env=env)
    run_exec([{"items": [message("ok")]}], ["--json", "write docs"], cwd=repo, env=env)
    thread_id = first.events[0]["thread_id"]
    full_env = {**os.environ, "CODEX_HOME": str(codex_home), "PYTHONPATH": str(REPO)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*PYCODEX, *args], cwd=repo, env=full_env, capture_output=True, text=True, timeout=60)

    listing = cli("sessions").stdout
    assert listing.index("write docs") < listing.index("fix the parser")
    assert [
        json.loads(line)["first_user_message"]
        for line in cli("sessions", "--search", "PARSER", "--json").stdout.splitlines()
    ] == ["fix the parser"]
    assert cli("archive", thread_id[:12]).stdout == f"Archived session {thread_id}.\n"
    assert "fix the parser" not in cli("sessions").stdout
    assert "fix the parser" in cli("sessions", "--archived").stdout
    assert cli("unarchive", thread_id).returncode == 0
    assert "fix the parser" in cli("sessions").stdout
    path = next(p for p in _rollouts(codex_home) if thread_id in p.name)
    assert cli("delete", thread_id).returncode == 0
    assert not path.exists()
    missing = cli("delete", thread_id)
    assert missing.returncode == 1 and "no session" in missing.stderr


CODEX_BIN = REPO / ".ci/npm/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"


@pytest.mark.skipif(not CODEX_BIN.exists(), reason="Codex's binary is not installed (run .ci/setup)")
def test_a_thread_recorded_by_codex_binary_is_resumed(repo: Path, codex_home: Path) -> None:
    codex_steps = [{"items": [exec_call("echo from-codex", "c1")]}, {"items": [message("codex finished")]}]
    with ScriptedModelServer(codex_steps) as server:
        env = {**os.environ, "MOCK_API_KEY": "sk-mock", "CODEX_HOME": str(codex_home)}
        proc = subprocess.run(
            [
                str(CODEX_BIN),
                "exec",
                "--json",
                "--skip-git-repo-check",
                "-s",
                "workspace-write",
                "-m",
                "gpt-5.5",
                "-c",
                f'model_providers.mock={{name="mock", base_url="{server.base_url}", env_key="MOCK_API_KEY", '
                'wire_api="responses"}',
                "-c",
                "model_provider=mock",
                "first, by codex",
            ],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        codex_last_input = server.requests[-1].body["input"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    thread_id = json.loads(proc.stdout.splitlines()[0])["thread_id"]
    run = run_exec(
        [{"items": [message("pycodex continues")]}],
        ["--json", "resume", thread_id, "second, by pycodex"],
        cwd=repo,
        env={"CODEX_HOME": str(codex_home)},
    )
    assert run.returncode == 0, run.stderr
    assert run.events[0]["thread_id"] == thread_id
    sent = run.requests[0].body["input"]
    # Codex's call and its output are replayed as Codex sent them.
    codex_calls = [i for i in codex_last_input if i.get("type") in ("function_call", "function_call_output")]
    replayed = [i for i in sent if i.get("type") in ("function_call", "function_call_output")]
    assert [(i["type"], i["call_id"]) for i in replayed] == [(i["type"], i["call_id"]) for i in codex_calls]
    assert [i.get("output") for i in replayed] == [i.get("output") for i in codex_calls]
    assert "codex finished" in json.dumps(sent)
    assert sent[-1]["content"][0]["text"] == "second, by pycodex"


def test_a_torn_last_line_is_cut_before_new_records_are_appended(repo: Path, codex_home: Path) -> None:
    from agent import load_thread

    env = {"CODEX_HOME": str(codex_home)}
    first = run_exec([{"items": [message("one")]}], ["--json", "first"], cwd=repo, env=env)
    [rollout] = _rollouts(codex_home)
    with rollout.open("a", encoding="utf-8") as f:
        f.write('{"timestamp":"2026-11-23T00:00:00.000Z","type":"response_it')  # a crash mid-write
    second = run_exec(
        [{"items": [message("two")]}], ["--json", "resume", first.events[0]["thread_id"], "second"], cwd=repo, env=env
    )
    assert second.returncode == 0, second.stderr
    thread = load_thread(rollout)
    assert thread.warnings == []
    texts = json.dumps(thread.items)
    assert "second" in texts and '"two"' in texts
