"""Approval flows through a real session: the scripted model, the real sandbox, and a scripted approver."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import agent
from agent.protocol import ApplyPatchApprovalRequest, ApprovalRequest, ExecApprovalRequest, ReviewDecision
from tests.support.model_server import ScriptedModelServer, custom_tool_call, exec_call, message

pytestmark = pytest.mark.anyio


class ScriptedApprover:
    """Answers approval requests from a list, and remembers what it was asked."""

    def __init__(self, decisions: Sequence[ReviewDecision]) -> None:
        self._decisions = list(decisions)
        self.exec_requests: list[ExecApprovalRequest] = []
        self.patch_requests: list[ApplyPatchApprovalRequest] = []

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        match request:
            case ExecApprovalRequest():
                self.exec_requests.append(request)
            case ApplyPatchApprovalRequest():
                self.patch_requests.append(request)
            case _:
                raise AssertionError(f"unexpected question {request!r}")
        return self._decisions.pop(0)


async def run_turn(
    steps: list[dict[str, Any]],
    repo: Path,
    approver: ScriptedApprover,
    *,
    approval: str,
    sandbox: str = "workspace-write",
    overrides: Sequence[str] = (),
) -> tuple[agent.TurnOutcome, list[str]]:
    """One turn; returns the outcome and the tool outputs the model saw last."""
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo, approval_policy=approval, sandbox_mode=sandbox),  # type: ignore[arg-type]
            [
                f'model_providers.mock={{base_url="{server.base_url}"}}',
                "model_provider=mock",
                "sandbox_workspace_write.exclude_slash_tmp=true",
                "sandbox_workspace_write.exclude_tmpdir_env_var=true",
                *overrides,
            ],
        )
        async with agent.Session(config, approvals=approver, ephemeral=True) as session:
            outcome = await session.run_turn([agent.TextInput(text="go")])
        outputs = [str(i["output"]) for i in server.requests[-1].body["input"] if i.get("type", "").endswith("_output")]
    return outcome, outputs


OUTSIDE_WRITE = "touch ../escalated.txt"


async def test_on_request_runs_sandboxed_without_asking(repo: Path) -> None:
    approver = ScriptedApprover([])
    steps = [{"items": [exec_call(OUTSIDE_WRITE, "c1", login=False)]}, {"items": [message("done")]}]
    outcome, outputs = await run_turn(steps, repo, approver, approval="on-request")
    assert outcome.status == "completed"
    assert approver.exec_requests == []
    assert "Read-only file system" in outputs[-1] or "Permission denied" in outputs[-1]
    assert not (repo.parent / "escalated.txt").exists()


async def test_on_request_escalation_asks_and_runs_outside_the_sandbox_when_approved(repo: Path) -> None:
    approver = ScriptedApprover(["approved"])
    call = exec_call(
        OUTSIDE_WRITE,
        "c1",
        login=False,
        sandbox_permissions="require_escalated",
        justification="Need to write next to the repo",
    )
    outcome, outputs = await run_turn(
        [{"items": [call]}, {"items": [message("done")]}], repo, approver, approval="on-request"
    )
    assert outcome.status == "completed"
    [request] = approver.exec_requests
    assert request.command == ("/bin/bash", "-c", OUTSIDE_WRITE)
    assert request.reason == "Need to write next to the repo"
    assert "Process exited with code 0" in outputs[-1]
    assert (repo.parent / "escalated.txt").exists()


async def test_denied_escalation_tells_the_model(repo: Path) -> None:
    approver = ScriptedApprover(["denied"])
    call = exec_call(OUTSIDE_WRITE, "c1", login=False, sandbox_permissions="require_escalated")
    _, outputs = await run_turn([{"items": [call]}, {"items": [message("ok")]}], repo, approver, approval="on-request")
    assert outputs[-1] == "exec command rejected by user"
    assert not (repo.parent / "escalated.txt").exists()


async def test_abort_ends_the_turn(repo: Path) -> None:
    approver = ScriptedApprover(["abort"])
    call = exec_call(OUTSIDE_WRITE, "c1", login=False, sandbox_permissions="require_escalated")
    with ScriptedModelServer([{"items": [call]}, {"items": [message("never sent")]}]) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=repo, approval_policy="on-request", sandbox_mode="workspace-write"),
            [f'model_providers.mock={{base_url="{server.base_url}"}}', "model_provider=mock"],
        )
        async with agent.Session(config, approvals=approver, ephemeral=True) as session:
            outcome = await session.run_turn([agent.TextInput(text="go")])
            # Every call in history is answered, so a later turn (or a resume) can still be sent; then the note
            # that the turn was cut short (`agents.interrupt_message`, on by default).
            answer, note = session.history[-2:]
            assert (answer["type"], answer["call_id"], answer["output"]) == ("function_call_output", "c1", "aborted")
            assert note["role"] == "user" and "<turn_aborted>" in str(note["content"])
        assert len(server.requests) == 1
    assert outcome.status == "aborted"


async def test_never_refuses_escalation_with_codex_text(repo: Path) -> None:
    approver = ScriptedApprover([])
    call = exec_call(OUTSIDE_WRITE, "c1", login=False, sandbox_permissions="require_escalated")
    _, outputs = await run_turn([{"items": [call]}, {"items": [message("ok")]}], repo, approver, approval="never")
    assert outputs[-1] == (
        "approval policy is Never; reject command \u2014 you cannot ask for escalated permissions "
        "if the approval policy is Never"
    )
    assert approver.exec_requests == []


async def test_untrusted_asks_before_unknown_commands_but_not_known_safe_ones(repo: Path) -> None:
    approver = ScriptedApprover(["approved"])
    steps = [
        {"items": [exec_call("ls", "c1", login=False)]},
        {"items": [exec_call("touch made.txt", "c2", login=False)]},
        {"items": [message("done")]},
    ]
    outcome, _ = await run_turn(steps, repo, approver, approval="untrusted")
    assert outcome.status == "completed"
    assert [r.command[-1] for r in approver.exec_requests] == ["touch made.txt"]
    assert (repo / "made.txt").exists()


async def test_approved_for_session_is_not_asked_again(repo: Path) -> None:
    approver = ScriptedApprover(["approved_for_session"])
    steps = [
        {"items": [exec_call("touch a.txt", "c1", login=False)]},
        {"items": [exec_call("touch a.txt", "c2", login=False)]},
        {"items": [message("done")]},
    ]
    await run_turn(steps, repo, approver, approval="untrusted")
    assert len(approver.exec_requests) == 1


async def test_on_failure_offers_a_retry_without_sandbox_after_a_denial(repo: Path) -> None:
    approver = ScriptedApprover(["approved"])
    steps = [{"items": [exec_call(OUTSIDE_WRITE, "c1", login=False)]}, {"items": [message("done")]}]
    outcome, outputs = await run_turn(steps, repo, approver, approval="on-failure")
    assert outcome.status == "completed"
    [request] = approver.exec_requests
    assert request.reason == "command failed; retry without sandbox?"
    assert "Process exited with code 0" in outputs[-1]
    assert (repo.parent / "escalated.txt").exists()


async def test_forbidden_rule_rejects_with_codex_text(repo: Path, codex_home: Path) -> None:
    rules = codex_home / "rules"
    rules.mkdir()
    (rules / "default.rules").write_text(
        'prefix_rule(pattern=["rm"], decision="forbidden", justification="no rm allowed")\n'
    )
    approver = ScriptedApprover([])
    steps = [{"items": [exec_call("rm -rf foo", "c1", login=False)]}, {"items": [message("ok")]}]
    _, outputs = await run_turn(steps, repo, approver, approval="on-request")
    assert outputs[-1] == (
        "exec_command failed: CreateProcess { message: \"Rejected(\\\"`/bin/bash -c 'rm -rf foo'` "
        'rejected: no rm allowed\\")" }'
    )


async def test_prompt_rule_under_never_is_refused(repo: Path, codex_home: Path) -> None:
    (codex_home / "rules").mkdir()
    (codex_home / "rules" / "default.rules").write_text('prefix_rule(pattern=["git", "push"], decision="prompt")\n')
    approver = ScriptedApprover([])
    steps = [{"items": [exec_call("git push", "c1", login=False)]}, {"items": [message("ok")]}]
    _, outputs = await run_turn(steps, repo, approver, approval="never")
    assert outputs[-1] == (
        'exec_command failed: CreateProcess { message: "Rejected(\\"approval required by policy, '
        'but AskForApproval is set to Never\\")" }'
    )


async def test_approving_a_prefix_rule_remembers_it_on_disk(repo: Path, codex_home: Path) -> None:
    approver = ScriptedApprover(["approved_execpolicy_amendment"])
    call = exec_call(
        "touch ../p.txt", "c1", login=False, sandbox_permissions="require_escalated", prefix_rule=["touch"]
    )
    steps = [{"items": [call]}, {"items": [message("ok")]}]
    await run_turn(steps, repo, approver, approval="on-request")
    [request] = approver.exec_requests
    assert request.proposed_execpolicy_amendment == ("touch",)
    assert (codex_home / "rules" / "default.rules").read_text() == 'prefix_rule(pattern=["touch"], decision="allow")\n'


async def test_untrusted_asks_for_every_patch(repo: Path) -> None:
    approver = ScriptedApprover(["denied", "approved"])
    patch = "*** Begin Patch\n*** Add File: new.txt\n+x\n*** End Patch\n"
    steps = [
        {"items": [custom_tool_call("apply_patch", patch, "p1")]},
        {"items": [custom_tool_call("apply_patch", patch, "p2")]},
        {"items": [message("ok")]},
    ]
    _, outputs = await run_turn(steps, repo, approver, approval="untrusted")
    assert len(approver.patch_requests) == 2
    assert outputs[-2] == "patch rejected by user"
    assert outputs[-1].startswith("Exit code: 0")
    assert (repo / "new.txt").read_text() == "x\n"
    assert set(approver.patch_requests[0].changes) == {str(repo / "new.txt")}


async def test_on_request_asks_for_a_patch_outside_the_workspace(repo: Path) -> None:
    approver = ScriptedApprover(["approved"])
    patch = "*** Begin Patch\n*** Add File: ../beside.txt\n+x\n*** End Patch\n"
    steps = [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("ok")]}]
    _, outputs = await run_turn(steps, repo, approver, approval="on-request")
    assert len(approver.patch_requests) == 1
    assert outputs[-1].startswith("Exit code: 0")
    assert (repo.parent / "beside.txt").exists()
