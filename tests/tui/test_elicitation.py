"""MCP elicitation: the form generated from the requested schema, answered through the dialog."""

from __future__ import annotations

from typing import Any

import anyio
import mcp.types
import pytest
from textual.widgets import Checkbox, Input, Select, SelectionList

from tui import PycodexApp
from tui._elicitation import ElicitationDialog, form_fields

from .conftest import Scripted
from .support import screen_text, type_text, wait_until

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Your name", "minLength": 2},
        "age": {"type": "integer", "minimum": 0, "maximum": 150, "default": 30},
        "ratio": {"type": "number"},
        "subscribe": {"type": "boolean", "title": "Subscribe", "default": True},
        "color": {"type": "string", "enum": ["r", "g"], "enumNames": ["Red", "Green"], "default": "g"},
        "size": {"type": "string", "oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}]},
        "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "default": ["b"]},
    },
    "required": ["name", "color"],
}


def test_the_schema_becomes_typed_fields_in_order() -> None:
    fields = form_fields(SCHEMA)
    assert [(f.name, f.kind, f.required) for f in fields] == [
        ("name", "string", True),
        ("age", "integer", False),
        ("ratio", "number", False),
        ("subscribe", "boolean", False),
        ("color", "choice", True),
        ("size", "choice", False),
        ("tags", "choices", False),
    ]
    assert fields[0].title == "Your name"
    assert fields[4].options == (("r", "Red"), ("g", "Green"))
    assert fields[5].options == (("s", "Small"), ("l", "Large"))
    assert fields[6].options == (("a", "a"), ("b", "b"), ("c", "c"))


async def ask(app: PycodexApp, request: Any, answers: list[mcp.types.ElicitResult]) -> None:
    answers.append(await app.driver.elicitations("docs", request))


@pytest.mark.anyio
async def test_a_filled_form_is_accepted_with_typed_values(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    answers: list[mcp.types.ElicitResult] = []
    request = mcp.types.ElicitRequestFormParams(message="Who are you?", requested_schema=SCHEMA)
    async with app.run_test(size=(100, 50)) as pilot, anyio.create_task_group() as tg:
        tg.start_soon(ask, app, request, answers)
        await wait_until(pilot, lambda: isinstance(app.screen, ElicitationDialog))
        await pilot.pause()
        shown = screen_text(app)
        assert "MCP server docs asks:" in shown and "Who are you?" in shown and "Your name *" in shown
        dialog = app.screen
        assert dialog.query_one("#field-name", Input).has_focus
        await type_text(pilot, "Ada")
        await pilot.press("tab", "end", "backspace", "backspace", "4", "2")
        dialog.query_one("#field-ratio", Input).value = "0.5"
        dialog.query_one("#field-size", Select).value = "l"
        dialog.query_one("#field-tags", SelectionList).select("c")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(answers))
    [answer] = answers
    assert answer.action == "accept"
    assert answer.content == {
        "name": "Ada",
        "age": 42,
        "ratio": 0.5,
        "subscribe": True,
        "color": "g",
        "size": "l",
        "tags": ["b", "c"],
    }


@pytest.mark.anyio
async def test_missing_and_invalid_values_are_shown_and_the_form_stays(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    answers: list[mcp.types.ElicitResult] = []
    request = mcp.types.ElicitRequestFormParams(message="Who?", requested_schema=SCHEMA)
    async with app.run_test(size=(100, 50)) as pilot, anyio.create_task_group() as tg:
        tg.start_soon(ask, app, request, answers)
        await wait_until(pilot, lambda: isinstance(app.screen, ElicitationDialog))
        dialog = app.screen
        dialog.query_one("#field-age", Input).value = "200"
        dialog.query_one("#field-subscribe", Checkbox).value = False
        await pilot.press("ctrl+s")
        await pilot.pause()
        shown = screen_text(app)
        assert "required" in shown and "at most 150" in shown
        assert answers == [] and isinstance(app.screen, ElicitationDialog)
        dialog.query_one("#field-name", Input).value = "Al"
        dialog.query_one("#field-age", Input).value = "7"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(answers))
    assert answers[0].content is not None and answers[0].content["subscribe"] is False


@pytest.mark.anyio
@pytest.mark.parametrize(("how", "action"), [("escape", "cancel"), ("decline", "decline")])
async def test_the_person_can_decline_or_cancel(scripted: Scripted, how: str, action: str) -> None:
    app = PycodexApp(scripted([]))
    answers: list[mcp.types.ElicitResult] = []
    request = mcp.types.ElicitRequestFormParams(message="Who?", requested_schema=SCHEMA)
    async with app.run_test(size=(100, 50)) as pilot, anyio.create_task_group() as tg:
        tg.start_soon(ask, app, request, answers)
        await wait_until(pilot, lambda: isinstance(app.screen, ElicitationDialog))
        if how == "escape":
            await pilot.press("escape")
        else:
            await pilot.pause()
            await pilot.click("#decline")
        await wait_until(pilot, lambda: bool(answers))
    assert answers[0].action == action
    assert answers[0].content is None


@pytest.mark.anyio
async def test_a_url_request_shows_the_link_and_accepting_opens_it(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]))
    opened: list[str] = []
    app.open_url = lambda url, *, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    answers: list[mcp.types.ElicitResult] = []
    request = mcp.types.ElicitRequestURLParams(
        message="Sign in to continue", url="https://example.test/login", elicitation_id="e1"
    )
    async with app.run_test(size=(100, 30)) as pilot, anyio.create_task_group() as tg:
        tg.start_soon(ask, app, request, answers)
        await wait_until(pilot, lambda: isinstance(app.screen, ElicitationDialog))
        await pilot.pause()
        assert "https://example.test/login" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(answers))
    assert answers[0].action == "accept"
    assert opened == ["https://example.test/login"]
