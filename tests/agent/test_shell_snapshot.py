"""The shell snapshot: the login profile runs once per session, its environment reaches every command."""

from __future__ import annotations

import stat
from pathlib import Path

from agent.tools._shell_snapshot import render
from tests.cli.exec_harness import run_exec
from tests.support.model_server import exec_call, message

PROFILE = """\
export GREETING=hello-from-profile
unset DROP_ME
greet() { echo "greet:$GREETING"; }
echo sourced >> "$PROFILE_COUNTER"
"""


def _home(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bash_profile").write_text(PROFILE)
    work = tmp_path / "work"
    work.mkdir()
    return home, work


def test_the_profile_runs_once_and_its_setup_reaches_each_command(tmp_path: Path, codex_home: Path) -> None:
    home, work = _home(tmp_path)
    counter = work / "count"
    steps = [
        {"items": [exec_call("greet", "c1")]},
        {"items": [exec_call('echo "var:$GREETING drop:${DROP_ME-unset}"', "c2")]},
        {"items": [exec_call("greet", "c3", login=True)]},
        {"items": [message("done")]},
    ]
    run = run_exec(
        steps,
        ["--skip-git-repo-check", "-s", "workspace-write", "--json", "go"],
        cwd=work,
        env={"HOME": str(home), "PROFILE_COUNTER": str(counter), "DROP_ME": "x", "SHELL": "/bin/bash"},
    )
    assert run.returncode == 0, run.stderr
    outputs = [item["aggregated_output"] for item in run.items("command_execution")]
    assert outputs[0].strip() == "greet:hello-from-profile"
    assert outputs[1].strip() == "var:hello-from-profile drop:unset"
    assert outputs[2].strip() == "greet:hello-from-profile"
    # Once for the snapshot, once for the command that asked for a login shell.
    assert counter.read_text().splitlines() == ["sourced", "sourced"]
    commands = [item["command"] for item in run.items("command_execution")]
    assert all(c.split()[1] == "-lc" for c in commands), commands  # events show the command as asked
    snapshots = codex_home / "shell_snapshots"
    assert stat.S_IMODE(snapshots.stat().st_mode) == 0o700
    assert list(snapshots.iterdir()) == []  # deleted when the session ended


def test_features_shell_snapshot_false_runs_a_login_shell_each_time(tmp_path: Path, codex_home: Path) -> None:
    home, work = _home(tmp_path)
    counter = work / "count"
    steps = [{"items": [exec_call("greet", "c1")]}, {"items": [exec_call("greet", "c2")]}, {"items": [message("ok")]}]
    run = run_exec(
        steps,
        ["--skip-git-repo-check", "-s", "workspace-write", "-c", "features.shell_snapshot=false", "go"],
        cwd=work,
        env={"HOME": str(home), "PROFILE_COUNTER": str(counter), "SHELL": "/bin/bash"},
    )
    assert run.returncode == 0, run.stderr
    assert counter.read_text().splitlines() == ["sourced", "sourced"]
    assert "recognised but not supported" not in run.stderr


def test_render_keeps_only_what_the_profile_changed() -> None:
    mark = "__pycodex_snapshot_7f3a__"
    env_part = "A=same\0B=new value\nline\0PWD=/x\0"
    output = f"banner\n{mark}\n{env_part}\n{mark}\nf () \n{{ \n    :\n}}\n".encode()
    script = render(output, {"A": "same", "GONE": "1", "PWD": "/y"})
    assert script is not None
    assert "export B='new value\nline'" in script
    assert "export A=" not in script and "PWD" not in script
    assert "unset GONE" in script and "f () " in script
    assert render(b"no markers here", {}) is None


def test_a_snapshot_that_cannot_be_written_falls_back_to_login_shells(tmp_path: Path, codex_home: Path) -> None:
    home, work = _home(tmp_path)
    counter = work / "count"
    (codex_home / "shell_snapshots").write_text("a file where the folder should be")
    steps = [{"items": [exec_call("greet", "c1")]}, {"items": [exec_call("greet", "c2")]}, {"items": [message("ok")]}]
    run = run_exec(
        steps,
        ["--skip-git-repo-check", "-s", "workspace-write", "--json", "go"],
        cwd=work,
        env={"HOME": str(home), "PROFILE_COUNTER": str(counter), "SHELL": "/bin/bash"},
    )
    assert run.returncode == 0, run.stderr
    outputs = [item["aggregated_output"].strip() for item in run.items("command_execution")]
    assert outputs == ["greet:hello-from-profile", "greet:hello-from-profile"]
    # The failed capture, then a real login shell for each command.
    assert counter.read_text().splitlines() == ["sourced"] * 3


def test_the_snapshot_is_captured_when_the_first_turn_starts_before_any_command(
    tmp_path: Path, codex_home: Path
) -> None:
    home, work = _home(tmp_path)
    counter = work / "count"
    env = {"HOME": str(home), "PROFILE_COUNTER": str(counter), "SHELL": "/bin/bash"}
    # A turn that runs no command: the profile still ran once, while the model request was under way.
    steps = [{"delay": 0.5, "items": [message("nothing to run")]}]
    run = run_exec(steps, ["--skip-git-repo-check", "-s", "workspace-write", "go"], cwd=work, env=env)
    assert run.returncode == 0, run.stderr
    assert counter.read_text().splitlines() == ["sourced"]
    counter.unlink()
    # Without login shells there is nothing to capture.
    args = ["--skip-git-repo-check", "-s", "workspace-write", "-c", "allow_login_shell=false", "go"]
    run = run_exec([{"items": [message("ok")]}], args, cwd=work, env=env)
    assert run.returncode == 0, run.stderr
    assert not counter.exists()


def _token_run(tmp_path: Path, codex_home: Path, *extra: str) -> list[str]:
    """A profile that exports MY_API_TOKEN; the command reports whether the snapshot file names it and what the
    command's environment holds."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export MY_API_TOKEN=profile-token-value\nexport FROM_PROFILE=kept\n")
    (home / ".profile").write_text(". ~/.bashrc\n")
    work = tmp_path / "work"
    work.mkdir()
    check = (
        f"grep -c MY_API_TOKEN {codex_home}/shell_snapshots/*.sh; "
        'echo "t=${MY_API_TOKEN:-unset} p=${FROM_PROFILE:-unset}"'
    )
    run = run_exec(
        [{"items": [exec_call(check, "c1")]}, {"items": [message("done")]}],
        ["--skip-git-repo-check", "-s", "workspace-write", "--json", *extra, "go"],
        cwd=work,
        env={"HOME": str(home), "SHELL": "/bin/bash"},
    )
    assert run.returncode == 0, run.stderr
    return [item["aggregated_output"] for item in run.items("command_execution")]


def test_a_token_the_profile_exports_is_kept_out_of_the_snapshot_and_the_command(
    tmp_path: Path, codex_home: Path
) -> None:
    # The default excludes (*KEY*, *SECRET*, *TOKEN*) apply to what the profile exports, as to pycodex's own
    # environment: not written to the snapshot file, not in the command's environment; other exports still are.
    assert _token_run(tmp_path, codex_home) == ["0\nt=unset p=kept\n"]


def test_ignore_default_excludes_lets_the_profiles_token_through(tmp_path: Path, codex_home: Path) -> None:
    outputs = _token_run(tmp_path, codex_home, "-c", "shell_environment_policy.ignore_default_excludes=true")
    assert outputs == ["1\nt=profile-token-value p=kept\n"]


def test_an_exclude_pattern_and_include_only_apply_to_the_profile_too() -> None:
    import sandbox

    mark = "__pycodex_snapshot_7f3a__"
    output = f"banner\n{mark}\nMY_API_TOKEN=x\0DB_URL=y\0PATH=/p\0\n{mark}\n".encode()
    default = render(output, {}, sandbox.ShellEnvironmentPolicy(ignore_default_excludes=False))
    assert default is not None and "MY_API_TOKEN" not in default and "export DB_URL=y" in default
    excluded = render(output, {}, sandbox.ShellEnvironmentPolicy(exclude=("DB_*",)))
    assert excluded is not None and "DB_URL" not in excluded and "export MY_API_TOKEN=x" in excluded
    only = render(output, {}, sandbox.ShellEnvironmentPolicy(include_only=("PATH",)))
    assert only is not None and "export PATH=/p" in only and "DB_URL" not in only and "MY_API" not in only
