"""PermissionRequest and PreToolUse "ask" against a real session under approval `untrusted` (real hook scripts; a
front door that records whether the user was asked). exec never asks anyone (its approval policy is always
`never`), so these questions are shown here, where a user can be asked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

import agent
from agent.model import ScriptedModel, function_call, reply, text
from agent.protocol import ApprovalRequest, ExecApprovalRequest, ReviewDecision, Warning

pytestmark = pytest.mark.anyio


class Approver:
    """The user: answers every question with `decision` and keeps the questions."""

    def __init__(self, decision: ReviewDecision = "denied") -> None:
        self.decision: ReviewDecision = decision
        self.asked: list[ApprovalRequest] = []

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        self.asked.append(request)
        return self.decision


def hook_script(folder: Path, name: str, answer: dict[str, Any], log: Path) -> str:
    """A hook program that logs each payload it gets (one line each) and prints `answer`."""
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat >> {log}\necho >> {log}\necho '{json.dumps(answer)}'\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def configure(repo: Path, codex_home: Path, hooks: dict[str, tuple[str, str]]) -> agent.Config:
    """`hooks`: event → (matcher, command)."""
    table = {event: [{"matcher": m, "hooks": [{"type": "command", "command": c}]}] for event, (m, c) in hooks.items()}
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": table}), "utf-8")
    overrides = agent.ConfigOverrides(
        cwd=repo, approval_policy="untrusted", sandbox_mode="workspace-write", bypass_hook_trust=True
    )
    return agent.load_config(
        overrides, ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"]
    )


async def run(config: agent.Config, approver: Approver, *rounds: Sequence[dict[str, object]]) -> ScriptedModel:
    """One turn; the model makes each round of calls in its own response, then answers."""
    model = ScriptedModel([*(reply(*calls) for calls in rounds), reply(text("ok"))])
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
    return model


def warnings_of(session: agent.Session) -> list[str]:
    found: list[str] = []
    stream = session.events()
    while True:
        try:
            event = stream.receive_nowait()
        except anyio.WouldBlock:
            return found
        if isinstance(event.msg, Warning):
            found.append(event.msg.message)


def touch(name: str, call_id: str) -> dict[str, object]:
    return function_call("exec_command", {"cmd": f"touch {name}", "login": False}, call_id=call_id)


def outputs(model: ScriptedModel) -> list[str]:
    return [str(i["output"]) for i in model.prompts[-1].input if i.get("type") == "function_call_output"]


def payloads(log: Path) -> list[dict[str, Any]]:
    return (
        [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        if log.exists()
        else []
    )


def permission(decision: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": decision}, **extra}


async def test_a_permission_request_deny_message_reaches_the_model(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    answer = permission({"behavior": "deny", "message": "ask the release manager first"})
    config = configure(repo, codex_home, {"PermissionRequest": ("Bash", hook_script(tmp_path, "p.sh", answer, log))})
    approver = Approver("approved")
    model = await run(config, approver, [touch("made.txt", "c1")])
    assert approver.asked == []
    assert not (repo / "made.txt").exists()
    assert outputs(model) == ["ask the release manager first"]
    [payload] = payloads(log)
    assert (payload["hook_event_name"], payload["tool_name"]) == ("PermissionRequest", "Bash")
    assert payload["tool_input"]["command"] == "touch made.txt"


async def test_allow_without_updated_permissions_holds_for_one_call(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    answer = permission({"behavior": "allow"})
    config = configure(repo, codex_home, {"PermissionRequest": ("", hook_script(tmp_path, "p.sh", answer, log))})
    approver = Approver()
    await run(config, approver, [touch("made.txt", "c1")], [touch("made.txt", "c2")])
    assert approver.asked == []
    assert len(payloads(log)) == 2  # asked again for the second, identical call


async def test_updated_permissions_add_rules_answer_later_questions_for_the_session(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    rule = {"toolName": "Bash", "ruleContent": "touch:*"}
    update = {"type": "addRules", "rules": [rule], "behavior": "allow", "destination": "session"}
    answer = permission({"behavior": "allow", "updatedPermissions": [update]})
    config = configure(repo, codex_home, {"PermissionRequest": ("", hook_script(tmp_path, "p.sh", answer, log))})
    approver = Approver()
    other = function_call("exec_command", {"cmd": "mkdir sub", "login": False}, call_id="c3")
    await run(config, approver, [touch("a.txt", "c1")], [touch("b.txt", "c2")], [other])
    assert approver.asked == []
    assert (repo / "a.txt").exists() and (repo / "b.txt").exists() and (repo / "sub").is_dir()
    # `touch b.txt` matched the rule `touch:*`: the hook was not asked again; `mkdir` was not covered.
    assert [p["tool_input"]["command"] for p in payloads(log)] == ["touch a.txt", "mkdir sub"]


async def test_updated_permissions_deny_rules_refuse_later_calls(repo: Path, codex_home: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    update = {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": "mkdir:*"}], "behavior": "deny"}
    unsupported = {"type": "setMode", "mode": "acceptEdits", "destination": "session"}
    answer = permission({"behavior": "allow", "updatedPermissions": [update, unsupported]})
    config = configure(repo, codex_home, {"PermissionRequest": ("", hook_script(tmp_path, "p.sh", answer, log))})
    approver = Approver("approved")
    other = function_call("exec_command", {"cmd": "mkdir sub", "login": False}, call_id="c2")
    model = ScriptedModel([reply(touch("a.txt", "c1")), reply(other), reply(text("ok"))])
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
        warnings = warnings_of(session)
    assert (repo / "a.txt").exists() and not (repo / "sub").exists()
    assert approver.asked == []
    assert len(payloads(log)) == 1
    assert outputs(model)[-1] == "Denied by a rule a PermissionRequest hook added for this session."
    assert "A PermissionRequest hook's updatedPermissions: `setMode` with behavior `None` is not supported" in " ".join(
        warnings
    )


async def test_pre_tool_use_ask_goes_through_the_normal_approval_flow(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    ask = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask"}}
    config = configure(repo, codex_home, {"PreToolUse": ("Bash", hook_script(tmp_path, "pre.sh", ask, log))})
    approver = Approver("approved")
    # `true` is a known-safe command: under `untrusted` nobody would be asked without the hook.
    call = function_call("exec_command", {"cmd": "true", "login": False}, call_id="c1")
    model = await run(config, approver, [call], [touch("made.txt", "c2")])
    # One question each: for `true` (only because the hook asks) and for `touch` (asked once, not twice).
    first, second = approver.asked
    assert isinstance(first, ExecApprovalRequest) and isinstance(second, ExecApprovalRequest)
    assert (first.command[-1], second.command[-1]) == ("true", "touch made.txt")
    assert (repo / "made.txt").exists()
    assert all("rejected" not in out for out in outputs(model))


async def test_pre_tool_use_ask_answered_by_a_permission_request_hook(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    ask = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask"}}
    deny = permission({"behavior": "deny", "message": "not on Fridays"})
    config = configure(
        repo,
        codex_home,
        {
            "PreToolUse": ("Bash", hook_script(tmp_path, "pre.sh", ask, log)),
            "PermissionRequest": ("Bash", hook_script(tmp_path, "perm.sh", deny, log)),
        },
    )
    approver = Approver("approved")
    model = await run(config, approver, [function_call("exec_command", {"cmd": "true"}, call_id="c1")])
    assert approver.asked == []
    assert outputs(model) == ["not on Fridays"]
    assert [p["hook_event_name"] for p in payloads(log)] == ["PreToolUse", "PermissionRequest"]


async def test_permission_request_continue_false_denies_and_ends_the_turn(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    answer = {"continue": False, "stopReason": "change freeze"}
    config = configure(repo, codex_home, {"PermissionRequest": ("", hook_script(tmp_path, "p.sh", answer, log))})
    approver = Approver("approved")
    model = ScriptedModel([reply(touch("made.txt", "c1")), reply(text("never reached"))])
    async with agent.Session(config, model=model, approvals=approver, ephemeral=True) as session:
        outcome = await session.run_turn([agent.TextInput(text="go")])
        warnings = warnings_of(session)
    assert outcome.status == "completed"
    assert approver.asked == []
    assert not (repo / "made.txt").exists()
    assert len(model.prompts) == 1  # the turn ended after the call: no follow-up request
    assert "A hook stopped the turn: change freeze" in warnings


async def test_permission_request_updated_input_is_reported_as_not_applied(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    answer = permission({"behavior": "allow", "updatedInput": {"command": "touch other.txt"}})
    config = configure(repo, codex_home, {"PermissionRequest": ("", hook_script(tmp_path, "p.sh", answer, log))})
    model = ScriptedModel([reply(touch("made.txt", "c1")), reply(text("ok"))])
    async with agent.Session(config, model=model, approvals=Approver(), ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
        warnings = warnings_of(session)
    assert (repo / "made.txt").exists() and not (repo / "other.txt").exists()
    [note] = [w for w in warnings if "updatedInput" in w]
    assert "#PermissionRequest[0].hooks[0]" in note and "pycodex does not apply" in note
