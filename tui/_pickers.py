"""Pickers: a filterable list to choose from (past sessions, models, approval modes, reasoning effort)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ._cells import ACCENT, MUTED
from ._dialog import Dialog
from ._format import display_path, first_line
from ._threads import ThreadSummary, age_text

if TYPE_CHECKING:
    import agent


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    description: str = ""


class PickerDialog(Dialog[str | None]):
    """Type to filter, arrows to move, Enter to choose, Esc to leave without choosing.

    With `free_text`, Enter on a filter that matches nothing chooses the typed text itself (a model name that is not
    in the list).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "close", show=False)]

    def __init__(
        self,
        title: str,
        choices: Sequence[Choice],
        *,
        current: str | None = None,
        free_text: bool = False,
        hint: str = "type to filter · ↑↓ move · enter choose · esc close",
    ) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)
        self._current = current
        self._free_text = free_text
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box picker"):
            yield Label(Text(self._title, style="bold"), classes="dialog-title")
            yield Input(placeholder="filter" if not self._free_text else "filter, or type a name", id="picker-filter")
            yield OptionList(id="picker-list")
            yield Label(Text(self._hint, style=MUTED), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-filter", Input).focus()

    def _fill(self, query: str) -> None:
        words = query.lower().split()
        options: list[Option] = []
        for choice in self._choices:
            haystack = f"{choice.label} {choice.description} {choice.value}".lower()
            if all(word in haystack for word in words):
                mark = "● " if choice.value == self._current else "  "
                prompt = Text.assemble((mark, ACCENT), (choice.label, "bold"))
                if choice.description:
                    prompt.append("  " + choice.description, style=MUTED)
                options.append(Option(prompt, id=choice.value))
        listing = self.query_one("#picker-list", OptionList)
        listing.set_options(options)
        if options:
            current = next((i for i, o in enumerate(options) if o.id == self._current), 0)
            listing.highlighted = current if not words else 0
        if not options:
            listing.add_option(Option(Text("nothing matches", style=MUTED), disabled=True))

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_key(self, event: events.Key) -> None:
        listing = self.query_one("#picker-list", OptionList)
        if event.key in ("up", "down", "pageup", "pagedown"):
            event.stop()
            event.prevent_default()
            {
                "up": listing.action_cursor_up,
                "down": listing.action_cursor_down,
                "pageup": listing.action_page_up,
                "pagedown": listing.action_page_down,
            }[event.key]()

    @on(Input.Submitted, "#picker-filter")
    def _enter(self, event: Input.Submitted) -> None:
        listing = self.query_one("#picker-list", OptionList)
        option = listing.highlighted_option
        if option is not None and option.id is not None and not option.disabled:
            self.dismiss(option.id)
        elif self._free_text and event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected, "#picker-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_leave(self) -> None:
        self.dismiss(None)


def resume_picker(threads: Sequence[ThreadSummary], now: datetime.datetime) -> PickerDialog:
    choices = [
        Choice(
            t.thread_id,
            first_line(t.preview, 70) or "(no prompt)",
            f"{age_text(t.updated_at, now)}" + (f" · {display_path(t.cwd, None)}" if t.cwd else ""),
        )
        for t in threads
    ]
    return PickerDialog("Resume a past session", choices)


def agents_picker(children: Sequence[agent.SubAgentInfo]) -> PickerDialog:
    """The session's sub-agents, newest first: nickname, role, status and the start of the last message."""
    choices: list[Choice] = []
    for child in reversed(children):
        parts = [child.role or "default", child.status.replace("_", " ")]
        if child.message:
            parts.append(first_line(child.message, 50))
        choices.append(Choice(child.id, child.nickname, " · ".join(parts)))
    return PickerDialog("Open a sub-agent's transcript", choices)


APPROVAL_PRESETS: tuple[tuple[str, str, str, str], ...] = (
    ("read-only", "read-only", "on-request", "Read only: the agent reads files; it asks before changing anything"),
    ("auto", "workspace-write", "on-request", "Auto: edits and runs commands in this workspace, asks to go beyond"),
    ("untrusted", "workspace-write", "untrusted", "Cautious: asks before any command that is not read-only"),
    ("full-access", "danger-full-access", "never", "Full access: no sandbox and no questions (use with care)"),
)


def approvals_picker(current_sandbox: str, current_policy: str) -> PickerDialog:
    current = next(
        (
            name
            for name, sandbox, policy, _ in APPROVAL_PRESETS
            if (sandbox, policy) == (current_sandbox, current_policy)
        ),
        None,
    )
    choices = [
        Choice(name, text.split(":", 1)[0], text.split(":", 1)[1].strip()) for name, _, _, text in APPROVAL_PRESETS
    ]
    return PickerDialog("What may the agent do without asking?", choices, current=current)


KNOWN_MODELS = ("gpt-5.5", "gpt-5.5-codex", "gpt-5.5-mini", "gpt-5", "gpt-5-codex", "o4-mini")
EFFORTS = ("minimal", "low", "medium", "high", "xhigh")


def model_picker(current: str, extra: Sequence[str] = (), *, known: bool = True) -> PickerDialog:
    """Pick a model: `extra` (a provider's own list), then OpenAI's known models unless `known` is false."""
    names: list[str] = []
    for name in (current, *extra, *(KNOWN_MODELS if known else ())):
        if name and name not in names:
            names.append(name)
    choices = [Choice(name, name, "current" if name == current else "") for name in names]
    return PickerDialog("Choose a model", choices, current=current, free_text=True)


def effort_picker(current: str | None) -> PickerDialog:
    choices = [Choice("default", "default", "let the provider decide")]
    choices += [Choice(effort, effort) for effort in EFFORTS]
    return PickerDialog("Reasoning effort", choices, current=current or "default")
