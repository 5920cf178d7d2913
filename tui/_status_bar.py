"""The line under the composer: what is happening (or the keys to know) on the left; model, sandbox and context
left on the right."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ._cells import ACCENT, MUTED
from ._format import duration_text, tokens_text

if TYPE_CHECKING:
    from agent.protocol import TokenUsageInfo

BASELINE_TOKENS = 12_000
"""Tokens every request carries (instructions, tools); left out of the percentage so it starts near 100%."""

HINT = "enter send · ctrl+j newline · / commands · @ files · ctrl+r history · ctrl+o details"
HINTS = (HINT, "enter send · / commands · @ files · ctrl+r history", "/ commands · @ files", "/ commands")
"""The key hints from the fullest to the shortest: the longest that fits beside the right side is shown."""


def fitting_hint(room: int) -> str:
    """The fullest hint that fits in `room` columns (empty when none does)."""
    return next((hint for hint in HINTS if len(hint) <= room), "")


SPINNER = "◐◓◑◒"


def context_left_percent(tokens_in_context: int, window: int) -> int:
    """How much of the model's context window is still free, in percent."""
    if window <= BASELINE_TOKENS:
        return 0
    usable = window - BASELINE_TOKENS
    used = max(tokens_in_context - BASELINE_TOKENS, 0)
    return round(max(usable - used, 0) / usable * 100)


def context_text(info: TokenUsageInfo | None, window: int | None) -> str:
    """`100% context left` before the first answer, `83% context left`, or `12.3K tokens used` when the window is
    unknown."""
    window = (info.model_context_window if info else None) or window
    in_context = info.last_token_usage.total_tokens if info else 0
    if window:
        return f"{context_left_percent(in_context, window)}% context left"
    used = info.total_token_usage.total_tokens if info else 0
    return f"{tokens_text(used)} tokens used"


class StatusBar(Static):
    """Attributes in, one line out."""

    model: reactive[str] = reactive("")
    sandbox: reactive[str] = reactive("")
    context: reactive[str] = reactive("")
    running_since: reactive[float | None] = reactive(None)
    notice: reactive[str] = reactive("")

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock

    def on_mount(self) -> None:
        self.set_interval(0.25, self._advance, name="status spinner")

    def _advance(self) -> None:
        if self.running_since is not None:
            self.refresh()

    def render(self) -> Table:
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        left = Text()
        if self.notice:
            left.append(self.notice, style="yellow")
        elif self.running_since is not None:
            now = self._clock()
            seconds = int(now - self.running_since)
            elapsed = f"{seconds}s" if seconds < 60 else duration_text(seconds * 1000)
            # The spinner follows the clock (not a frame counter) so that a frozen clock draws a still frame.
            left.append(SPINNER[int(now * 4) % len(SPINNER)] + " ", style=ACCENT)
            left.append("Working", style="bold")
            left.append(f" {elapsed} · esc to interrupt", style=MUTED)
        right = Text()
        right.append(self.model, style="bold")
        right.append(f" · {self.sandbox}", style=MUTED)
        if self.context:
            right.append(f" · {self.context}", style=MUTED)
        if not self.notice and self.running_since is None:
            # Whole hints only: one cut short by the right side reads as a collision.
            left.append(fitting_hint(self.size.width - right.cell_len - 2), style=MUTED)
        grid.add_row(left, right)
        return grid
