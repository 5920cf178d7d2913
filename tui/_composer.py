"""The composer: where a person writes to the agent.

Enter sends, Shift+Enter (or Ctrl+J) starts a new line. Up and Down walk the prompt history from the first and last
line; Ctrl+R searches it. `/` completes slash commands (the user's custom prompts included), `$` the session's
skills and `@` files of the workspace. A pasted path to
an image attaches the image; a paste of more than `LARGE_PASTE_CHARS` shows as one placeholder and is expanded when
the prompt is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from ._file_search import is_image, list_workspace_files, search_files
from ._prompt_history import PromptHistory
from ._slash import SlashCommand, complete_slash

LARGE_PASTE_CHARS = 1000
_PLACEHOLDER = re.compile(r"\[(?:Pasted text #\d+: [\d,]+ chars|Image #\d+ [^\]]*)\]")

Location = tuple[int, int]
PopupAction = Literal["up", "down", "accept", "submit", "close"]
_POPUP_KEYS: dict[str, PopupAction] = {"tab": "accept", "enter": "submit", "escape": "close"}


@dataclass
class Draft:
    """What the prompt holds besides its text: pasted blocks and attached images behind their placeholders."""

    pastes: dict[str, str] = field(default_factory=lambda: {})
    images: dict[str, Path] = field(default_factory=lambda: {})
    count: int = 0

    def paste(self, text: str) -> str:
        self.count += 1
        placeholder = f"[Pasted text #{self.count}: {len(text):,} chars]"
        self.pastes[placeholder] = text
        return placeholder

    def image(self, path: Path) -> str:
        self.count += 1
        placeholder = f"[Image #{self.count} {path.name}]"
        self.images[placeholder] = path
        return placeholder

    def expand(self, text: str) -> tuple[str, tuple[Path, ...]]:
        """The text with pasted blocks put back, and the images whose placeholders are still in it."""
        for placeholder, content in self.pastes.items():
            text = text.replace(placeholder, content)
        return text, tuple(path for placeholder, path in self.images.items() if placeholder in text)


class PromptInput(TextArea):
    """The multi-line prompt."""

    BINDINGS = [
        Binding("up", "older", "previous prompt", show=False),
        Binding("down", "newer", "next prompt", show=False),
        Binding("ctrl+r", "search_history", "search history", show=False),
        Binding("shift+enter,ctrl+j,alt+enter", "newline", "new line", show=False),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class PopupKey(Message):
        """A key meant for the completion popup: `up`, `down`, `accept`, `submit` or `close`."""

        def __init__(self, key: PopupAction) -> None:
            super().__init__()
            self.key = key

    class SearchRequested(Message):
        pass

    class Pasted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, history: PromptHistory, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True)
        self.prompts = history
        self.popup_open = False

    async def _on_key(self, event: events.Key) -> None:
        if self.popup_open and event.key in ("tab", "enter", "escape"):
            event.stop()
            event.prevent_default()
            self.post_message(self.PopupKey(_POPUP_KEYS[event.key]))
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self.text))
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.post_message(self.Pasted(event.text))

    def paste_text(self, text: str) -> None:
        """Insert pasted text as typed (the composer decides about placeholders)."""
        result = self.replace(text, *self.selection)
        self.move_cursor(result.end_location)

    def action_newline(self) -> None:
        self.insert("\n")

    def action_older(self) -> None:
        if self.popup_open:
            self.post_message(self.PopupKey("up"))
            return
        if self.cursor_location[0] > 0:
            self.action_cursor_up()
            return
        entry = self.prompts.older(self.text)
        if entry is not None:
            self._show(entry)

    def action_newer(self) -> None:
        if self.popup_open:
            self.post_message(self.PopupKey("down"))
            return
        if self.cursor_location[0] < self.document.line_count - 1:
            self.action_cursor_down()
            return
        entry = self.prompts.newer()
        if entry is not None:
            self._show(entry)

    def action_search_history(self) -> None:
        self.post_message(self.SearchRequested())

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)


class HistorySearch(Input):
    """Ctrl+R: type to find an earlier prompt; Ctrl+R again for an older match; Enter takes it; Esc leaves."""

    BINDINGS = [
        Binding("ctrl+r", "older_match", "older match", show=False),
        Binding("escape", "leave", "leave search", show=False),
    ]

    class Older(Message):
        pass

    class Left(Message):
        pass

    def action_older_match(self) -> None:
        self.post_message(self.Older())

    def action_leave(self) -> None:
        self.post_message(self.Left())


@dataclass
class _Popup:
    kind: Literal["slash", "file", "skill"]
    start: Location
    end: Location


class Composer(Vertical):
    """The prompt, its completion popup, the history search line and the attachment line."""

    class Submitted(Message):
        """The person sent a prompt: the text with pasted blocks expanded, and the attached images."""

        def __init__(self, text: str, images: tuple[Path, ...]) -> None:
            super().__init__()
            self.text = text
            self.images = images

    def __init__(self, cwd: Path, history: PromptHistory, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cwd = cwd
        self.history = history
        self.draft = Draft()
        self.prompt = PromptInput(history, id="prompt")
        self.popup = OptionList(id="completions")
        self.popup.can_focus = False
        self.search = HistorySearch(placeholder="search earlier prompts", id="history-search")
        self.search_label = Label("", id="search-result")
        self.attachments = Label("", id="attachments")
        self._popup: _Popup | None = None
        self._files: list[str] | None = None
        self._loading_files = False
        self._search_index: int | None = None
        self._search_draft = ""
        self.custom_commands: list[SlashCommand] = []
        """The `/prompts:<name>` commands (set by the app)."""
        self.skills: list[tuple[str, str]] = []
        """(name, description) of the session's skills, for `$` completion (set by the app)."""

    def compose(self) -> ComposeResult:
        yield self.popup
        with Vertical(id="search-row"):
            yield self.search_label
            yield self.search
        yield self.attachments
        yield self.prompt

    def on_mount(self) -> None:
        self.popup.display = False
        self.query_one("#search-row").display = False
        self.attachments.display = False

    # ---- sending ------------------------------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    def _submit(self, event: PromptInput.Submitted) -> None:
        event.stop()
        raw = event.text
        if not raw.strip() and not self.draft.images:
            return
        text, images = self.draft.expand(raw)
        self.history.add(raw if not self.draft.pastes else text)
        self.prompt.clear()
        self.draft = Draft()
        self._refresh_attachments()
        self.post_message(self.Submitted(text, images))

    def set_text(self, text: str) -> None:
        self.prompt.load_text(text)
        self.prompt.move_cursor(self.prompt.document.end)

    # ---- paste and attachments ----------------------------------------------------------------------------------

    @on(PromptInput.Pasted)
    def _pasted(self, event: PromptInput.Pasted) -> None:
        event.stop()
        text = event.text
        image = self._image_path(text)
        if image is not None:
            self.prompt.paste_text(self.draft.image(image) + " ")
        elif len(text) > LARGE_PASTE_CHARS:
            self.prompt.paste_text(self.draft.paste(text))
        else:
            self.prompt.paste_text(text)
        self._refresh_attachments()

    def _image_path(self, text: str) -> Path | None:
        candidate = text.strip().strip("'\"")
        if not candidate or "\n" in candidate or not is_image(candidate):
            return None
        path = Path(candidate).expanduser()
        if not path.is_absolute():
            path = self.cwd / path
        return path if path.is_file() else None

    def attach_image(self, path: Path) -> None:
        self.prompt.insert(self.draft.image(path) + " ")
        self._refresh_attachments()

    def _refresh_attachments(self) -> None:
        text = self.prompt.text
        present = [p for p in _PLACEHOLDER.findall(text) if p in self.draft.images]
        self.attachments.display = bool(present)
        self.attachments.update("attached: " + ", ".join(present) if present else "")

    # ---- completions --------------------------------------------------------------------------------------------

    @on(TextArea.Changed, "#prompt")
    @on(TextArea.SelectionChanged, "#prompt")
    def _text_moved(self, event: TextArea.Changed | TextArea.SelectionChanged) -> None:
        if isinstance(event, TextArea.Changed):
            self._refresh_attachments()
        self._update_popup()

    def _token_at_cursor(self) -> tuple[str, Location, Location]:
        row, col = self.prompt.cursor_location
        line = self.prompt.document[row]
        start = col
        while start > 0 and not line[start - 1].isspace():
            start -= 1
        end = col
        while end < len(line) and not line[end].isspace():
            end += 1
        return line[start:col], (row, start), (row, end)

    def _update_popup(self) -> None:
        token, start, end = self._token_at_cursor()
        if start == (0, 0) and token.startswith("/") and "/" not in token[1:]:
            commands = complete_slash(token[1:], self.custom_commands)
            if commands:
                options = [
                    Option(Text.assemble((f"/{c.name}", "bold"), ("  " + c.help, "dim")), id=c.name) for c in commands
                ]
                self._open_popup(_Popup("slash", start, end), options)
                return
        elif token.startswith("$") and self.skills:
            wanted = token[1:]
            found = [s for s in self.skills if s[0].startswith(wanted)]
            found += [s for s in self.skills if wanted in s[0] and s not in found]
            if found:
                options = [Option(Text.assemble((f"${n}", "bold"), ("  " + d, "dim")), id=n) for n, d in found]
                self._open_popup(_Popup("skill", start, end), options)
                return
        elif token.startswith("@"):
            if self._files is None:
                self._load_files()
                self._open_popup(_Popup("file", start, end), [Option(Text("searching files…", "dim"), disabled=True)])
                return
            matches = search_files(self._files, token[1:])
            if matches:
                options = [Option(Text(m.path), id=m.path) for m in matches]
                self._open_popup(_Popup("file", start, end), options)
                return
        self._close_popup()

    def _open_popup(self, popup: _Popup, options: list[Option]) -> None:
        self._popup = popup
        self.popup.set_options(options)
        self.popup.highlighted = 0 if options and not options[0].disabled else None
        self.popup.display = True
        self.prompt.popup_open = True

    def _close_popup(self) -> None:
        self._popup = None
        self.popup.display = False
        self.prompt.popup_open = False

    def _load_files(self) -> None:
        if self._loading_files:
            return
        self._loading_files = True
        self.run_worker(self._list_files, thread=True, exclusive=True, group="files")

    def _list_files(self) -> None:
        files = list_workspace_files(self.cwd)
        self.app.call_from_thread(self._files_listed, files)

    def _files_listed(self, files: list[str]) -> None:
        self._files = files
        self._loading_files = False
        self._update_popup()

    @on(PromptInput.PopupKey)
    def _popup_key(self, event: PromptInput.PopupKey) -> None:
        event.stop()
        if event.key == "close" or self._popup is None:
            self._close_popup()
            return
        if event.key == "up":
            self.popup.action_cursor_up()
            return
        if event.key == "down":
            self.popup.action_cursor_down()
            return
        option = self.popup.highlighted_option
        popup = self._popup
        self._close_popup()
        if option is None or option.id is None:
            if event.key == "submit":
                self.post_message(PromptInput.Submitted(self.prompt.text))
            return
        if popup.kind == "slash":
            self.prompt.replace(f"/{option.id} ", popup.start, popup.end)
            self.prompt.move_cursor((0, len(option.id) + 2))
            needs_arguments = any(c.name == option.id and c.takes_arguments for c in self.custom_commands)
            if event.key == "submit" and not needs_arguments:
                self.post_message(PromptInput.Submitted(self.prompt.text))
            return
        if popup.kind == "skill":
            result = self.prompt.replace(f"${option.id} ", popup.start, popup.end)
            self.prompt.move_cursor(result.end_location)
            return
        path = option.id
        if is_image(path):
            self.prompt.replace("", popup.start, popup.end)
            self.prompt.move_cursor(popup.start)
            self.attach_image(self.cwd / path)
        else:
            shown = f'"{path}"' if " " in path else path
            result = self.prompt.replace(f"{shown} ", popup.start, popup.end)
            self.prompt.move_cursor(result.end_location)
        self._close_popup()

    # ---- history search -----------------------------------------------------------------------------------------

    @on(PromptInput.SearchRequested)
    def _start_search(self, event: PromptInput.SearchRequested) -> None:
        event.stop()
        self._search_draft = self.prompt.text
        self._search_index = None
        self.search.value = ""
        self.search_label.update("search earlier prompts (ctrl+r: older, enter: use it, esc: leave)")
        self.query_one("#search-row").display = True
        self.search.focus()

    @on(Input.Changed, "#history-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._search_index = self.history.search(event.value)
        self._show_match(event.value)

    @on(HistorySearch.Older)
    def _search_older(self, event: HistorySearch.Older) -> None:
        event.stop()
        if self._search_index is not None:
            older = self.history.search(self.search.value, before=self._search_index)
            if older is not None:
                self._search_index = older
        self._show_match(self.search.value)

    def _show_match(self, query: str) -> None:
        if not query:
            self.search_label.update("search earlier prompts (ctrl+r: older, enter: use it, esc: leave)")
            self.set_text(self._search_draft)
        elif self._search_index is None:
            self.search_label.update(Text(f"no earlier prompt contains “{query}”", "yellow"))
        else:
            self.search_label.update(Text(f"match {self._search_index + 1} of {len(self.history.entries)}", "dim"))
            self.set_text(self.history.entries[self._search_index])

    @on(Input.Submitted, "#history-search")
    def _search_taken(self, event: Input.Submitted) -> None:
        event.stop()
        self._end_search(keep=True)

    @on(HistorySearch.Left)
    def _search_left(self, event: HistorySearch.Left) -> None:
        event.stop()
        self._end_search(keep=False)

    def _end_search(self, *, keep: bool) -> None:
        if not keep or self._search_index is None:
            self.set_text(self._search_draft)
        self.query_one("#search-row").display = False
        self.prompt.focus()
