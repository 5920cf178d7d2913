"""MCP in the app, end to end: a real stdio server of ours elicits through the dialog during a tool call."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.mcp_client.oauth_support import gated_server, play_browser, run_login
from tests.support.model_server import function_call, message
from tui import PycodexApp
from tui._cells import McpCell, TurnEndCell
from tui._elicitation import ElicitationDialog

from .conftest import Scripted
from .support import cells_of, has_cell, screen_text, send, type_text, wait_until

pytestmark = pytest.mark.anyio

TOOLBOX = Path(__file__).resolve().parents[1] / "mcp_client/servers/toolbox.py"


async def test_a_tool_that_elicits_shows_the_form_and_gets_the_answer(scripted: Scripted) -> None:
    steps = [
        {"items": [function_call("mcp__toolbox__signup", {"reason": "the beta"}, "m1")]},
        {"items": [message("You are signed up.")]},
    ]
    server = f'mcp_servers.toolbox={{command="{sys.executable}", args=["{TOOLBOX}", "stdio"]}}'
    app = PycodexApp(scripted(steps, approval="never", overrides=[server]))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within=30)
        await send(pilot, "sign me up")
        await wait_until(pilot, lambda: isinstance(app.screen, ElicitationDialog), within=30)
        await pilot.pause()
        shown = screen_text(app)
        assert "MCP server toolbox asks:" in shown
        assert "Please fill in your details (the beta)" in shown
        assert app.screen.query_one("#field-colour", Input).value == "blue"
        await type_text(pilot, "Ada")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell), within=30)
        [call] = cells_of(app, McpCell)
        assert isinstance(call, McpCell) and call.finished and not call.is_error
        assert "signed up Ada colour=blue subscribe=False" in call.plain()
        output = str(scripted.server.requests[-1].body["input"])
        assert "signed up Ada colour=blue subscribe=False" in output


async def test_a_server_that_wants_more_scopes_shows_the_link_and_the_call_goes_through(
    scripted: Scripted, codex_home: Path
) -> None:
    steps = [
        {"items": [function_call("mcp__prot__write_note", {"text": "hi"}, "w1")]},
        {"items": [message("Noted.")]},
    ]
    async with gated_server(codex_home) as server:
        await run_login(server)
        overrides = [
            'mcp_oauth_credentials_store="file"',
            f'mcp_servers.prot={{url="{server.base}/mcp", scopes=["mcp:read"]}}',
        ]
        app = PycodexApp(scripted(steps, approval="never", overrides=overrides))
        opened: list[str] = []
        app.open_url = lambda url, *, new_tab=True: opened.append(url)  # type: ignore[method-assign]
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_until(pilot, lambda: app.session is not None, within=30)
            await send(pilot, "write a note")
            await wait_until(pilot, lambda: isinstance(app.screen, ElicitationDialog), within=30)
            await pilot.pause()
            shown = screen_text(app)
            assert "MCP server prot asks:" in shown
            assert "needs more access for this call (scopes: mcp:read mcp:write)" in shown
            await pilot.press("enter")
            await wait_until(pilot, lambda: bool(opened))
            assert await play_browser(opened[0]) == 200
            await wait_until(pilot, lambda: has_cell(app, TurnEndCell), within=30)
            [call] = cells_of(app, McpCell)
            assert isinstance(call, McpCell) and call.finished and not call.is_error
            assert "noted: hi" in call.plain()
        stored = server.store.load("prot", f"{server.base}/mcp")

    assert stored is not None and stored.scopes == ["mcp:read", "mcp:write"]
