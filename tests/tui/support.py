"""Helpers for driving the app with Pilot."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from textual.pilot import Pilot

from tui import PycodexApp
from tui._cells import Cell


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], *, within: float = 15.0) -> None:
    """Let the app run until `condition()` holds (Pilot pauses between checks), or fail after `within` s."""
    with anyio.fail_after(within):
        while not condition():
            await pilot.pause(0.02)


def cells_of(app: PycodexApp, kind: type[Cell]) -> list[Cell]:
    return [cell for cell in app.transcript.cells if isinstance(cell, kind)]


def has_cell(app: PycodexApp, kind: type[Cell], text: str = "") -> bool:
    return any(text in cell.plain() for cell in cells_of(app, kind))


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type `text` key by key (Textual names a space `space`)."""
    keys = ["space" if ch == " " else ch for ch in text]
    await pilot.press(*keys)


async def send(pilot: Pilot[None], text: str) -> None:
    await type_text(pilot, text)
    await pilot.press("enter")


def turn_done(app: PycodexApp) -> bool:
    return app.session is not None and not app.driver.running and app.status.running_since is None


def screen_text(app: PycodexApp) -> str:
    """What the terminal shows now, as plain text (one line per row, trailing spaces removed)."""
    strips = app.screen._compositor.render_strips()  # pyright: ignore[reportPrivateUsage]
    return "\n".join(strip.text.rstrip() for strip in strips)
