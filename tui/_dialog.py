"""The base of every dialog: a modal screen that closes itself if it was withdrawn while covered by another."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A modal screen. A request withdrawn while another dialog covered this one (the turn was stopped) marks it
    `cancelled`; it then closes, without an answer, as soon as it comes back on top."""

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def on_screen_resume(self) -> None:
        if self.has_class("cancelled"):
            self.dismiss(None)
