"""What the slash commands need from the app they run in.

`SlashCommands` works against this protocol rather than `PycodexApp`, so the app can own its commands without the
commands importing the app back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from textual.message import Message
from textual.screen import Screen, ScreenResultCallbackType

if TYPE_CHECKING:
    import agent
    from agent.protocol import TokenUsageInfo

    from ._bridge import SessionDriver
    from ._cells import NoticeKind
    from ._status_bar import StatusBar
    from ._transcript import Transcript

ResultT = TypeVar("ResultT")


class CommandHost(Protocol):
    """The parts of `PycodexApp` a slash command reads, changes or calls."""

    session: agent.Session | None
    token_info: TokenUsageInfo | None
    mcp_failures: dict[str, str]
    now: Callable[[], datetime.datetime]

    @property
    def config(self) -> agent.Config: ...

    @config.setter
    def config(self, config: agent.Config) -> None: ...

    @property
    def configured(self) -> bool: ...

    @property
    def driver(self) -> SessionDriver: ...

    @property
    def status(self) -> StatusBar: ...

    @property
    def transcript(self) -> Transcript: ...

    def notify_cell(self, kind: NoticeKind, text: str) -> None: ...

    def start_driver(self, resume_id: str | None = None, *, fresh: bool = False) -> None: ...

    def send_prompt(self, text: str, images: tuple[Path, ...]) -> None: ...

    def post_message(self, message: Message) -> bool: ...

    def action_quit_app(self) -> None: ...

    def load_threads_then(self, then: Callable[[list[Any]], None], *, first: bool) -> object: ...

    def push_screen(
        self, screen: Screen[ResultT], callback: ScreenResultCallbackType[ResultT] | None = None
    ) -> object: ...
