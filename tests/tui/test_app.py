"""The app against the scripted model server: a prompt, its answer, commands, interruption, quitting."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

import agent
from tests.support.model_server import exec_call, message, reasoning
from tui import ConfigLoadError, PycodexApp
from tui._cells import AgentCell, CommandCell, ReasoningCell, TurnEndCell, UserCell

from .conftest import Scripted
from .support import cells_of, has_cell, screen_text, send, wait_until

pytestmark = pytest.mark.anyio

MakeConfig = Callable[..., agent.Config]


async def test_a_prompt_shows_the_question_and_the_streamed_answer(scripted: MakeConfig) -> None:
    config = scripted([{"items": [message("Hello **there**, here is a list:\n\n- one\n- two")]}])
    app = PycodexApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "say hi")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        [user] = cells_of(app, UserCell)
        [answer] = cells_of(app, AgentCell)
        assert user.plain() == "say hi"
        assert answer.plain() == "Hello **there**, here is a list:\n\n- one\n- two"
        assert answer.finished


async def test_a_command_cell_shows_the_command_its_output_and_exit_code(scripted: MakeConfig) -> None:
    steps = [
        {
            "items": [
                reasoning("**Looking around**\n\nI will list the files."),
                exec_call("printf 'a\\nb\\n'; exit 3", "c1", login=False),
            ]
        },
        {"items": [message("It failed with 3.")]},
    ]
    app = PycodexApp(scripted(steps, sandbox="danger-full-access", approval="never"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "run it")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        [thinking] = cells_of(app, ReasoningCell)
        assert isinstance(thinking, ReasoningCell) and thinking.title == "Looking around"
        [command] = cells_of(app, CommandCell)
        assert isinstance(command, CommandCell)
        assert command.exit_code == 3
        assert command.output == "a\nb\n"
        assert command.duration_ms is not None
        assert command.finished


async def test_with_a_config_loader_the_window_comes_first_and_early_prompts_wait(scripted: MakeConfig) -> None:
    config = scripted([{"items": [message("answered after loading")]}])
    release = threading.Event()

    def load() -> agent.Config:
        release.wait(10)
        return config

    app = PycodexApp(load)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.status.model == "starting…"
        assert not app.configured
        await send(pilot, "early question")
        assert has_cell(app, UserCell, "early question")
        release.set()
        await wait_until(pilot, lambda: has_cell(app, AgentCell, "answered after loading"))
        assert app.status.model == "test-model"


async def test_a_config_that_cannot_load_ends_the_app_with_its_message_and_code() -> None:
    def load() -> agent.Config:
        raise ConfigLoadError("Error loading configuration: model_context_window must be > 0", 1)

    app = PycodexApp(load)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: not app.is_running)
    assert app.return_code == 1


async def test_an_answer_with_a_table_shows_its_rows(scripted: MakeConfig) -> None:
    table = "Changes:\n\n| file | change |\n|---|---|\n| greet.py | +3 -1 |\n\nAnything else?"
    app = PycodexApp(scripted([{"items": [message(table)]}]))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "what changed")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        await pilot.pause()
        row = next(line for line in screen_text(app).splitlines() if "greet.py" in line)
        assert "+3 -1" in row


async def test_a_prompt_sent_during_a_turn_joins_it_and_reaches_the_next_request(scripted: Scripted) -> None:
    steps = [{"items": [exec_call("sleep 2", "c1", login=False)]}, {"items": [message("both done")]}]
    app = PycodexApp(scripted(steps, sandbox="danger-full-access", approval="never"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "start")
        await wait_until(
            pilot, lambda: any(isinstance(c, CommandCell) and not c.finished for c in app.transcript.cells)
        )
        app.composer.set_text("and also this")
        await pilot.press("enter")

        def steering() -> list[str]:
            return [c.plain() for c in cells_of(app, UserCell) if isinstance(c, UserCell) and c.steering]

        await wait_until(pilot, lambda: bool(steering()))
        assert steering() == ["and also this"]
        await wait_until(pilot, lambda: has_cell(app, AgentCell, "both done"))
        sent = str(scripted.server.requests[-1].body["input"])
        assert "and also this" in sent
