"""The settled part of the transcript as one widget that draws only the lines on screen.

Textual lays out every widget of a screen on each reflow, so a transcript of thousands of widgets gets slower with
every cell. Settled cells are therefore drawn into a line cache held by this one widget (Textual's line API):
appending a cell renders that cell only, and painting asks for the visible lines only, found by bisecting the
cells' start lines. A change of width or of the details switch re-renders the cache once.
"""

from __future__ import annotations

import gc
from bisect import bisect_right

from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

from ._cells import Cell

FREEZE_EVERY = 256
"""Cells settled between two `gc.freeze()` calls (see `HistoryView.append`)."""


class HistoryView(Widget):
    """Settled cells, one blank line after each, drawn from a per-width line cache."""

    # Its height is its line count (the layout asks `get_content_height`); the look is in pycodex.tcss.
    DEFAULT_CSS = "HistoryView { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cells: list[Cell] = []
        self._strips: list[list[Strip]] = []
        self._starts: list[int] = []
        self._total = 0
        self._width = 0
        self._details = False
        self._since_freeze = 0

    @property
    def line_count(self) -> int:
        return self._total

    def append(self, cells: list[Cell]) -> None:
        """Add settled cells at the end."""
        self.cells.extend(cells)
        if self._width:
            for cell in cells:
                self._push(self._render_cell(cell, self._width))
        self.refresh(layout=True)
        self._since_freeze += len(cells)
        if self._since_freeze >= FREEZE_EVERY:
            self._since_freeze = 0
            # Every full collection walks every tracked object: with thousands of cached lines that is a pause of a
            # tenth of a second and more, in the middle of typing. The cache is long-lived and free of cycles
            # (refcounting frees it), so everything alive now is moved out of the collector's sight.
            gc.freeze()

    def clear(self) -> None:
        self.cells.clear()
        self._rebuild(self._width)

    def set_details(self, details: bool) -> None:
        if details != self._details:
            self._details = details
            self._rebuild(self._width)

    def rerender(self, cell: Cell) -> None:
        """Draw one cell again (it changed after it settled)."""
        if not self._width or cell not in self.cells:
            return
        self._rebuild(self._width)

    def _render_cell(self, cell: Cell, width: int) -> list[Strip]:
        visual: Visual = visualize(self, cell.renderable(self._details), markup=False)
        strips = Visual.to_strips(self, visual, width, None, self.visual_style, apply_selection=False)
        strips = [strip.adjust_cell_length(width) for strip in strips]
        strips.append(Strip.blank(width))
        return strips

    def _push(self, strips: list[Strip]) -> None:
        self._starts.append(self._total)
        self._strips.append(strips)
        self._total += len(strips)

    def _rebuild(self, width: int) -> None:
        self._width = width
        self._strips.clear()
        self._starts.clear()
        self._total = 0
        if width:
            for cell in self.cells:
                self._push(self._render_cell(cell, width))
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width:
            self._rebuild(width)
        return self._total

    def render_line(self, y: int) -> Strip:
        # `_width` is the content width the layout last asked about (`get_content_height`).
        if y < 0 or y >= self._total or not self._strips:
            return Strip.blank(self._width)
        index = bisect_right(self._starts, y) - 1
        return self._strips[index][y - self._starts[index]]
