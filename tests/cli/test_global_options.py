"""Options before the command act as if given after it; --version; `pycodex PROMPT`; usage errors exit 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cli._globals import GlobalOptionError, hoist
from tests.cli.exec_harness import PYCODEX, REPO, provider_flags
from tests.support.model_server import ScriptedModelServer, message, reasoning


def _pycodex(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO), **env}
    return subprocess.run(
        [*PYCODEX, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def _exec_with(before: list[str], tmp_path: Path, *, after: list[str] | None = None) -> tuple[int, dict[str, str]]:
    """Run `pycodex BEFORE exec ... go` and return the exit code and the first request's model."""
    with ScriptedModelServer([{"items": [message("ok")]}]) as server:
        args = [*before, "exec", *provider_flags(server.base_url), "--skip-git-repo-check", *(after or []), "go"]
        run = _pycodex(args, tmp_path)
        body = server.requests[0].body if server.requests else {}
    return run.returncode, {"model": body.get("model", ""), "stderr": run.stderr}


def test_c_before_exec_sets_the_model(tmp_path: Path) -> None:
    code, seen = _exec_with(["-c", "model=before-model"], tmp_path)
    assert code == 0, seen["stderr"]
    assert seen["model"] == "before-model"


@pytest.mark.parametrize("flag", ["-m", "--model"])
def test_model_before_exec(flag: str, tmp_path: Path) -> None:
    code, seen = _exec_with([flag, "flag-model"], tmp_path)
    assert (code, seen["model"]) == (0, "flag-model"), seen["stderr"]


