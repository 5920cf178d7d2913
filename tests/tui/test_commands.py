"""Slash commands in the app: /status, /diff, /model, /approvals, /new, /compact, /init, /mcp, /quit."""
# pyright: reportPrivateUsage=false

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.model_server import message
from tui import PycodexApp
from tui._cells import DiffCell, HeaderCell, NoticeCell, StatusCell, TurnEndCell, UserCell
from tui._commands import INIT_PROMPT
from tui._pickers import PickerDialog

from .conftest import Scripted
from .support import cells_of, has_cell, send, turn_done, type_text, wait_until

pytestmark = pytest.mark.anyio


def picker_of(app: PycodexApp) -> PickerDialog | None:
    return app.screen if isinstance(app.screen, PickerDialog) else None


async def test_status_shows_model_provider_permissions_tokens_and_context(scripted: Scripted) -> None:
    app = PycodexApp(scripted([{"items": [message("hi")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "hello")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell) and turn_done(app))
        await send(pilot, "/status")
        [status] = cells_of(app, StatusCell)
        assert isinstance(status, StatusCell)
        rows = dict(status.rows)
        assert rows["model"] == "test-model"
        assert rows["provider"].startswith("Scripted (http://127.0.0.1:")
        assert rows["approvals"] == "on-request"
        assert rows["sandbox"] == "workspace-write"
        assert rows["tokens used"] == "120 total · 100 in (10 cached) · 20 out"
        assert rows["context"] == "100% context left"
        assert rows["session"] == app.session.thread_id if app.session else False
        assert rows["MCP servers"] == "none configured"


@pytest.fixture
def committed(repo: Path) -> Path:
    """`repo` with one commit of a.txt."""
    (repo / "a.txt").write_text("one\ntwo\n")
    subprocess.run(["git", "-C", str(repo), "add", "a.txt"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "a"], check=True
    )
    return repo


async def test_diff_shows_changed_and_untracked_files(scripted: Scripted, committed: Path) -> None:
    repo = committed
    (repo / "a.txt").write_text("one\n2\n")
    (repo / "new.txt").write_text("fresh\n")
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/diff")
        await wait_until(pilot, lambda: has_cell(app, DiffCell))
        [cell] = cells_of(app, DiffCell)
        assert "-two" in cell.plain() and "+2" in cell.plain() and "+fresh" in cell.plain()
        from .support import screen_text

        shown = screen_text(app)
        assert "Edited a.txt (+1 -1)" in shown
        assert "Added new.txt (+1 -0)" in shown


async def test_diff_outside_a_repository_says_so(scripted: Scripted, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    app = PycodexApp(scripted([], cwd=plain))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/diff")
        assert has_cell(app, NoticeCell, "/diff needs a git repository")


async def test_model_picker_changes_the_model_and_effort_of_the_next_request(scripted: Scripted) -> None:
    app = PycodexApp(scripted([{"items": [message("ok")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/model")
        await wait_until(pilot, lambda: picker_of(app) is not None)
        await type_text(pilot, "other-model")
        await pilot.press("enter")
        await wait_until(pilot, lambda: (p := picker_of(app)) is not None and "effort" in p._title)
        await type_text(pilot, "high")
        await pilot.press("enter")
        await wait_until(pilot, lambda: picker_of(app) is None)
        assert has_cell(app, NoticeCell, "Model set to other-model with high reasoning")
        assert app.status.model == "other-model (high)"
        await send(pilot, "go")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        body = scripted.server.requests[-1].body
        assert body["model"] == "other-model"
        assert body["reasoning"]["effort"] == "high"


async def test_model_with_arguments_skips_the_picker(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/model fast-model low")
        assert app.session is not None and app.session.config.model == "fast-model"
        assert app.session.config.reasoning_effort == "low"


async def test_approvals_picker_changes_sandbox_and_policy(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/approvals")
        await wait_until(pilot, lambda: picker_of(app) is not None)
        await type_text(pilot, "read")
        await pilot.press("enter")
        await wait_until(pilot, lambda: picker_of(app) is None)
        assert app.session is not None
        assert (app.session.config.sandbox_mode, app.session.config.approval_policy) == ("read-only", "on-request")
        assert app.status.sandbox == "read-only"
        assert has_cell(app, NoticeCell, "Permissions: Read only")


async def test_escape_closes_a_picker_without_changing_anything(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/approvals")
        await wait_until(pilot, lambda: picker_of(app) is not None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: picker_of(app) is None)
        assert app.session is not None and app.session.config.sandbox_mode == "workspace-write"


async def test_new_starts_a_fresh_session_with_a_clean_transcript(scripted: Scripted) -> None:
    app = PycodexApp(scripted([{"items": [message("first answer")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        first = app.session.thread_id if app.session else ""
        await send(pilot, "hello")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell) and turn_done(app))
        await send(pilot, "/new")
        await wait_until(pilot, lambda: app.session is not None and app.session.thread_id != first)
        await wait_until(pilot, lambda: has_cell(app, HeaderCell))
        assert not has_cell(app, UserCell)
        assert len(cells_of(app, HeaderCell)) == 1


async def test_compact_summarises_the_thread(scripted: Scripted) -> None:
    app = PycodexApp(scripted([{"items": [message("answer")]}, {"items": [message("SUMMARY OF IT")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "hello")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell) and turn_done(app))
        await send(pilot, "/compact")
        await wait_until(pilot, lambda: has_cell(app, NoticeCell, "compacted"))
        await wait_until(pilot, lambda: turn_done(app))
        assert len(scripted.server.requests) == 2
        assert app.session is not None
        assert "SUMMARY OF IT" in str(app.session.history)


async def test_commands_that_change_the_thread_wait_for_the_running_turn(scripted: Scripted) -> None:
    app = PycodexApp(scripted([{"hang": True}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "think")
        await wait_until(pilot, lambda: app.driver.running)
        await send(pilot, "/new")
        assert has_cell(app, NoticeCell, "/new waits until the agent is done")
        await send(pilot, "/status")
        assert cells_of(app, StatusCell)
        await pilot.press("escape")
        await wait_until(pilot, lambda: turn_done(app))


async def test_init_asks_the_agent_to_write_agents_md(scripted: Scripted) -> None:
    app = PycodexApp(scripted([{"items": [message("written")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/init")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        sent = scripted.server.requests[-1].body["input"][-1]["content"][0]["text"]
        assert sent == INIT_PROMPT


async def test_init_leaves_an_existing_agents_md_alone(scripted: Scripted, repo: Path) -> None:
    (repo / "AGENTS.md").write_text("# mine\n")
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/init")
        assert has_cell(app, NoticeCell, "already exists; /init leaves it as it is")
        assert scripted.server.requests == []


async def test_mcp_lists_configured_servers(scripted: Scripted) -> None:
    config = scripted([], overrides=['mcp_servers.docs={url="http://127.0.0.1:9/mcp", enabled=false}'])
    app = PycodexApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/mcp")
        [cell] = cells_of(app, StatusCell)
        assert isinstance(cell, StatusCell)
        assert cell.title == "MCP servers"
        assert cell.rows[0][0] == "docs"
        assert cell.rows[0][1].startswith("http://127.0.0.1:9/mcp")


async def test_mcp_without_servers_says_how_to_add_one(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/mcp")
        assert has_cell(app, NoticeCell, "No MCP servers are configured")


async def test_an_unknown_command_lists_the_known_ones(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/frobnicate")
        assert has_cell(app, NoticeCell, "There is no /frobnicate command. Try one of: /new, /resume")
        assert scripted.server.requests == []


async def test_quit_closes_the_session_and_exits(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        session = app.session
        await send(pilot, "/quit")
        await wait_until(pilot, lambda: not app.is_running)
    assert session is not None and session.rollout_path is not None and session.rollout_path.exists()
