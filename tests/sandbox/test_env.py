"""The shell environment policy and the sandbox markers set for children."""

from __future__ import annotations

import pytest

from sandbox import DangerFullAccess, ReadOnly, ShellEnvironmentPolicy, WorkspaceWrite, build_env
from sandbox._env import compose_env, wildcard

BASE = {
    "PATH": "/usr/bin",
    "HOME": "/home/u",
    "LANG": "C.UTF-8",
    "OPENAI_API_KEY": "sk-1",
    "GITHUB_TOKEN": "ghp",
    "aws_secret_access_key": "s",
    "EDITOR": "vim",
    "TERM": "xterm",
}


def env(
    policy: ShellEnvironmentPolicy, sandbox: ReadOnly | WorkspaceWrite | DangerFullAccess | None = None, **kwargs: str
) -> dict[str, str]:
    return build_env(policy, sandbox_policy=sandbox or DangerFullAccess(), base=BASE, platform="linux", **kwargs)


def test_inherit_all_keeps_every_variable_including_secrets_by_default() -> None:
    assert env(ShellEnvironmentPolicy()) == BASE


def test_inherit_core_keeps_only_the_core_unix_variables() -> None:
    assert env(ShellEnvironmentPolicy(inherit="core")) == {"PATH": "/usr/bin", "HOME": "/home/u", "LANG": "C.UTF-8"}


def test_inherit_none_starts_empty_and_set_adds() -> None:
    assert env(ShellEnvironmentPolicy(inherit="none", set={"A": "1"})) == {"A": "1"}


def test_default_excludes_drop_key_secret_and_token_names_case_insensitively() -> None:
    result = env(ShellEnvironmentPolicy(ignore_default_excludes=False))
    assert sorted(result) == ["EDITOR", "HOME", "LANG", "PATH", "TERM"]


def test_exclude_patterns_are_case_insensitive_wildcards() -> None:
    result = env(ShellEnvironmentPolicy(exclude=("*_api_*", "T?RM")))
    assert "OPENAI_API_KEY" not in result and "TERM" not in result and "EDITOR" in result


def test_set_comes_after_exclude_and_include_only_comes_last() -> None:
    policy = ShellEnvironmentPolicy(exclude=("EDITOR",), set={"EDITOR": "nano", "X": "1"}, include_only=("ed*", "path"))
    assert env(policy) == {"EDITOR": "nano", "PATH": "/usr/bin"}


def test_thread_id_is_set_after_include_only() -> None:
    result = env(ShellEnvironmentPolicy(include_only=("PATH",)), thread_id="t-1")
    assert result == {"PATH": "/usr/bin", "CODEX_THREAD_ID": "t-1"}


@pytest.mark.parametrize(
    ("policy", "marker"),
    [
        (ReadOnly(), "1"),
        (WorkspaceWrite(), "1"),
        (WorkspaceWrite(network_access=True), None),
        (DangerFullAccess(), None),
    ],
)
def test_network_disabled_marker_follows_the_sandbox_policy(
    policy: ReadOnly | WorkspaceWrite | DangerFullAccess, marker: str | None
) -> None:
    assert env(ShellEnvironmentPolicy(), policy).get("CODEX_SANDBOX_NETWORK_DISABLED") == marker


def test_codex_sandbox_is_seatbelt_only_for_a_confined_command_on_macos() -> None:
    confined = build_env(sandbox_policy=ReadOnly(), base={}, platform="darwin")
    unconfined = build_env(sandbox_policy=DangerFullAccess(), base={}, platform="darwin")
    linux = build_env(sandbox_policy=ReadOnly(), base={}, platform="linux")
    assert confined == {"CODEX_SANDBOX": "seatbelt", "CODEX_SANDBOX_NETWORK_DISABLED": "1"}
    assert unconfined == {}
    assert "CODEX_SANDBOX" not in linux


def test_wildcards_treat_regex_characters_literally() -> None:
    assert wildcard("A.B").fullmatch("A.B") and not wildcard("A.B").fullmatch("AXB")
    assert wildcard("*").fullmatch("") and wildcard("?").fullmatch("x") and not wildcard("?").fullmatch("")


def test_core_variables_on_windows_match_names_case_insensitively() -> None:
    base = {"Path": "C:\\", "USERPROFILE": "C:\\u", "HOME": "x"}
    assert compose_env(base, inherit="core", windows=True) == {"Path": "C:\\", "USERPROFILE": "C:\\u"}


def test_unknown_policy_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="extra"):
        ShellEnvironmentPolicy.model_validate({"inherit": "all", "exclud": ["*"]})