def test_profile_before_exec(tmp_path: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('[profiles.fast]\nmodel = "profile-model"\n')
    code, seen = _exec_with(["-p", "fast"], tmp_path)
    assert (code, seen["model"]) == (0, "profile-model"), seen["stderr"]


def test_cd_before_exec(tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    with ScriptedModelServer([{"items": [message("ok")]}]) as server:
        args = ["-C", str(work), "exec", *provider_flags(server.base_url), "--skip-git-repo-check", "go"]
        run = _pycodex(args, tmp_path)
        assert run.returncode == 0, run.stderr
        context = str(server.requests[0].body["input"])
    assert f"<cwd>{work}</cwd>" in context


@pytest.mark.parametrize(("before", "expected"), [(["-s", "read-only"], "read-only"), (["--full-auto"], "workspace")])
def test_sandbox_before_exec(before: list[str], expected: str, tmp_path: Path) -> None:
    with ScriptedModelServer([{"items": [message("ok")]}]) as server:
        args = [*before, "exec", *provider_flags(server.base_url), "--skip-git-repo-check", "go"]
        run = _pycodex(args, tmp_path)
        assert run.returncode == 0, run.stderr
        context = str(server.requests[0].body["input"])
    assert f"`sandbox_mode` is `{expected}" in context or expected in context


def test_approval_before_exec_is_validated(tmp_path: Path) -> None:
    code, seen = _exec_with(["-a", "sometimes"], tmp_path)
    assert code == 2
    assert "approval_policy" in seen["stderr"] and "sometimes" in seen["stderr"]
    code, seen = _exec_with(["-a", "never"], tmp_path)
    assert code == 0, seen["stderr"]


@pytest.mark.parametrize("before", [["-a", "untrusted"], ["-c", 'approval_policy="on-request"']])
def test_an_approval_policy_given_to_exec_is_reported_as_not_used(before: list[str], tmp_path: Path) -> None:
    # exec asks no one (as Codex's, which drops the policy without a word): the run says the policy is not used.
    code, seen = _exec_with(before, tmp_path)
    assert code == 0, seen["stderr"]
    assert "is not used by exec, which asks no one" in seen["stderr"]
    policy = "untrusted" if "untrusted" in before else "on-request"
    assert f"approval_policy = {policy}" in seen["stderr"]
    code, seen = _exec_with(["-a", "never"], tmp_path)
    assert "is not used by exec" not in seen["stderr"]


def test_strict_config_before_exec(tmp_path: Path) -> None:
    code, seen = _exec_with(["--strict-config", "-c", "modle=x"], tmp_path)
    assert code == 2
    assert "unknown configuration key `modle`" in seen["stderr"] and "did you mean `model`?" in seen["stderr"]


def test_every_malformed_c_is_exit_code_2(tmp_path: Path) -> None:
    for bad in (["-c", "no-equals"], ["-c", "x={a"], ["-c", "approval_policy=bogus"]):
        code, seen = _exec_with([], tmp_path, after=bad)
        assert code == 2, (bad, seen["stderr"])
        assert "Traceback" not in seen["stderr"]


def test_cd_to_a_file_is_not_a_directory(tmp_path: Path) -> None:
    file = tmp_path / "f.txt"
    file.write_text("x")
    code, seen = _exec_with(["-C", str(file)], tmp_path)
    assert code == 2
    assert "is not a directory" in seen["stderr"]


def test_c_before_config_explain(tmp_path: Path) -> None:
    run = _pycodex(["-c", "model=explained", "-m", "from-m", "config", "explain", "model"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[:2] == ["model", "from-m"]
    run = _pycodex(["-c", "model=explained", "config", "explain", "model"], tmp_path)
    assert run.stdout.split()[:2] == ["model", "explained"]


def test_c_before_mcp_applies_to_the_servers_it_lists(tmp_path: Path) -> None:
    run = _pycodex(["-c", 'mcp_servers.extra.command="echo"', "mcp", "list", "--json"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert '"extra"' in run.stdout


def test_an_option_the_command_cannot_use_is_a_usage_error(tmp_path: Path) -> None:
    run = _pycodex(["-m", "x", "sessions"], tmp_path)
    assert run.returncode == 2
    assert "--model given before `sessions` does not apply" in run.stderr


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str, tmp_path: Path) -> None:
    run = _pycodex([flag], tmp_path)
    assert run.returncode == 0
    assert run.stdout.startswith("pycodex ")


def test_hoist_rewrites_the_argument_lists() -> None:
    assert hoist(["-c", "a=1", "exec", "go"]) == ["exec", "--config", "a=1", "go"]
    assert hoist(["-m", "x", "config", "explain", "model"]) == ["config", "explain", "--config", 'model="x"', "model"]
    assert hoist(["-c", "a=1", "exec", "resume", "--last"]) == ["exec", "--config", "a=1", "resume", "--last"]
    assert hoist(["-m", "x", "fix the tests"]) == ["--model", "x", "--prompt", "fix the tests"]
    assert hoist(["exec", "-m", "x", "go"]) == ["exec", "-m", "x", "go"]
    with pytest.raises(GlobalOptionError):
        hoist(["-s", "read-only", "sessions"])


def _reasoning_run(tmp_path: Path, *config: str) -> list[str]:
    item = reasoning("thinking it over")
    item["content"] = [{"type": "reasoning_text", "text": "raw thoughts"}]
    item["summary"] = []
    steps = [{"items": [reasoning("summary text"), message("ok")]}, {"items": [item, message("ok")]}]
    texts: list[str] = []
    with ScriptedModelServer(steps) as server:
        for _ in range(2):
            flags = [arg for c in config for arg in ("-c", c)]
            args = ["exec", *provider_flags(server.base_url), "--skip-git-repo-check", "--json", *flags, "go"]
            run = _pycodex(args, tmp_path)
            assert run.returncode == 0, run.stderr
            texts.extend(line for line in run.stdout.splitlines() if '"type":"reasoning"' in line)
    return texts


def test_hide_agent_reasoning_and_show_raw_agent_reasoning(tmp_path: Path) -> None:
    shown = _reasoning_run(tmp_path)
    assert len(shown) == 1 and "summary text" in shown[0]
    assert _reasoning_run(tmp_path, "hide_agent_reasoning=true") == []
    raw = _reasoning_run(tmp_path, "show_raw_agent_reasoning=true")
    assert len(raw) == 2 and "raw thoughts" in raw[1]
