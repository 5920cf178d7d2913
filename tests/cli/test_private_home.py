"""`$CODEX_HOME` is private (issue 14, item 11): directories 0700, every file 0600, secrets masked in listings."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agent.execpolicy import append_allow_rule
from agent.threads._index import INDEX_FILE_NAME, StateIndex
from cli._app import app
from tests.cli.exec_harness import run_exec
from tests.support.model_server import exec_call, message


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _tree_modes(root: Path) -> dict[str, int]:
    modes = {".": _mode(root)}
    for path in root.rglob("*"):
        modes[str(path.relative_to(root))] = _mode(path)
    return modes


def test_exec_creates_codex_home_0700_and_every_file_in_it_0600(tmp_path: Path) -> None:
    home = tmp_path / "new" / "codex-home"
    work = tmp_path / "work"
    work.mkdir()
    steps = [{"items": [exec_call("echo hi", "c1", login=False)]}, {"items": [message("done")]}]
    run = run_exec(steps, ["--json", "--skip-git-repo-check", "go"], cwd=work, env={"CODEX_HOME": str(home)})
    assert run.returncode == 0, run.stderr
    modes = _tree_modes(home)
    assert INDEX_FILE_NAME in modes and any(name.endswith(".jsonl") for name in modes), modes
    for name, mode in modes.items():
        expected = 0o700 if (home / name).is_dir() else 0o600
        assert mode == expected, f"{name} is {mode:o}, expected {expected:o}"


def test_the_index_and_its_wal_and_shm_files_are_0600_and_an_older_index_is_tightened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    index = home / INDEX_FILE_NAME
    index.touch(mode=0o644)
    os.chmod(index, 0o644)
    with StateIndex.open(home) as opened:
        opened.sync()  # a write: SQLite now has its -wal and -shm files open
        extras = [Path(f"{index}{suffix}") for suffix in ("-wal", "-shm")]
        assert all(extra.exists() for extra in extras)
        assert [_mode(p) for p in (index, *extras)] == [0o600, 0o600, 0o600]


def test_approved_command_rules_are_written_0600(tmp_path: Path) -> None:
    rules = tmp_path / "home" / "rules" / "default.rules"
    append_allow_rule(rules, ["git", "status"])
    assert (_mode(rules.parent), _mode(rules)) == (0o700, 0o600)


def test_mcp_list_and_get_json_mask_env_values_and_header_values(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(
        '[mcp_servers.local]\ncommand = "node"\nenv = { API_KEY = "sk-very-secret" }\n\n'
        '[mcp_servers.remote]\nurl = "http://127.0.0.1:9/mcp"\nhttp_headers = { "X-Api-Key" = "hdr-secret" }\n',
        encoding="utf-8",
    )
    listed = CliRunner().invoke(app, ["mcp", "list", "--json"])
    got = CliRunner().invoke(app, ["mcp", "get", "local", "--json"])
    assert listed.exit_code == 0 and got.exit_code == 0, listed.stderr + got.stderr
    for out in (listed.stdout, got.stdout):
        assert "sk-very-secret" not in out and "hdr-secret" not in out
    shown = json.loads(listed.stdout)
    assert shown[0]["transport"]["env"] == {"API_KEY": "*****"}
    assert shown[1]["transport"]["http_headers"] == {"X-Api-Key": "*****"}
    assert json.loads(got.stdout)["transport"]["env"] == {"API_KEY": "*****"}


def test_pycodex_never_loosens_the_mode_of_a_home_the_user_made(tmp_path: Path) -> None:
    # An existing CODEX_HOME keeps the mode its owner chose; only what pycodex creates inside is private.
    home = tmp_path / "mine"
    home.mkdir(mode=0o750)
    os.chmod(home, 0o750)
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "sessions", "--json"],
        env={**os.environ, "CODEX_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert _mode(home) == 0o750
    assert _mode(home / INDEX_FILE_NAME) == 0o600
