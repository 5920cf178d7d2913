"""The scrolling transcript: settled cells in the history view, the newest cells as live widgets below it.

Live widgets are few (the cells that can still change, and the last `KEEP_LIVE` others); when more arrive, the
oldest settled live widgets are drawn into the history view and removed, so the number of widgets, and with it
the cost of a layout, stays flat however long the thread gets. Answers stream into Textual's Markdown widget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from textual import events
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ._cells import AgentCell, Cell, SubAgentCell
from ._history_view import HistoryView
from ._messages import OpenSubAgent

if TYPE_CHECKING:
    from ._answer_view import AnswerView

KEEP_LIVE = 8
"""Settled cells kept as widgets at the bottom (the ones a person is most likely reading)."""


class CellView(Static):
    """A live cell drawn from its renderable."""

    def __init__(self, cell: Cell, details: bool) -> None:
        clickable = " sub-agent-cell" if isinstance(cell, SubAgentCell) else ""
        super().__init__(cell.renderable(details), classes="transcript-cell" + clickable)
        self.cell = cell

    def redraw(self, details: bool) -> None:
        self.update(self.cell.renderable(details))

    def on_click(self, event: events.Click) -> None:
        if isinstance(self.cell, SubAgentCell):
            event.stop()
            self.post_message(OpenSubAgent(self.cell.agent_id))


LiveView: TypeAlias = "CellView | AnswerView"


class Transcript(VerticalScroll, can_focus=True):
    """Every cell of the thread, oldest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history = HistoryView(id="history")
        self.details = False
        self._live: list[LiveView] = []
        self._views: dict[int, LiveView] = {}

    def compose(self) -> ComposeResult:
        yield self.history

    def on_mount(self) -> None:
        self.anchor()

    @property
    def cells(self) -> list[Cell]:
        """All cells, oldest first."""
        return [*self.history.cells, *(view.cell for view in self._live)]

    @property
    def live_count(self) -> int:
        return len(self._live)

    def add(self, cell: Cell) -> None:
        """Append a cell at the bottom."""
        view: LiveView
        if isinstance(cell, AgentCell):
            from ._answer_view import AnswerView  # Textual's Markdown loads with the first answer

            view = AnswerView(cell)
        else:
            view = CellView(cell, self.details)
        self._live.append(view)
        self._views[id(cell)] = view
        self.mount(view)
        self._settle_old()

    def add_many(self, cells: list[Cell]) -> None:
        """Append many settled cells at once (a resumed thread): straight into the history view, which draws them
        lazily. Live cells go first when they are all settled; otherwise the new cells join them one by one."""
        if any(not view.cell.finished for view in self._live):
            for cell in cells:
                self.add(cell)
            return
        moving = [view.cell for view in self._live]
        for view in self._live:
            view.remove()
        self._live.clear()
        self._views.clear()
        self.history.append([*moving, *cells])

    def changed(self, cell: Cell) -> None:
        """Redraw a cell after its data changed."""
        view = self._views.get(id(cell))
        if isinstance(view, CellView):
            view.redraw(self.details)
        elif view is None:
            self.history.rerender(cell)
        if cell.finished:
            self._settle_old()

    async def stream(self, cell: AgentCell, delta: str) -> None:
        """Append streamed text to an answer."""
        view = self._views.get(id(cell))
        if view is not None and not isinstance(view, CellView):
            await view.write(delta)

    async def settle_answer(self, cell: AgentCell) -> None:
        view = self._views.get(id(cell))
        if view is not None and not isinstance(view, CellView):
            await view.settle()
        self._settle_old()

    def set_details(self, details: bool) -> None:
        """Show everything (reasoning, full output, whole diffs) or the short form."""
        self.details = details
        for view in self._live:
            if isinstance(view, CellView):
                view.redraw(details)
        self.history.set_details(details)

    def clear(self) -> None:
        """Start over (a new session)."""
        for view in self._live:
            view.remove()
        self._live.clear()
        self._views.clear()
        self.history.clear()

    def _settle_old(self) -> None:
        """Move the oldest settled live widgets into the history view while there are more than KEEP_LIVE."""
        moving: list[LiveView] = []
        settled_live = sum(1 for view in self._live if view.cell.finished)
        for view in self._live:
            if settled_live - len(moving) <= KEEP_LIVE or not view.cell.finished:
                break
            if not isinstance(view, CellView) and view.stream is not None:
                break
            moving.append(view)
        if not moving:
            return
        # Cells above the viewport may take a different height as lines than they did as widgets: keep what the
        # reader is looking at in place. (Cells below it, or never laid out, move nothing the reader sees.)
        above = not self.is_following() and all(
            view.outer_size.height and view.virtual_region_with_margin.bottom <= self.scroll_y for view in moving
        )
        before = sum(view.outer_size.height for view in moving)
        lines_before = self.history.line_count
        del self._live[: len(moving)]
        for view in moving:
            del self._views[id(view.cell)]
        self.history.append([view.cell for view in moving])
        for view in moving:
            view.remove()
        if above:
            delta = (self.history.line_count - lines_before) - before
            if delta:
                self.scroll_to(y=self.scroll_y + delta, animate=False, immediate=True)

    def is_following(self) -> bool:
        """True while the view sticks to the newest line."""
        return self.is_anchored and not self._anchor_released


def on_screen(app: App[Any], main: Transcript) -> Transcript:
    """The transcript shown: a sub-agent's when one is open (under any dialog), else `main`."""
    for screen in reversed(app.screen_stack):
        transcript = getattr(screen, "transcript", None)
        if isinstance(transcript, Transcript):
            return transcript
    return main
