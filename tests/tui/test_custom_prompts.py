"""Custom prompts (`$CODEX_HOME/prompts/*.md`) as `/prompts:<name>` commands, and `$` completion of skills, in the
app with Pilot against the scripted model server."""
# pyright: reportPrivateUsage=false

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.model_server import message
from tui import PycodexApp
from tui._cells import NoticeCell, TurnEndCell, UserCell

from .conftest import Scripted
from .support import cells_of, has_cell, send, turn_done, type_text, wait_until

pytestmark = pytest.mark.anyio

REVIEW = """---
description: Review one file for one kind of problem
argument-hint: FILE PROBLEM
---
Review $1 for $2 problems only (asked: $ARGUMENTS). Budget: $$5.
"""


def user_texts(scripted: Scripted) -> list[str]:
    body = scripted.server.requests[-1].body
    return [
        str(part.get("text", ""))
        for item in body["input"]
        if item.get("type") == "message" and item.get("role") == "user"
        for part in item.get("content", [])
    ]


def option_ids(app: PycodexApp) -> list[str | None]:
    popup = app.composer.popup
    return [popup.get_option_at_index(i).id for i in range(popup.option_count)]


async def test_a_custom_prompt_is_offered_after_slash_and_sent_with_its_arguments(
    scripted: Scripted, codex_home: Path
) -> None:
    (codex_home / "prompts").mkdir()
    (codex_home / "prompts/review.md").write_text(REVIEW)
    (codex_home / "prompts/hello.md").write_text("Say hello.\n")
    app = PycodexApp(scripted([{"items": [message("reviewed")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await type_text(pilot, "/prom")
        await wait_until(pilot, lambda: app.composer.popup.display)
        assert option_ids(app) == ["prompts:hello", "prompts:review"]
        shown = str(app.composer.popup.get_option_at_index(1).prompt)
        assert "/prompts:review" in shown
        assert "Review one file for one kind of problem  FILE PROBLEM" in shown
        # Enter on a prompt that takes arguments leaves the cursor after it instead of sending it.
        await pilot.press("down", "enter")
        assert app.composer.prompt.text == "/prompts:review "
        await send(pilot, 'app.py "race condition"')
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell) and turn_done(app))
    expected = "Review app.py for race condition problems only (asked: app.py race condition). Budget: $5."
    assert expected in user_texts(scripted)
    assert [cell.plain() for cell in cells_of(app, UserCell)] == [expected]


async def test_an_unknown_custom_prompt_and_a_bad_one_are_reported(scripted: Scripted, codex_home: Path) -> None:
    (codex_home / "prompts").mkdir()
    (codex_home / "prompts/broken.md").write_text("---\ndescription: [unclosed\n---\nbody\n")
    app = PycodexApp(scripted([]))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/prompts:nothing here")
        notices = [cell.plain() for cell in cells_of(app, NoticeCell)]
    assert any(f"Skipped the custom prompt {codex_home / 'prompts/broken.md'}" in n for n in notices)
    assert any("There is no custom prompt 'nothing'" in n for n in notices)
    assert scripted.server.requests == []


async def test_dollar_completes_the_sessions_skills(scripted: Scripted, repo: Path) -> None:
    skill = repo / ".agents/skills/lint"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: lint\ndescription: Run the linters.\n---\nRun ruff.\n")
    app = PycodexApp(scripted([{"items": [message("done")]}]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None and bool(app.composer.skills))
        await type_text(pilot, "please $li")
        await wait_until(pilot, lambda: app.composer.popup.display)
        assert option_ids(app) == ["lint"]
        await pilot.press("tab")
        assert app.composer.prompt.text == "please $lint "
        await pilot.press("enter")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell) and turn_done(app))
    texts = user_texts(scripted)
    named = next(i for i, t in enumerate(texts) if t.strip() == "please $lint")
    assert texts[named + 1].startswith("<skill>\n<name>lint</name>\n")
