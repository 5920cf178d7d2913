"""`log_dir` writes a private log of what the session did, never its secrets; `sqlite_home` moves the index."""

from __future__ import annotations

import stat
from pathlib import Path

from agent import protocol as p
from agent.threads._session_log import describe
from tests.cli.exec_harness import run_exec
from tests.support.model_server import exec_call, message
from tests.support.secret_stream import SECRET


def test_log_dir_records_the_steps_and_no_secret(tmp_path: Path, codex_home: Path) -> None:
    logs = tmp_path / "logs"
    steps = [{"items": [exec_call("echo TOPSECRET-OUTPUT", "c1", login=False)]}, {"items": [message("SECRET-ANSWER")]}]
    run = run_exec(
        steps,
        ["--skip-git-repo-check", "-c", f"log_dir='{logs}'", "my PROMPT-SECRET"],
        cwd=tmp_path,
        env={"MOCK_API_KEY": "sk-LOGGED-KEY"},
    )
    assert run.returncode == 0, run.stderr
    log = logs / "pycodex.log"
    text = log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "model=gpt-5.5 provider=mock" in text
    assert "command echo exited 0" in text
    assert "turn " in text and " completed" in text
    for secret in ("TOPSECRET-OUTPUT", "SECRET-ANSWER", "PROMPT-SECRET", "sk-LOGGED-KEY"):
        assert secret not in text
    assert "recognised but not supported" not in run.stderr


def test_no_log_without_log_dir(tmp_path: Path, codex_home: Path) -> None:
    run = run_exec([{"items": [message("ok")]}], ["--skip-git-repo-check", "go"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert not list(codex_home.rglob("*.log"))


def test_sqlite_home_moves_the_session_index(tmp_path: Path, codex_home: Path) -> None:
    index_dir = tmp_path / "index"
    (codex_home / "config.toml").write_text(f"sqlite_home = '{index_dir}'\n")
    run = run_exec([{"items": [message("ok")]}], ["--skip-git-repo-check", "go"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    resumed = run_exec(
        [{"items": [message("ok")]}], ["--skip-git-repo-check", "resume", "--last", "again"], cwd=tmp_path
    )
    assert resumed.returncode == 0, resumed.stderr
    assert (index_dir / "pycodex_state.sqlite").exists()
    assert not (codex_home / "pycodex_state.sqlite").exists()


def test_warnings_and_errors_that_carry_a_key_are_logged_redacted(tmp_path: Path, codex_home: Path) -> None:
    logs = tmp_path / "logs"
    failure = f"upstream refused the key {SECRET} (Authorization: Bearer {SECRET})"
    run = run_exec(
        [{"sse_error": failure}, {"sse_error": failure}],
        ["--skip-git-repo-check", "-c", f"log_dir='{logs}'", "go"],
        cwd=tmp_path,
        stream_retries=1,
    )
    assert run.returncode == 1, run.stderr
    text = (logs / "pycodex.log").read_text(encoding="utf-8")
    assert "stream_error: " in text and "error: " in text  # the retry and the failure were both logged
    assert SECRET not in text
    assert "upstream refused the key [REDACTED_SECRET]" in text


def test_a_warning_line_is_redacted() -> None:
    line = describe(p.Warning(message=f"ignored OPENAI_API_KEY={SECRET} from the environment"))
    assert line == "warning: ignored OPENAI_API_KEY=[REDACTED_SECRET] from the environment"
