"""Keys: Esc and Ctrl+C interrupt a running turn, Ctrl+C twice quits, Ctrl+O shows details, PageUp scrolls."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import agent
from tests.support.model_server import exec_call, message
from tui import PycodexApp
from tui._cells import AgentCell, CommandCell, NoticeCell, TurnEndCell

from .support import cells_of, has_cell, screen_text, send, turn_done, wait_until

pytestmark = pytest.mark.anyio

MakeConfig = Callable[..., agent.Config]


def running_command(app: PycodexApp) -> bool:
    return any(isinstance(c, CommandCell) and not c.finished for c in app.transcript.cells)


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
async def test_esc_or_ctrl_c_stops_a_running_command_and_the_turn(scripted: MakeConfig, key: str) -> None:
    steps = [{"items": [exec_call("sleep 30", "c1", login=False)]}, {"items": [message("never")]}]
    app = PycodexApp(scripted(steps, sandbox="danger-full-access", approval="never"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "wait a while")
        await wait_until(pilot, lambda: running_command(app))
        await pilot.press(key)
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        await wait_until(pilot, lambda: turn_done(app))
        [command] = cells_of(app, CommandCell)
        assert command.finished
        assert has_cell(app, NoticeCell, "Interrupted")
        assert not has_cell(app, AgentCell)
        assert app.is_running


async def test_esc_stops_the_model_while_it_is_still_answering(scripted: MakeConfig) -> None:
    app = PycodexApp(scripted([{"hang": True}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "think hard")
        await wait_until(pilot, lambda: app.status.running_since is not None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: has_cell(app, NoticeCell, "Interrupted"))
        await wait_until(pilot, lambda: turn_done(app))


async def test_ctrl_c_twice_quits_when_nothing_runs(scripted: MakeConfig) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await pilot.press("ctrl+c")
        assert app.status.notice == "press ctrl+c again to quit"
        assert app.is_running
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running)


async def test_ctrl_c_first_clears_the_composer(scripted: MakeConfig) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await pilot.press("h", "i")
        await pilot.press("ctrl+c")
        assert app.composer.prompt.text == ""
        assert app.status.notice == ""
        assert app.is_running


async def test_ctrl_o_shows_all_output_of_a_command(scripted: MakeConfig) -> None:
    steps = [{"items": [exec_call("seq 1 20", "c1", login=False)]}, {"items": [message("counted")]}]
    app = PycodexApp(scripted(steps, sandbox="danger-full-access", approval="never"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "count")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        before = screen_text(app)
        assert "… 15 earlier lines (ctrl+o shows all)" in before
        assert "\n     1\n" not in before
        await pilot.press("ctrl+o")
        await pilot.pause()
        after = screen_text(app)
        assert app.transcript.details is True
        assert "earlier lines" not in after
        assert "\n     1\n     2\n" in after
