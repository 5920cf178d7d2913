"""The transcript stays small in widgets however long the thread: settled cells move into the line cache."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tui._answer_view import AnswerView
from tui._cells import AgentCell, CommandCell, NoticeCell
from tui._transcript import KEEP_LIVE, CellView, Transcript

from .support import wait_until

pytestmark = pytest.mark.anyio


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.transcript = Transcript(id="transcript")

    def compose(self) -> ComposeResult:
        yield self.transcript


def visible_text(app: Host) -> str:
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())  # pyright: ignore[reportPrivateUsage]


async def test_a_long_transcript_keeps_only_the_newest_cells_as_widgets() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        for index in range(300):
            app.transcript.add(NoticeCell("info", f"entry {index}"))
        await pilot.pause()
        assert app.transcript.live_count == KEEP_LIVE
        assert len(app.transcript.query(CellView)) == KEEP_LIVE
        assert len(app.transcript.history.cells) == 300 - KEEP_LIVE
        assert [c.plain() for c in app.transcript.cells] == [f"entry {i}" for i in range(300)]
        assert "entry 299" in visible_text(app)
        app.transcript.scroll_home(animate=False)
        await pilot.pause()
        shown = visible_text(app)
        assert "entry 0" in shown and "entry 1" in shown
        assert app.transcript.history.line_count == 2 * (300 - KEEP_LIVE)


async def test_cells_that_can_still_change_stay_live() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        running = CommandCell("c", ("sleep", "9"), "/w")
        app.transcript.add(running)
        for index in range(KEEP_LIVE * 3):
            app.transcript.add(NoticeCell("info", f"entry {index}"))
        await pilot.pause()
        assert app.transcript.history.cells == []
        running.finished = True
        running.exit_code = 0
        app.transcript.changed(running)
        await pilot.pause()
        assert app.transcript.history.cells[0] is running
        assert app.transcript.live_count == KEEP_LIVE


async def test_an_answer_streams_into_markdown_and_settles() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        answer = AgentCell()
        app.transcript.add(answer)
        await pilot.pause()
        for delta in ["# Title\n\n", "Some **bold** ", "text.\n"]:
            answer.text += delta
            await app.transcript.stream(answer, delta)
        answer.text = "# Title\n\nSome **bold** text, final.\n"
        answer.finished = True
        await app.transcript.settle_answer(answer)
        view = app.transcript.query_one(AnswerView)
        await wait_until(pilot, lambda: "final" in visible_text(app))
        assert view.source == answer.text
        assert "Title" in visible_text(app)


async def test_details_redraw_settled_cells_too() -> None:
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        command = CommandCell("c", ("seq", "9"), "/w", output="\n".join(map(str, range(1, 10))), exit_code=0)
        command.finished = True
        app.transcript.add(command)
        for index in range(KEEP_LIVE):
            app.transcript.add(NoticeCell("info", f"entry {index}"))
        await pilot.pause()
        assert app.transcript.history.cells == [command]
        before = app.transcript.history.line_count
        app.transcript.set_details(True)
        await pilot.pause()
        assert app.transcript.history.line_count == before + 3  # 4 hidden lines shown, the "earlier" line gone


async def test_clear_empties_both_parts() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        for index in range(KEEP_LIVE * 2):
            app.transcript.add(NoticeCell("info", f"entry {index}"))
        app.transcript.clear()
        await pilot.pause()
        assert app.transcript.cells == []
        assert app.transcript.history.line_count == 0


async def test_many_cells_at_once_are_drawn_lazily_visible_ones_first() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        cells = [NoticeCell("info", f"old {index}") for index in range(1000)]
        app.transcript.add_many(list(cells))
        assert app.transcript.history.stale_count == 1000
        await pilot.pause()
        assert "old 999" in visible_text(app)
        await wait_until(pilot, lambda: app.transcript.history.stale_count == 0)
        assert app.transcript.history.line_count == 2000
        app.transcript.scroll_home(animate=False)
        await pilot.pause()
        assert "old 0" in visible_text(app)


async def test_a_new_width_redraws_every_settled_cell() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        app.transcript.add_many([NoticeCell("info", "word " * 30) for _ in range(100)])
        await wait_until(pilot, lambda: app.transcript.history.stale_count == 0)
        wide = app.transcript.history.line_count
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        await wait_until(pilot, lambda: app.transcript.history.stale_count == 0)
        assert app.transcript.history.line_count > wide
        assert "word" in visible_text(app)


async def test_a_reader_scrolled_up_keeps_their_place_while_cells_arrive() -> None:
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        for index in range(60):
            app.transcript.add(NoticeCell("info", f"entry {index}"))
        await pilot.pause()
        app.transcript.scroll_to(y=20, animate=False)
        await pilot.pause()
        app.transcript.release_anchor()

        def content() -> list[str]:  # the text without the scrollbar, whose thumb moves as the content grows
            return [line[:76].rstrip() for line in visible_text(app).splitlines()]

        before = content()
        assert not app.transcript.is_following()
        for index in range(60, 80):
            app.transcript.add(NoticeCell("info", f"entry {index}"))
        await pilot.pause()
        assert content() == before
        app.transcript.anchor()
        await pilot.pause()
        assert "entry 79" in visible_text(app)
