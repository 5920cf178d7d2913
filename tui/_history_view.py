"""The settled part of the transcript as one widget that draws only the lines on screen.

Textual lays out every widget of a screen on each reflow, so a transcript of thousands of widgets gets slower with
every cell. Settled cells are therefore drawn into a line cache held by this one widget (Textual's line API): painting
asks for the visible lines only, found by bisecting the cells' start lines.

Drawing is lazy where it could stall: a new width, the details switch, or thousands of cells arriving at once (a
resumed thread) mark cells stale; a stale cell keeps its last (or an estimated) height, is drawn as soon as one of
its lines is painted, and the rest are drawn in small batches in the background, newest first.
"""

from __future__ import annotations

import gc
import time
from bisect import bisect_right

from textual import events
from textual.geometry import Size
from textual.strip import Strip
from textual.timer import Timer
from textual.visual import Visual, visualize
from textual.widget import Widget

from ._cells import Cell, SubAgentCell
from ._messages import OpenSubAgent

EAGER_CELLS = 16
"""Up to this many cells appended at once are drawn right away; more are drawn lazily."""
STEP_SECONDS = 0.006
"""Time one background step may spend drawing stale cells (a step stays well inside one 16 ms frame)."""
FREEZE_EVERY = 256
"""Cells drawn between two `gc.freeze()` calls (see `_stored`)."""


class HistoryView(Widget):
    """Settled cells, one blank line after each, drawn from a per-width line cache."""

    # Its height is its line count (the layout asks `get_content_height`); the look is in pycodex.tcss.
    DEFAULT_CSS = "HistoryView { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cells: list[Cell] = []
        self._strips: list[list[Strip] | None] = []
        self._heights: list[int] = []
        self._starts: list[int] = []
        self._total = 0
        self._width = 0
        self._details = False
        self._stale = 0
        self._since_freeze = 0
        self._timer: Timer | None = None

    @property
    def line_count(self) -> int:
        return self._total

    @property
    def stale_count(self) -> int:
        """Cells waiting to be drawn at the current width."""
        return self._stale

    # ---- changes ------------------------------------------------------------------------------------------------

    def append(self, cells: list[Cell]) -> None:
        """Add settled cells at the end."""
        eager = bool(self._width) and len(cells) <= EAGER_CELLS
        for cell in cells:
            self.cells.append(cell)
            if eager:
                strips = self._render_cell(cell)
                self._strips.append(strips)
                self._heights.append(len(strips))
                self._stored(1)
            else:
                self._strips.append(None)
                self._heights.append(_estimate(cell))
                self._stale += 1
            self._starts.append(self._total)
            self._total += self._heights[-1]
        self.refresh(layout=True)
        self._schedule()

    def clear(self) -> None:
        self.cells.clear()
        self._strips.clear()
        self._heights.clear()
        self._starts.clear()
        self._total = 0
        self._stale = 0
        self.refresh(layout=True)

    def set_details(self, details: bool) -> None:
        if details != self._details:
            self._details = details
            self._mark_all_stale()

    def rerender(self, cell: Cell) -> None:
        """Draw one cell again (it changed after it settled)."""
        for index, known in enumerate(self.cells):
            if known is cell and self._strips[index] is not None:
                self._strips[index] = None
                self._stale += 1
                self.refresh()
                self._schedule()

    # ---- drawing ------------------------------------------------------------------------------------------------

    def _render_cell(self, cell: Cell) -> list[Strip]:
        width = self._width
        visual: Visual = visualize(self, cell.renderable(self._details), markup=False)
        strips = Visual.to_strips(self, visual, width, None, self.visual_style, apply_selection=False)
        strips = [strip.adjust_cell_length(width) for strip in strips]
        strips.append(Strip.blank(width))
        return strips

    def _draw(self, index: int) -> bool:
        """Draw a stale cell; True when its height changed (the start lines after it moved)."""
        strips = self._render_cell(self.cells[index])
        self._strips[index] = strips
        self._stale -= 1
        self._stored(1)
        if len(strips) == self._heights[index]:
            return False
        self._heights[index] = len(strips)
        return True

    def _stored(self, count: int) -> None:
        self._since_freeze += count
        if self._since_freeze >= FREEZE_EVERY:
            self._since_freeze = 0
            # Every full collection walks every tracked object: with thousands of cached lines that is a pause of a
            # tenth of a second and more, in the middle of typing. The cache is long-lived and free of cycles
            # (refcounting frees it), so everything alive now is moved out of the collector's sight.
            gc.freeze()

    def _restart_lines(self) -> None:
        total = 0
        for index, height in enumerate(self._heights):
            self._starts[index] = total
            total += height
        self._total = total

    def _mark_all_stale(self) -> None:
        for index, strips in enumerate(self._strips):
            if strips is not None:
                self._strips[index] = None
                self._stale += 1
        self.refresh(layout=True)
        self._schedule()

    def _schedule(self) -> None:
        if self._stale and self._timer is None and self.is_mounted:
            self._timer = self.set_timer(0.01, self._draw_some, name="history drawing")

    def _draw_some(self) -> None:
        """Draw stale cells for up to STEP_SECONDS, newest first (those are nearest the view)."""
        self._timer = None
        if not self._width:
            return
        moved = False
        deadline = time.perf_counter() + STEP_SECONDS
        for index in range(len(self._strips) - 1, -1, -1):
            if self._strips[index] is None:
                moved = self._draw(index) or moved
                if time.perf_counter() >= deadline:
                    break
        if moved:
            self._restart_lines()
            self.refresh(layout=True)
        self._schedule()

    def cell_at(self, y: int) -> Cell | None:
        """The cell drawn on content line `y`, if any."""
        if y < 0 or y >= self._total or not self.cells:
            return None
        return self.cells[bisect_right(self._starts, y) - 1]

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        cell = self.cell_at(offset.y) if offset is not None else None
        if isinstance(cell, SubAgentCell):
            event.stop()
            self.post_message(OpenSubAgent(cell.agent_id))

    # ---- Textual's line API -------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._schedule()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width:
            self._width = width
            self._mark_all_stale()
        return self._total

    def render_line(self, y: int) -> Strip:
        # `_width` is the content width the layout last asked about (`get_content_height`).
        if y < 0 or y >= self._total or not self._strips:
            return Strip.blank(self._width)
        index = bisect_right(self._starts, y) - 1
        strips = self._strips[index]
        if strips is None:
            if self._draw(index):
                # Its estimated height was wrong: the lines below move; lay out again with the real height.
                self._restart_lines()
                self.refresh(layout=True)
            strips = self._strips[index]
            assert strips is not None
        offset = y - self._starts[index]
        return strips[offset] if offset < len(strips) else Strip.blank(self._width)


def _estimate(cell: Cell) -> int:
    """A height for a cell not drawn yet: its text's lines, a title line and the blank line after it."""
    return max(2, cell.plain().count("\n") + 3)
