"""Approval dialogs in the app: the scripted model asks to run commands and change files; the person answers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import agent
from tests.support.model_server import custom_tool_call, exec_call, message
from tui import PycodexApp
from tui._approval_dialogs import ApprovalDialog
from tui._cells import CommandCell, NoticeCell, PatchCell, TurnEndCell

from .support import cells_of, has_cell, screen_text, send, wait_until

pytestmark = pytest.mark.anyio

TOOLBOX = Path(__file__).resolve().parents[1] / "mcp_client/servers/toolbox.py"

MakeConfig = Callable[..., agent.Config]
TOUCH = [{"items": [exec_call("touch made.txt", "c1", login=False)]}, {"items": [message("done")]}]


def dialog_of(app: PycodexApp) -> ApprovalDialog | None:
    return app.screen if isinstance(app.screen, ApprovalDialog) else None


async def test_approving_a_command_runs_it_and_records_the_decision(scripted: MakeConfig, repo: Path) -> None:
    app = PycodexApp(scripted(TOUCH, approval="untrusted"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "make a file")
        await wait_until(pilot, lambda: dialog_of(app) is not None)
        dialog = dialog_of(app)
        assert dialog is not None
        assert "$ touch made.txt" in screen_text(app)
        assert "Allow the agent to run this command?" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert (repo / "made.txt").exists()
        assert has_cell(app, NoticeCell, "You allowed `touch made.txt`")
        [command] = cells_of(app, CommandCell)
        assert isinstance(command, CommandCell) and command.exit_code == 0


async def test_declining_a_command_lets_the_turn_go_on_without_it(scripted: MakeConfig, repo: Path) -> None:
    app = PycodexApp(scripted(TOUCH, approval="untrusted"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "make a file")
        await wait_until(pilot, lambda: dialog_of(app) is not None)
        await pilot.press("d")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert not (repo / "made.txt").exists()
        assert has_cell(app, NoticeCell, "You declined `touch made.txt`")
        assert not has_cell(app, NoticeCell, "Interrupted")


async def test_escape_in_the_dialog_stops_the_turn(scripted: MakeConfig, repo: Path) -> None:
    app = PycodexApp(scripted(TOUCH, approval="untrusted"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "make a file")
        await wait_until(pilot, lambda: dialog_of(app) is not None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert has_cell(app, NoticeCell, "You stopped the turn at `touch made.txt`")
        assert has_cell(app, NoticeCell, "Interrupted")
        assert not (repo / "made.txt").exists()


async def test_approving_for_the_session_is_not_asked_again(scripted: MakeConfig) -> None:
    steps = [
        {"items": [exec_call("touch a.txt", "c1", login=False)]},
        {"items": [exec_call("touch a.txt", "c2", login=False)]},
        {"items": [message("done")]},
    ]
    app = PycodexApp(scripted(steps, approval="untrusted"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "twice")
        await wait_until(pilot, lambda: dialog_of(app) is not None)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert len(cells_of(app, CommandCell)) == 2
        notices = [c.plain() for c in cells_of(app, NoticeCell)]
        assert notices == ["You allowed `touch a.txt` for this session"]


async def test_a_patch_asks_with_its_diff_and_applies_when_approved(scripted: MakeConfig, repo: Path) -> None:
    patch = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n+world\n*** End Patch\n"
    steps = [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("added")]}]
    app = PycodexApp(scripted(steps, approval="untrusted"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "add a file")
        await wait_until(pilot, lambda: dialog_of(app) is not None)
        dialog = dialog_of(app)
        assert dialog is not None
        details = screen_text(app)
        assert "Added hello.txt (+2 -0)" in details
        assert "+hello" in details
        await pilot.press("y")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert (repo / "hello.txt").read_text() == "hello\nworld\n"
        [cell] = cells_of(app, PatchCell)
        assert isinstance(cell, PatchCell) and cell.success is True
        assert has_cell(app, NoticeCell, "You allowed changes to hello.txt")


async def test_ctrl_c_while_asking_stops_the_turn_and_closes_the_dialog(scripted: MakeConfig, repo: Path) -> None:
    app = PycodexApp(scripted(TOUCH, approval="untrusted"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "make a file")
        await wait_until(pilot, lambda: dialog_of(app) is not None)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        await wait_until(pilot, lambda: dialog_of(app) is None)
        assert has_cell(app, NoticeCell, "Interrupted")
        assert not (repo / "made.txt").exists()


async def test_an_mcp_tool_allowed_for_the_session_is_asked_once(scripted: MakeConfig) -> None:
    from tests.support.model_server import function_call
    from tui._cells import McpCell

    server = f'mcp_servers.toolbox={{command="{sys.executable}", args=["{TOOLBOX}", "stdio"]}}'
    steps = [
        {"items": [function_call("mcp__toolbox__echo", {"message": "one"}, "m1")]},
        {"items": [function_call("mcp__toolbox__echo", {"message": "two"}, "m2")]},
        {"items": [message("done")]},
    ]
    app = PycodexApp(scripted(steps, approval="on-request", overrides=[server]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within=30)
        await send(pilot, "echo twice")
        await wait_until(pilot, lambda: dialog_of(app) is not None, within=30)
        shown = screen_text(app)
        assert "Allow the agent to call this MCP tool?" in shown
        assert "toolbox / echo" in shown
        await pilot.press("a")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell), within=30)
        assert len(cells_of(app, McpCell)) == 2
        notices = [c.plain() for c in cells_of(app, NoticeCell)]
        assert notices == ["You allowed the MCP tool `echo` of `toolbox` for this session"]
