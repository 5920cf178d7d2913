"""Messages up: what the session driver and the dialogs tell the app (no engine imports, so the app's first paint
does not wait for the engine)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import ModalScreen

from ._cells import NoticeKind

if TYPE_CHECKING:
    import agent

    from ._threads import ResumedThread


class SessionEvent(Message):
    """One event of the session, in the order the session emitted it."""

    def __init__(self, event: agent.Event) -> None:
        super().__init__()
        self.event = event


class SessionReady(Message):
    def __init__(self, session: agent.Session, resumed: ResumedThread | None) -> None:
        super().__init__()
        self.session = session
        self.resumed = resumed


class SessionClosed(Message):
    pass


class TurnStarted(Message):
    pass


class TurnEnded(Message):
    def __init__(self, outcome: agent.TurnOutcome | None) -> None:
        super().__init__()
        self.outcome = outcome


class Notice(Message):
    """A line for the transcript from the TUI itself (an approval decision, a failure outside any turn)."""

    def __init__(self, kind: NoticeKind, text: str) -> None:
        super().__init__()
        self.kind: NoticeKind = kind
        self.text = text


class ShowDialog(Message):
    """Show `dialog`; call `answered` with its result (None when it was closed without one)."""

    def __init__(self, dialog: ModalScreen[Any], answered: Callable[[Any], None]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answered = answered


class CloseDialog(Message):
    def __init__(self, dialog: ModalScreen[Any]) -> None:
        super().__init__()
        self.dialog = dialog


class OpenSubAgent(Message):
    """Show the transcript of the session's sub-agent `agent_id` (its entry was clicked)."""

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id
