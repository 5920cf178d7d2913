"""Secrets through `pycodex exec`: the model sees a command's live output, nothing under CODEX_HOME keeps a secret,
a resumed thread carries the redacted text, secret-named variables stay out of commands, and a provider's token
command is cached and re-run once on 401."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.cli.exec_harness import PYCODEX, REPO, run_exec
from tests.support.model_server import ScriptedModelServer, Step, exec_call, message

SECRET = "sk-proj-" + "Zq7_Xw-3" * 6
GITHUB = "ghp_" + "k2" * 18


def _files_holding(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_a_printed_secret_reaches_the_model_but_no_file_and_resume_gets_it_redacted(
    repo: Path, codex_home: Path
) -> None:
    env = {"CODEX_HOME": str(codex_home), "DEPLOY_TOKEN": GITHUB}
    command = f"echo OPENAI_API_KEY={SECRET}; echo token=[$DEPLOY_TOKEN]"
    first = run_exec(
        [{"items": [exec_call(command, "c1", login=False)]}, {"items": [message("printed it")]}],
        ["--json", "-s", "danger-full-access", f"print the key {SECRET}"],
        cwd=repo,
        env=env,
    )
    assert first.returncode == 0, first.stderr
    live = json.dumps(first.requests[1].body)
    assert f"OPENAI_API_KEY={SECRET}" in live  # the model saw the live output in its turn
    assert "token=[]" in live  # DEPLOY_TOKEN is one of the default excludes: the command never saw it
    assert _files_holding(codex_home, SECRET) == []
    [rollout] = sorted((codex_home / "sessions").rglob("rollout-*.jsonl"))
    text = rollout.read_text(encoding="utf-8")
    assert "OPENAI_API_KEY=[REDACTED_SECRET]" in text and "print the key [REDACTED_SECRET]" in text
    assert all(json.loads(line) for line in text.splitlines())  # still one JSON object per line

    second = run_exec([{"items": [message("resumed")]}], ["--json", "resume", "--last", "go on"], cwd=repo, env=env)
    assert second.returncode == 0, second.stderr
    resumed = json.dumps(second.requests[0].body)
    assert SECRET not in resumed and "OPENAI_API_KEY=[REDACTED_SECRET]" in resumed
    assert _files_holding(codex_home, SECRET) == []


def test_ignore_default_excludes_restores_codexs_environment(repo: Path, codex_home: Path) -> None:
    run = run_exec(
        [{"items": [exec_call("echo token=[$DEPLOY_TOKEN]", "c1", login=False)]}, {"items": [message("ok")]}],
        ["--json", "-s", "danger-full-access", "-c", "shell_environment_policy.ignore_default_excludes=true", "go"],
        cwd=repo,
        env={"CODEX_HOME": str(codex_home), "DEPLOY_TOKEN": GITHUB},
    )
    assert run.returncode == 0, run.stderr
    assert f"token=[{GITHUB}]" in json.dumps(run.requests[1].body)


MINT = """#!/bin/sh
n=$(cat "$(dirname "$0")/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$(dirname "$0")/count"
printf '  token-%s  \\n' "$n"
"""


def _run_with_token_command(steps: list[Step], tmp_path: Path, repo: Path) -> tuple[int, str, list[str]]:
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    mint = tools / "mint.sh"
    mint.write_text(MINT, encoding="utf-8")
    mint.chmod(0o755)
    with ScriptedModelServer(steps) as server:
        provider = (
            f'model_providers.gw={{name="gw", base_url="{server.base_url}", request_max_retries=0, '
            f'stream_max_retries=0, auth={{command="./mint.sh", cwd="{tools}", refresh_interval_ms=0}}}}'
        )
        done = subprocess.run(
            [*PYCODEX, "exec", "-c", provider, "-c", "model_provider=gw", "-s", "danger-full-access", "go"],
            cwd=repo,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        tokens = [r.headers.get("authorization", "") for r in server.requests]
    return done.returncode, done.stdout + done.stderr, tokens


def test_the_token_command_is_cached_and_run_again_once_after_a_401(repo: Path, tmp_path: Path) -> None:
    steps: list[Step] = [
        {"status": 401, "body": '{"error": {"message": "token expired"}}'},
        {"items": [exec_call("echo hi", "c1", login=False)]},
        {"items": [message("done")]},
    ]
    code, output, tokens = _run_with_token_command(steps, tmp_path, repo)
    assert code == 0, output
    assert tokens == ["Bearer token-1", "Bearer token-2", "Bearer token-2"]
    assert (tmp_path / "tools" / "count").read_text(encoding="utf-8").strip() == "2"


def test_a_second_401_after_a_fresh_token_fails_the_turn(repo: Path, tmp_path: Path) -> None:
    refused: Step = {"status": 401, "body": '{"error": {"message": "no"}}'}
    code, output, tokens = _run_with_token_command([refused, refused, {"items": [message("never")]}], tmp_path, repo)
    assert code == 1
    assert tokens == ["Bearer token-1", "Bearer token-2"]
    assert "401" in output


def test_a_failing_token_command_sends_no_request_and_names_the_command(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    with ScriptedModelServer([{"items": [message("never")]}]) as server:
        provider = (
            f'model_providers.gw={{name="gw", base_url="{server.base_url}", request_max_retries=0, '
            f'auth={{command="false"}}}}'
        )
        done = subprocess.run(
            [*PYCODEX, "exec", "-c", provider, "-c", "model_provider=gw", "go"],
            cwd=repo,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert server.requests == []
    assert done.returncode == 1
    assert "auth command of model provider `gw` (false) exited with status 1" in done.stdout + done.stderr
