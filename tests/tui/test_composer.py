"""The composer on its own: sending, history, search, `@` file mentions, `/` completion, pastes and images."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual import events, on
from textual.app import App, ComposeResult

from tui._composer import LARGE_PASTE_CHARS, Composer
from tui._prompt_history import PromptHistory

from .support import type_text, wait_until

pytestmark = pytest.mark.anyio


class Host(App[None]):
    def __init__(self, cwd: Path, history: PromptHistory | None = None) -> None:
        super().__init__()
        self.composer = Composer(cwd, history or PromptHistory(), id="composer")
        self.sent: list[tuple[str, tuple[Path, ...]]] = []

    def compose(self) -> ComposeResult:
        yield self.composer

    def on_mount(self) -> None:
        self.composer.prompt.focus()

    @on(Composer.Submitted)
    def _sent(self, message: Composer.Submitted) -> None:
        self.sent.append((message.text, message.images))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "build").mkdir()
    (root / "src" / "pkg" / "session_store.py").write_text("x\n")
    (root / "src" / "pkg" / "sessions.py").write_text("x\n")
    (root / "README.md").write_text("x\n")
    (root / "build" / "session_store.py").write_text("generated\n")
    (root / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / ".gitignore").write_text("build/\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


async def test_enter_sends_and_shift_enter_or_ctrl_j_adds_a_line(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "one")
        await pilot.press("ctrl+j")
        await type_text(pilot, "two")
        await pilot.press("shift+enter")
        await type_text(pilot, "three")
        await pilot.press("enter")
        assert app.sent == [("one\ntwo\nthree", ())]
        assert app.composer.prompt.text == ""


async def test_an_empty_prompt_is_not_sent(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await pilot.press("space", "enter")
        assert app.sent == []


async def test_up_and_down_walk_the_history_and_give_back_the_draft(workspace: Path) -> None:
    app = Host(workspace, PromptHistory(["first", "second"]))
    async with app.run_test() as pilot:
        await type_text(pilot, "draft")
        await pilot.press("up")
        assert app.composer.prompt.text == "second"
        await pilot.press("up")
        assert app.composer.prompt.text == "first"
        await pilot.press("up")
        assert app.composer.prompt.text == "first"
        await pilot.press("down", "down")
        assert app.composer.prompt.text == "draft"


async def test_up_moves_the_cursor_inside_a_multi_line_prompt_before_walking_history(workspace: Path) -> None:
    app = Host(workspace, PromptHistory(["old"]))
    async with app.run_test() as pilot:
        await type_text(pilot, "a")
        await pilot.press("ctrl+j")
        await type_text(pilot, "b")
        await pilot.press("up")
        assert app.composer.prompt.text == "a\nb"
        assert app.composer.prompt.cursor_location[0] == 0
        await pilot.press("up")
        assert app.composer.prompt.text == "old"


async def test_sent_prompts_join_the_history(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "hello")
        await pilot.press("enter", "up")
        assert app.composer.prompt.text == "hello"


async def test_ctrl_r_finds_an_earlier_prompt_and_enter_takes_it(workspace: Path) -> None:
    app = Host(workspace, PromptHistory(["run the tests", "fix the parser", "run the linter"]))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+r")
        assert app.composer.search.has_focus
        await type_text(pilot, "run")
        assert app.composer.prompt.text == "run the linter"
        await pilot.press("ctrl+r")
        assert app.composer.prompt.text == "run the tests"
        await pilot.press("enter")
        assert app.composer.prompt.has_focus
        assert app.composer.prompt.text == "run the tests"
        assert not app.composer.query_one("#search-row").display


async def test_escape_leaves_the_search_and_restores_the_draft(workspace: Path) -> None:
    app = Host(workspace, PromptHistory(["run the tests"]))
    async with app.run_test() as pilot:
        await type_text(pilot, "my draft")
        await pilot.press("ctrl+r")
        await type_text(pilot, "tests")
        assert app.composer.prompt.text == "run the tests"
        await pilot.press("escape")
        assert app.composer.prompt.text == "my draft"
        assert app.composer.prompt.has_focus


async def test_ctrl_r_says_when_nothing_matches(workspace: Path) -> None:
    app = Host(workspace, PromptHistory(["run the tests"]))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+r")
        await type_text(pilot, "zebra")
        assert "no earlier prompt contains “zebra”" in str(app.composer.search_label.render())


async def test_at_mention_completes_a_workspace_file_fuzzily_and_skips_ignored_ones(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "look at @sesstore")
        await wait_until(
            pilot,
            lambda: (
                app.composer.popup.display
                and app.composer.popup.option_count > 0
                and app.composer.popup.get_option_at_index(0).id is not None
            ),
        )
        options = [app.composer.popup.get_option_at_index(i).id for i in range(app.composer.popup.option_count)]
        assert options[0] == "src/pkg/session_store.py"
        assert "build/session_store.py" not in options
        await pilot.press("tab")
        assert app.composer.prompt.text == "look at src/pkg/session_store.py "
        assert not app.composer.popup.display


async def test_arrows_choose_among_mentions(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "@sess")
        await wait_until(
            pilot,
            lambda: app.composer.popup.option_count == 2 and app.composer.popup.get_option_at_index(0).id is not None,
        )
        second = app.composer.popup.get_option_at_index(1).id
        await pilot.press("down", "enter")
        assert app.composer.prompt.text == f"{second} "
        assert app.sent == []


async def test_mentioning_an_image_attaches_it(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "what is in @shot")
        await wait_until(
            pilot,
            lambda: app.composer.popup.option_count > 0 and app.composer.popup.get_option_at_index(0).id == "shot.png",
        )
        await pilot.press("tab")
        assert app.composer.prompt.text == "what is in [Image #1 shot.png] "
        assert app.composer.attachments.display
        await pilot.press("enter")
        assert app.sent == [("what is in [Image #1 shot.png] ", (workspace / "shot.png",))]


async def test_pasting_an_image_path_attaches_the_image(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        app.composer.prompt.post_message(events.Paste(str(workspace / "shot.png")))
        await pilot.pause()
        assert app.composer.prompt.text == "[Image #1 shot.png] "
        await type_text(pilot, "describe")
        await pilot.press("enter")
        assert app.sent == [("[Image #1 shot.png] describe", (workspace / "shot.png",))]


async def test_deleting_an_image_placeholder_drops_the_image(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        app.composer.prompt.post_message(events.Paste("shot.png"))
        await pilot.pause()
        app.composer.prompt.clear()
        await type_text(pilot, "nothing attached")
        assert not app.composer.attachments.display
        await pilot.press("enter")
        assert app.sent == [("nothing attached", ())]


async def test_a_large_paste_shows_as_one_placeholder_and_is_sent_whole(workspace: Path) -> None:
    big = "\n".join(f"line {i}" for i in range(400))
    assert len(big) > LARGE_PASTE_CHARS
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "summarise ")
        app.composer.prompt.post_message(events.Paste(big))
        await pilot.pause()
        assert app.composer.prompt.text == f"summarise [Pasted text #1: {len(big):,} chars]"
        await pilot.press("enter")
        assert app.sent == [(f"summarise {big}", ())]


async def test_a_small_paste_is_inserted_as_typed(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        app.composer.prompt.post_message(events.Paste("a\nb"))
        await pilot.pause()
        assert app.composer.prompt.text == "a\nb"


async def test_slash_shows_the_commands_and_enter_runs_the_highlighted_one(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "/st")
        assert app.composer.popup.display
        assert app.composer.popup.get_option_at_index(0).id == "status"
        await pilot.press("enter")
        assert app.sent == [("/status ", ())]


async def test_escape_closes_the_completions(workspace: Path) -> None:
    app = Host(workspace)
    async with app.run_test() as pilot:
        await type_text(pilot, "/")
        assert app.composer.popup.display
        await pilot.press("escape")
        assert not app.composer.popup.display
        assert app.composer.prompt.text == "/"
