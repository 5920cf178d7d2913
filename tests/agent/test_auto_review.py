"""The automatic approvals reviewer in-process: a real `Session` whose `ScriptedModel` answers the main requests
and the reviewer's (told apart by the verdict schema) — allow, deny, time out, garbage, too many denials, and
requirements.toml forbidding the reviewer."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

import agent
from agent.model import ModelResponse, Prompt, ScriptedModel, function_call, reply, text
from agent.protocol import AutoReviewVerdict, Event, ExecApprovalRequest
from agent.tools import _auto_review as auto_review  # pyright: ignore[reportPrivateUsage]

pytestmark = pytest.mark.anyio

REVIEWER = ['approvals_reviewer="auto_review"', 'auto_review.policy="Never touch secrets.txt."']


def config_for(repo: Path, extra: Sequence[str] = REVIEWER) -> agent.Config:
    return agent.load_config(
        agent.ConfigOverrides(cwd=repo, approval_policy="on-request", sandbox_mode="workspace-write"),
        [
            'model_providers.unused={base_url="http://127.0.0.1:9/v1"}',
            "model_provider=unused",
            *extra,
        ],
    )


def escalated(cmd: str) -> dict[str, Any]:
    return function_call(
        "exec_command",
        {"cmd": cmd, "login": False, "sandbox_permissions": "require_escalated", "justification": "needs it"},
    )


def is_review(prompt: Prompt) -> bool:
    schema = prompt.output_schema or {}
    return set(schema.get("properties", {})) == {"risk_level", "user_authorization", "outcome", "rationale"}


class Router:
    """Main requests get the next main reply; review requests get the next verdict (text, or an awaitable)."""

    def __init__(self, main: Sequence[ModelResponse], verdicts: Sequence[str | Callable[[], Any]]) -> None:
        self.main = list(main)
        self.verdicts = list(verdicts)
        self.reviews: list[Prompt] = []

    async def __call__(self, prompt: Prompt) -> ModelResponse:
        if not is_review(prompt):
            return self.main.pop(0)
        self.reviews.append(prompt)
        verdict = self.verdicts.pop(0)
        if callable(verdict):
            await verdict()
            verdict = "{}"
        return reply(text(verdict))


def drain(session: agent.Session) -> list[Event]:
    events: list[Event] = []
    while True:
        try:
            events.append(session.events().receive_nowait())
        except anyio.WouldBlock:
            return events


def main_outputs(model: ScriptedModel) -> list[str]:
    last = [p for p in model.prompts if not is_review(p)][-1]
    return [str(i["output"]) for i in last.input if str(i.get("type", "")).endswith("_output")]


class NoUser:
    """Fails the test if the person is asked: the reviewer must answer instead."""

    async def request_approval(self, request: Any, turn_id: str) -> Any:
        raise AssertionError(f"the user was asked: {request}")


async def run(repo: Path, router: Router) -> tuple[Any, list[Event], ScriptedModel]:
    model = ScriptedModel(router)
    async with agent.Session(config_for(repo), model=model, approvals=NoUser(), ephemeral=True) as session:
        outcome = await session.run_turn([agent.TextInput(text="please create the file")])
        return outcome, drain(session), model


def verdicts(events: list[Event]) -> list[AutoReviewVerdict]:
    return [e.msg for e in events if isinstance(e.msg, AutoReviewVerdict)]


async def test_a_low_risk_verdict_lets_the_command_run(repo: Path) -> None:
    allow = json.dumps({"outcome": "allow", "risk_level": "low", "user_authorization": "high", "rationale": "fine"})
    router = Router([reply(escalated("touch made.txt")), reply(text("done"))], [allow])
    outcome, events, model = await run(repo, router)
    assert outcome.status == "completed"
    assert (repo / "made.txt").exists()
    [verdict] = verdicts(events)
    assert (verdict.status, verdict.risk_level, verdict.user_authorization) == ("approved", "low", "high")
    assert verdict.action["command"][-1] == "touch made.txt"
    assert not any(isinstance(e.msg, ExecApprovalRequest) for e in events)
    [review] = router.reviews
    request = review.input[-1]["content"][0]["text"]
    assert "please create the file" in request and "Planned action JSON:" in request
    assert '"justification": "needs it"' in request
    assert "Never touch secrets.txt." in review.input[0]["content"][0]["text"]
    assert review.tools == []
    assert "Process exited with code 0" in main_outputs(model)[-1]


async def test_a_denial_tells_the_model_the_rationale(repo: Path) -> None:
    deny = json.dumps({"outcome": "deny", "risk_level": "high", "rationale": "deletes the user's home"})
    router = Router([reply(escalated("rm -rf ~/x")), reply(text("ok"))], [deny])
    outcome, events, model = await run(repo, router)
    assert outcome.status == "completed"
    [verdict] = verdicts(events)
    assert verdict.status == "denied" and verdict.rationale == "deletes the user's home"
    [output] = main_outputs(model)
    assert "rejected by the automatic approval reviewer" in output and "deletes the user's home" in output


async def test_a_review_that_does_not_answer_in_time_is_a_denial(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auto_review, "REVIEW_TIMEOUT_S", 0.05)
    never = anyio.Event()
    router = Router([reply(escalated("touch late.txt")), reply(text("ok"))], [never.wait])
    with anyio.fail_after(10):
        outcome, events, model = await run(repo, router)
    assert outcome.status == "completed"
    [verdict] = verdicts(events)
    assert verdict.status == "timed_out"
    assert "did not answer within 0.05 s" in main_outputs(model)[0]
    assert not (repo / "late.txt").exists()


async def test_an_unreadable_verdict_fails_closed(repo: Path) -> None:
    router = Router([reply(escalated("touch nope.txt")), reply(text("ok"))], ["sure, go ahead"])
    _, events, model = await run(repo, router)
    [verdict] = verdicts(events)
    assert verdict.status == "failed"
    assert "Automatic approval review failed" in main_outputs(model)[0]
    assert not (repo / "nope.txt").exists()


async def test_three_denials_in_a_row_abort_the_turn(repo: Path) -> None:
    deny = '{"outcome": "deny"}'
    calls = [reply(escalated(f"touch f{i}.txt")) for i in range(3)]
    router = Router([*calls, reply(text("never reached"))], [deny, deny, deny])
    outcome, events, _ = await run(repo, router)
    assert outcome.status == "aborted"
    assert [v.risk_level for v in verdicts(events)] == ["high", "high", "high"]
    assert any("too many" in getattr(e.msg, "message", "") for e in events)
    assert len(router.main) == 1


def test_requirements_forbidding_the_reviewer_fall_back_to_the_user(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc"
    system.mkdir()
    (system / "requirements.toml").write_text('allowed_approvals_reviewers = ["user"]\n')
    monkeypatch.setenv("PYCODEX_SYSTEM_CONFIG_DIR", str(system))
    config = config_for(repo)
    assert config.toml.approvals_reviewer == "user"
    assert any("approvals_reviewer `auto_review` is not allowed" in w for w in config.warnings)


def test_an_unknown_reviewer_is_a_config_error(repo: Path) -> None:
    with pytest.raises(agent.ConfigError, match="approvals_reviewer"):
        config_for(repo, ['approvals_reviewer="robot"'])


def test_the_reviewer_under_another_policy_is_reported(repo: Path) -> None:
    config = agent.load_config(
        agent.ConfigOverrides(cwd=repo, approval_policy="untrusted"),
        ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused", *REVIEWER],
    )
    assert any("acts only with approval_policy `on-request`" in w for w in config.warnings)
