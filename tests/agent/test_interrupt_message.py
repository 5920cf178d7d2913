"""`agents.interrupt_message`: an interrupted turn leaves a note in history (and the rollout) so that the next turn's
model knows it was cut short; a resumed thread carries it and the strict model server accepts the request."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import agent
from agent.model import ModelResponse, Prompt, ScriptedModel, reply, text
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio


def config_for(repo: Path, *overrides: str, base_url: str = "http://127.0.0.1:9/v1") -> agent.Config:
    return agent.load_config(
        agent.ConfigOverrides(cwd=repo, approval_policy="never", sandbox_mode="workspace-write"),
        [f'model_providers.mock={{base_url="{base_url}"}}', "model_provider=mock", *overrides],
    )


def notes(items: list[dict[str, object]]) -> list[str]:
    """The texts of the turn-aborted notes among history items."""
    found: list[str] = []
    for item in items:
        if item.get("type") == "message" and item.get("role") == "user":
            content = item.get("content")
            assert isinstance(content, list)
            body = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType, reportUnknownVariableType]
            if body.startswith("<turn_aborted>"):
                found.append(body)
    return found


class HangsFirst:
    """A model that never answers its first request (until the turn is interrupted), then answers 'ok'."""

    def __init__(self) -> None:
        self.asked = anyio.Event()
        self.calls = 0

    async def __call__(self, prompt: Prompt) -> ModelResponse:
        self.calls += 1
        if self.calls == 1:
            self.asked.set()
            await anyio.sleep_forever()
        return reply(text("ok"))


async def interrupted_then_next(session: agent.Session, script: HangsFirst) -> agent.TurnOutcome:
    """Interrupt the first turn while the model is asked, then run a second turn; returns the first's outcome."""
    outcomes: list[agent.TurnOutcome] = []

    async def first() -> None:
        outcomes.append(await session.run_turn([agent.TextInput(text="start something long")]))

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            tg.start_soon(first)
            await script.asked.wait()
            session.interrupt()
        await session.run_turn([agent.TextInput(text="what happened?")])
    return outcomes[0]


async def test_an_interrupted_turn_leaves_a_note_the_next_request_carries(repo: Path) -> None:
    script = HangsFirst()
    model = ScriptedModel(script)
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        outcome = await interrupted_then_next(session, script)
    assert outcome.status == "aborted"
    [note] = notes(model.prompts[1].input)
    assert "The user interrupted the previous turn" in note
    assert "stopped part-way" in note
    assert note.endswith("</turn_aborted>")
    # The note comes after the interrupted turn's input and before the new message.
    texts = [str(i.get("content")) for i in model.prompts[1].input if i.get("role") == "user"]
    assert texts.index(next(t for t in texts if "turn_aborted" in t)) < len(texts) - 1
    assert "what happened?" in texts[-1]


async def test_with_interrupt_message_false_no_note_is_left(repo: Path) -> None:
    script = HangsFirst()
    model = ScriptedModel(script)
    config = config_for(repo, "agents.interrupt_message=false")
    async with agent.Session(config, model=model, ephemeral=True) as session:
        outcome = await interrupted_then_next(session, script)
    assert outcome.status == "aborted"
    assert notes(model.prompts[1].input) == []


async def test_a_resumed_thread_carries_the_note_and_the_strict_server_accepts_it(repo: Path) -> None:
    script = HangsFirst()
    async with agent.Session(config_for(repo), model=ScriptedModel(script)) as session:
        outcomes: list[agent.TurnOutcome] = []

        async def first() -> None:
            outcomes.append(await session.run_turn([agent.TextInput(text="start something long")]))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                tg.start_soon(first)
                await script.asked.wait()
                session.interrupt()
        thread_id = session.thread_id
    assert outcomes[0].status == "aborted"
    config = config_for(repo)
    rollout = agent.load_thread(agent.find_thread(config.codex_home, thread_id))
    [recorded] = notes(rollout.items)
    assert "The user interrupted the previous turn" in recorded

    with ScriptedModelServer([{"items": [message("resumed")]}]) as server:
        resumed = config_for(repo, base_url=server.base_url)
        async with agent.Session(resumed, resume=rollout, ephemeral=True) as session:
            with anyio.fail_after(20):
                outcome = await session.run_turn([agent.TextInput(text="go on")])
        assert server.rejections == []
        [request] = server.requests
    assert outcome.status == "completed"
    assert notes(request.body["input"]) == [recorded]
