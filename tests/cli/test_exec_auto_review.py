"""`pycodex exec` with the automatic approvals reviewer, as a real subprocess against the scripted model server:
exec asks the reviewer (on-request) instead of refusing every escalation, and a denied command is a declined
`command_execution` item."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.exec_harness import run_exec
from tests.support.model_server import exec_call, message


def escalated(cmd: str, call_id: str) -> dict[str, object]:
    return exec_call(cmd, call_id, login=False, sandbox_permissions="require_escalated", justification="needed")


def verdict(outcome: str, risk: str, rationale: str) -> dict[str, object]:
    answer = {"outcome": outcome, "risk_level": risk, "user_authorization": "unknown", "rationale": rationale}
    return {"items": [message(json.dumps(answer), id="msg_review")]}


def test_exec_asks_the_reviewer_and_shows_a_denied_command_as_declined(repo: Path) -> None:
    steps = [
        {"items": [escalated("touch allowed.txt", "call_1")]},
        verdict("allow", "low", "creates a file in the project"),
        {"items": [escalated("rm -rf /tmp/not-yours", "call_2")]},
        verdict("deny", "high", "deletes files outside the workspace"),
        {"items": [message("Done.", id="msg_2")]},
    ]
    run = run_exec(steps, ["--json", "-s", "workspace-write", "-c", 'approvals_reviewer="auto_review"', "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "allowed.txt").exists()
    commands = run.items("command_execution")
    assert [(c["status"], c["exit_code"]) for c in commands] == [("completed", 0), ("declined", None)]
    assert "rm -rf /tmp/not-yours" in commands[1]["command"]
    reviews = [r for r in run.requests if r.body.get("text", {}).get("format", {}).get("type") == "json_schema"]
    assert len(reviews) == 2 and all(r.body["tools"] == [] for r in reviews)
    final_input = run.requests[-1].body["input"]
    denial = [str(i["output"]) for i in final_input if i.get("type") == "function_call_output"][-1]
    assert "deletes files outside the workspace" in denial


def test_exec_without_a_reviewer_still_never_asks(repo: Path) -> None:
    steps = [{"items": [escalated("touch nope.txt", "call_1")]}, {"items": [message("ok")]}]
    run = run_exec(steps, ["--json", "-s", "workspace-write", "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "nope.txt").exists()
    assert len(run.requests) == 2


def test_the_human_transcript_shows_the_verdict(repo: Path) -> None:
    steps = [
        {"items": [escalated("rm -rf /tmp/not-yours", "call_1")]},
        verdict("deny", "critical", "deletes files outside the workspace"),
        {"items": [message("Done.", id="msg_2")]},
    ]
    run = run_exec(steps, ["-s", "workspace-write", "-c", 'approvals_reviewer="auto_review"', "go"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert "auto-review denied (risk critical): deletes files outside the workspace" in run.stderr + run.stdout
