"""Hooks in-process: matchers, configuration errors, and the approval hooks against a real session."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

import agent
from agent.hooks import HookConfigError, load_hooks, parse_hooks
from agent.model import ScriptedModel, function_call, reply, text
from agent.protocol import ApprovalRequest, ReviewDecision

pytestmark = pytest.mark.anyio


def hook_table(event: str, command: str, matcher: str = "") -> dict[str, object]:
    return {event: [{"matcher": matcher, "hooks": [{"type": "command", "command": command}]}]}


@pytest.mark.parametrize(
    ("matcher", "subject", "expected"),
    [
        ("", "Bash", True),
        ("*", "anything", True),
        ("Bash", "Bash", True),
        ("Bash|Write", "Write", True),
        ("Bash", "BashX", False),
        ("mcp__.*__echo", "mcp__toolbox__echo", True),
        ("^Edit$", "Write", False),
    ],
)
def test_matchers_are_exact_alternatives_or_a_regex(matcher: str, subject: str, expected: bool) -> None:
    [hook] = parse_hooks(hook_table("PreToolUse", "true", matcher), Path("config.toml"))
    assert hook.matches(subject) is expected


def test_an_unknown_event_and_a_prompt_hook_are_reported_with_the_file() -> None:
    with pytest.raises(HookConfigError, match=r"x\.toml: unknown hook event `BeforeAll`"):
        parse_hooks(hook_table("BeforeAll", "true"), Path("x.toml"))
    table = {"Stop": [{"matcher": "", "hooks": [{"type": "prompt", "prompt": "judge"}]}]}
    with pytest.raises(HookConfigError, match=r"hooks\.Stop\[0\]\.hooks\[0\] is skipped"):
        parse_hooks(table, Path("x.toml"))


def test_a_changed_hook_is_untrusted_again(tmp_path: Path) -> None:
    (tmp_path / "hooks.json").write_text(json.dumps({"hooks": hook_table("Stop", "echo one")}), encoding="utf-8")
    [hook] = load_hooks([tmp_path], trusted_hashes={}).untrusted
    assert load_hooks([tmp_path], trusted_hashes={hook.key: hook.fingerprint}).trusted == (hook,)
    (tmp_path / "hooks.json").write_text(json.dumps({"hooks": hook_table("Stop", "echo two")}), encoding="utf-8")
    assert load_hooks([tmp_path], trusted_hashes={hook.key: hook.fingerprint}).trusted == ()


class Approver:
    def __init__(self) -> None:
        self.asked: list[ApprovalRequest] = []

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        self.asked.append(request)
        return "denied"


def session_config(
    repo: Path, codex_home: Path, event: str, answer: Mapping[str, object], matcher: str = ""
) -> agent.Config:
    command = f"cat >/dev/null; echo '{json.dumps(answer)}'"
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": hook_table(event, command, matcher)}), "utf-8")
    overrides = agent.ConfigOverrides(
        cwd=repo, approval_policy="untrusted", sandbox_mode="workspace-write", bypass_hook_trust=True
    )
    return agent.load_config(
        overrides, ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"]
    )


async def run(config: agent.Config, approver: Approver, calls: Sequence[dict[str, object]]) -> ScriptedModel:
    model = ScriptedModel([reply(*calls), reply(text("ok"))])
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
    return model


TOUCH = function_call("exec_command", {"cmd": "touch made.txt", "login": False})


async def test_a_permission_request_hook_that_allows_answers_for_the_user(repo: Path, codex_home: Path) -> None:
    answer = {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}}
    approver = Approver()
    await run(session_config(repo, codex_home, "PermissionRequest", answer, "Bash"), approver, [TOUCH])
    assert approver.asked == []
    assert (repo / "made.txt").exists()


async def test_a_permission_request_hook_that_denies_refuses_without_asking(repo: Path, codex_home: Path) -> None:
    answer = {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "deny"}}}
    approver = Approver()
    model = await run(session_config(repo, codex_home, "PermissionRequest", answer), approver, [TOUCH])
    assert approver.asked == []
    assert not (repo / "made.txt").exists()
    assert model.prompts[-1].input[-1]["output"] == "PermissionRequest hook denied approval"


async def test_pre_tool_use_allow_skips_the_question_as_in_claude_code(repo: Path, codex_home: Path) -> None:
    answer = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"}}
    approver = Approver()
    await run(session_config(repo, codex_home, "PreToolUse", answer, "Bash"), approver, [TOUCH])
    assert approver.asked == []
    assert (repo / "made.txt").exists()


async def test_without_hooks_the_same_command_is_asked_about(repo: Path, codex_home: Path) -> None:
    approver = Approver()
    await run(session_config(repo, codex_home, "Stop", {}), approver, [TOUCH])
    assert len(approver.asked) == 1
    assert not (repo / "made.txt").exists()
