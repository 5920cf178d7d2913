"""The dialogs that ask before the agent runs a command or changes files (loaded with the first question).

Each choice has a key (shown beside it) and can also be picked with the arrows and Enter. Esc stops the turn, so a
person who is unsure can always step in and say what they want instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from agent.protocol import (
    ApplyPatchApprovalRequest,
    ApprovalRequest,
    ExecApprovalRequest,
    McpToolCallApprovalRequest,
    NetworkApprovalRequest,
    ReviewDecision,
)

from ._cells import ACCENT, MUTED
from ._dialog import Dialog
from ._diff import change_diff, change_title, render_diff
from ._format import command_text, display_path

Choice = tuple[str, ReviewDecision, str]
"""(key, decision, label)."""


def exec_choices(request: ExecApprovalRequest) -> list[Choice]:
    choices: list[Choice] = [
        ("y", "approved", "Yes, run it"),
        ("a", "approved_for_session", "Yes, and run this exact command without asking for the rest of the session"),
    ]
    if request.proposed_execpolicy_amendment:
        prefix = command_text(request.proposed_execpolicy_amendment)
        choices.append(
            ("p", "approved_execpolicy_amendment", f"Yes, and from now on allow commands starting with `{prefix}`")
        )
    refusals: list[Choice] = [
        ("d", "denied", "No, and let the agent carry on without it"),
        ("esc", "abort", "No, and stop the turn so I can say what to do instead"),
    ]
    return choices + refusals


def patch_choices(request: ApplyPatchApprovalRequest) -> list[Choice]:
    session_label = "Yes, and allow changes to these files for the rest of the session"
    if request.grant_root:
        session_label = f"Yes, and allow writing under {request.grant_root} for the rest of the session"
    return [
        ("y", "approved", "Yes, make the changes"),
        ("a", "approved_for_session", session_label),
        ("d", "denied", "No, and let the agent carry on without them"),
        ("esc", "abort", "No, and stop the turn so I can say what to do instead"),
    ]


def mcp_choices(request: McpToolCallApprovalRequest) -> list[Choice]:
    call = request.invocation
    return [
        ("y", "approved", "Yes, call it"),
        ("a", "approved_for_session", f"Yes, and allow `{call.tool}` of `{call.server}` for the rest of the session"),
        ("d", "denied", "No, and let the agent carry on without it"),
        ("esc", "abort", "No, and stop the turn so I can say what to do instead"),
    ]


def network_choices(request: NetworkApprovalRequest) -> list[Choice]:
    return [
        ("y", "approved", "Yes, this once"),
        ("a", "approved_for_session", f"Yes, and allow {request.host} for the rest of the session"),
        ("d", "denied", "No, keep it blocked"),
        ("esc", "abort", "No, and stop the turn so I can say what to do instead"),
    ]


class ApprovalDialog(Dialog[ReviewDecision]):
    """A question, the details, and the choices."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "decide('abort')", "stop the turn", show=False)]

    def __init__(self, title: str, details: RenderableType, choices: list[Choice]) -> None:
        super().__init__()
        self._title = title
        self._details = details
        self._choices = choices
        self._by_key: dict[str, ReviewDecision] = {key: decision for key, decision, _ in choices}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(self._title, style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-details"):
                yield Static(self._details)
            options = [
                Option(Text.assemble((f"{key:>3}  ", ACCENT), label), id=decision)
                for key, decision, label in self._choices
            ]
            yield OptionList(*options, classes="dialog-choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        if event.key in self._by_key and event.key != "esc":
            event.stop()
            self.dismiss(self._by_key[event.key])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        decision: ReviewDecision | None = next((d for _, d, _ in self._choices if d == event.option.id), None)
        if decision is not None:
            self.dismiss(decision)

    def action_decide(self, decision: ReviewDecision) -> None:
        self.dismiss(decision)


def exec_details(request: ExecApprovalRequest, cwd: Path | None) -> RenderableType:
    parts: list[RenderableType] = [Text.assemble(("$ ", MUTED), (command_text(request.command), f"bold {ACCENT}"))]
    parts.append(Text.assemble(("in ", MUTED), display_path(request.cwd, None)))
    if request.reason:
        parts.append(Text.assemble(("why: ", MUTED), (request.reason, "italic")))
    return Group(*parts)


def patch_details(request: ApplyPatchApprovalRequest, cwd: Path | None) -> RenderableType:
    parts: list[RenderableType] = []
    if request.reason:
        parts.append(Text.assemble(("why: ", MUTED), (request.reason, "italic")))
    for path, change in request.changes.items():
        parts.append(change_title(path, change, cwd))
        diff = change_diff(change)
        if diff.strip():
            parts.append(render_diff(diff))
    return Group(*parts)


def exec_dialog(request: ExecApprovalRequest, cwd: Path | None) -> ApprovalDialog:
    return ApprovalDialog("Allow the agent to run this command?", exec_details(request, cwd), exec_choices(request))


def patch_dialog(request: ApplyPatchApprovalRequest, cwd: Path | None) -> ApprovalDialog:
    count = len(request.changes)
    title = f"Allow the agent to change {'this file' if count == 1 else f'these {count} files'}?"
    return ApprovalDialog(title, patch_details(request, cwd), patch_choices(request))


def mcp_details(request: McpToolCallApprovalRequest) -> RenderableType:
    call = request.invocation
    parts: list[RenderableType] = [Text.assemble(("tool ", MUTED), (f"{call.server} / {call.tool}", f"bold {ACCENT}"))]
    if call.arguments:
        parts.append(Text(json.dumps(call.arguments, ensure_ascii=False, indent=2)))
    return Group(*parts)


def network_details(request: NetworkApprovalRequest) -> RenderableType:
    port = f":{request.port}" if request.port is not None else ""
    parts: list[RenderableType] = [Text.assemble(("to ", MUTED), (f"{request.host}{port}", f"bold {ACCENT}"))]
    if request.method:
        parts.append(Text.assemble(("method ", MUTED), request.method))
    if request.reason:
        parts.append(Text.assemble(("why: ", MUTED), (request.reason, "italic")))
    return Group(*parts)


def approval_dialog(request: ApprovalRequest, cwd: Path | None) -> ApprovalDialog:
    """The dialog for any kind of question."""
    match request:
        case ExecApprovalRequest():
            return exec_dialog(request, cwd)
        case ApplyPatchApprovalRequest():
            return patch_dialog(request, cwd)
        case McpToolCallApprovalRequest():
            return ApprovalDialog("Allow the agent to call this MCP tool?", mcp_details(request), mcp_choices(request))
        case NetworkApprovalRequest():
            title = "Allow a command to reach a host the network policy does not list?"
            return ApprovalDialog(title, network_details(request), network_choices(request))


def approval_subject(request: ApprovalRequest, cwd: Path | None) -> str:
    """How the transcript names what was asked about."""
    match request:
        case ExecApprovalRequest():
            return exec_subject(request)
        case ApplyPatchApprovalRequest():
            return patch_subject(request, cwd)
        case McpToolCallApprovalRequest(invocation=call):
            return f"the MCP tool `{call.tool}` of `{call.server}`"
        case NetworkApprovalRequest():
            return f"network access to {request.host}"


def decision_text(decision: ReviewDecision, subject: str) -> str:
    """The transcript line recording what the person decided."""
    return {
        "approved": f"You allowed {subject}",
        "approved_for_session": f"You allowed {subject} for this session",
        "approved_execpolicy_amendment": f"You allowed {subject}, and commands like it from now on",
        "denied": f"You declined {subject}; the agent carries on without it",
        "abort": f"You stopped the turn at {subject}",
    }[decision]


def exec_subject(request: ExecApprovalRequest) -> str:
    text = command_text(request.command)
    return f"`{text if len(text) <= 60 else text[:59] + '…'}`"


def patch_subject(request: ApplyPatchApprovalRequest, cwd: Path | None) -> str:
    names = [display_path(p, cwd) for p in request.changes]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"changes to {shown}"
