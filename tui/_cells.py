"""Transcript cells: what happened in the thread, as data, and how each entry looks.

A cell is plain data plus `renderable(details)`, a Rich renderable. The same renderable is shown by a live widget
while the cell can still change and, once the cell is settled and scrolled away, drawn into the history view's line
cache; so a cell looks the same wherever it is. `details` is the transcript-wide "show everything" switch (Ctrl+O):
reasoning unfolded, command output and diffs in full.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ._diff import change_diff, change_title, git_file_title, render_diff, split_git_diff
from ._format import command_text, display_path, duration_text, first_line

if TYPE_CHECKING:
    from agent.protocol import FileChange, PlanItem

OUTPUT_TAIL_LINES = 5
DIFF_PREVIEW_LINES = 40
MUTED = "bright_black"
ACCENT = "cyan"


def _indented(renderable: RenderableType, left: int = 2) -> Padding:
    return Padding(renderable, (0, 0, 0, left))


def _bullet(style: str, mark: str = "•") -> Text:
    return Text(f"{mark} ", style=style)


class Cell:
    """One entry of the transcript."""

    finished: bool = True
    """False while the entry can still change (a command running, a message streaming)."""

    def renderable(self, details: bool) -> RenderableType:
        raise NotImplementedError

    def plain(self) -> str:
        """The cell's text without styling (for tests, search and copying)."""
        return ""


@dataclass(eq=False)
class HeaderCell(Cell):
    """The box that opens a session: version, model, directory, permissions."""

    version: str
    model: str
    cwd: Path
    approval_policy: str
    sandbox: str
    reasoning_effort: str | None = None
    resumed: bool = False

    def renderable(self, details: bool) -> RenderableType:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style=MUTED)
        grid.add_column()
        model = self.model + (f" ({self.reasoning_effort})" if self.reasoning_effort else "")
        grid.add_row("model", model)
        grid.add_row("directory", display_path(self.cwd, None))
        grid.add_row("permissions", f"{self.sandbox}, approvals {self.approval_policy}")
        title = Text.assemble((">_ ", ACCENT), ("pycodex", "bold"), (f" v{self.version}", MUTED))
        if self.resumed:
            title.append("  resumed", style=ACCENT)
        return Panel.fit(Group(title, Text(), grid), border_style=MUTED, padding=(0, 1))

    def plain(self) -> str:
        return f"pycodex v{self.version} model {self.model} directory {self.cwd}"


@dataclass(eq=False)
class UserCell(Cell):
    text: str
    images: tuple[str, ...] = ()
    steering: bool = False
    """Sent while a turn was running: the model sees it with its next request."""

    def renderable(self, details: bool) -> RenderableType:
        body = Text()
        for index, line in enumerate(self.text.splitlines() or [""]):
            body.append("› " if index == 0 else "  ", style=f"bold {ACCENT}")
            body.append(line + "\n", style="bold")
        for image in self.images:
            body.append(f"  ▣ {image}\n", style=MUTED)
        if self.steering:
            body.append("  (added to the running turn)\n", style=MUTED)
        body.rstrip()
        return body

    def plain(self) -> str:
        return self.text


@dataclass(eq=False)
class AgentCell(Cell):
    """An answer from the agent, in Markdown; streamed while `finished` is False."""

    text: str = ""
    finished: bool = False

    def renderable(self, details: bool) -> RenderableType:
        from rich.markdown import Markdown  # ~50 ms to import: not before the first paint

        return Markdown(self.text, code_theme="ansi_dark", hyperlinks=False)

    def plain(self) -> str:
        return self.text


@dataclass(eq=False)
class ReasoningCell(Cell):
    """A reasoning summary: one muted line, unfolded with details on."""

    text: str = ""
    finished: bool = False

    @property
    def title(self) -> str:
        head = first_line(self.text, 100)
        if head.startswith("**") and head.endswith("**") and len(head) > 4:
            return head[2:-2]
        return head or "Thinking"

    def renderable(self, details: bool) -> RenderableType:
        line = Text.assemble(_bullet(MUTED, "◦"), ("Thinking: ", MUTED), (self.title, f"italic {MUTED}"))
        if not details:
            return line
        body = self.text.strip()
        if body.startswith("**"):
            body = body.split("\n", 1)[1].strip() if "\n" in body else ""
        if not body:
            return line
        return Group(line, _indented(Text(body, style=f"italic {MUTED}")))

    def plain(self) -> str:
        return self.text


@dataclass(eq=False)
class CommandCell(Cell):
    """A command the agent ran: the command, its output (the tail, or all with details), exit code and time."""

    call_id: str
    command: tuple[str, ...]
    cwd: str
    output: str = ""
    exit_code: int | None = None
    duration_ms: int | None = None
    finished: bool = False

    def renderable(self, details: bool) -> RenderableType:
        head = Text()
        if not self.finished:
            head.append("◌ ", style=ACCENT)
            head.append("Running ", style="bold")
        elif self.exit_code is None:
            head.append("■ ", style="yellow")
            head.append("Stopped ", style="bold")
        elif self.exit_code == 0:
            head.append("✓ ", style="green")
            head.append("Ran ", style="bold")
        else:
            head.append("✗ ", style="red")
            head.append("Ran ", style="bold")
        head.append(command_text(self.command), style=ACCENT)
        parts: list[RenderableType] = [head]
        lines = self.output.rstrip("\n").splitlines()
        if lines:
            shown = lines if details else lines[-OUTPUT_TAIL_LINES:]
            out = Text(style=MUTED)
            if len(shown) < len(lines):
                hidden = len(lines) - len(shown)
                out.append(f"… {hidden} earlier line{'s' if hidden != 1 else ''} (ctrl+o shows all)\n")
            out.append("\n".join(shown))
            parts.append(_indented(out, 4))
        if self.finished and self.exit_code is not None:
            status = Text("  ")
            status.append(f"exit {self.exit_code}", style="green" if self.exit_code == 0 else "red")
            if self.duration_ms is not None:
                status.append(f" · {duration_text(self.duration_ms)}", style=MUTED)
            parts.append(status)
        return Group(*parts)

    def plain(self) -> str:
        return f"$ {command_text(self.command)}\n{self.output}\nexit {self.exit_code}"


@dataclass(eq=False)
class PatchCell(Cell):
    """File changes the agent made (or proposed): a title per file and its coloured diff."""

    call_id: str
    changes: Mapping[str, FileChange]
    cwd: Path | None = None
    success: bool | None = None
    stderr: str = ""
    finished: bool = False

    def renderable(self, details: bool) -> RenderableType:
        head = Text()
        if self.success is None and self.finished:
            head.append("■ ", style="yellow")
            head.append("Changes interrupted", style="bold")
        elif self.success is None:
            head.append("◌ ", style=ACCENT)
            head.append("Applying changes", style="bold")
        elif self.success:
            head.append("✓ ", style="green")
            head.append("Changed files", style="bold")
        else:
            head.append("✗ ", style="red")
            head.append("Changes failed", style="bold")
        parts: list[RenderableType] = [head]
        for path, change in self.changes.items():
            parts.append(_indented(change_title(path, change, self.cwd)))
            diff = change_diff(change)
            if diff.strip():
                parts.append(_indented(render_diff(diff, max_lines=None if details else DIFF_PREVIEW_LINES), 4))
        if self.success is False and self.stderr.strip():
            parts.append(_indented(Text(self.stderr.strip(), style="red")))
        return Group(*parts)

    def plain(self) -> str:
        return "\n".join(f"{path}\n{change_diff(change)}" for path, change in self.changes.items())


_PLAN_MARKS: dict[str, tuple[str, str]] = {
    "completed": ("✔ ", f"{MUTED} strike"),
    "in_progress": ("▸ ", f"bold {ACCENT}"),
    "pending": ("□ ", ""),
}


@dataclass(eq=False)
class PlanCell(Cell):
    items: Sequence[PlanItem]
    explanation: str | None = None

    def renderable(self, details: bool) -> RenderableType:
        done = sum(1 for item in self.items if item.status == "completed")
        head = Text.assemble(_bullet(ACCENT), ("Plan", "bold"), (f"  {done}/{len(self.items)} done", MUTED))
        body = Text()
        if self.explanation:
            body.append(self.explanation.strip() + "\n", style=f"italic {MUTED}")
        for item in self.items:
            mark, style = _PLAN_MARKS[item.status]
            body.append(mark, style=style or None)
            body.append(item.step + "\n", style=style or None)
        body.rstrip()
        return Group(head, _indented(body, 4))

    def plain(self) -> str:
        return "\n".join(f"[{item.status}] {item.step}" for item in self.items)


def _mcp_result_text(result: Mapping[str, Any] | None) -> str:
    if not result:
        return ""
    texts: list[str] = []
    content: Any = result.get("content")
    if isinstance(content, list):
        for block in content:  # pyright: ignore[reportUnknownVariableType]
            if isinstance(block, dict) and block.get("type") == "text":  # pyright: ignore[reportUnknownMemberType]
                texts.append(str(block.get("text", "")))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            elif isinstance(block, dict):
                texts.append(f"[{block.get('type', 'content')}]")  # pyright: ignore[reportUnknownMemberType]
    if not texts and result.get("structuredContent") is not None:
        texts.append(json.dumps(result["structuredContent"], ensure_ascii=False))
    return "\n".join(texts)


@dataclass(eq=False)
class SubAgentCell(Cell):
    """A sub-agent the model started: its state and last message (ctrl+o shows the whole message). A click on it
    (or `/agents`) opens the child's own transcript."""

    agent_id: str
    status: str = "pending_init"
    message: str | None = None
    nickname: str | None = None

    def renderable(self, details: bool) -> RenderableType:
        running = self.status in ("pending_init", "running")
        failed = self.status in ("errored", "interrupted", "not_found")
        head = Text()
        head.append(
            "◌ " if running else ("✗ " if failed else "✓ "), style=ACCENT if running else ("red" if failed else "green")
        )
        head.append("Sub-agent ", style="bold")
        if self.nickname:
            head.append(self.nickname + " ", style=f"bold {ACCENT}")
        head.append(self.agent_id[:8], style=MUTED if self.nickname else ACCENT)
        head.append(f" · {self.status.replace('_', ' ')}", style=MUTED)
        head.append(" · click to open", style=f"italic {MUTED}")
        parts: list[RenderableType] = [head]
        if self.message:
            lines = self.message.splitlines() or [""]
            shown = lines if details else lines[:1]
            body = Text("\n".join(shown), style=MUTED)
            if len(shown) < len(lines):
                body.append(" …", style=MUTED)
            parts.append(_indented(body, 4))
        if details:
            hint = f"its transcript: click here or type /agents (after this session: pycodex resume {self.agent_id})"
            parts.append(_indented(Text(hint, style=MUTED), 4))
        return Group(*parts)

    def plain(self) -> str:
        name = f"{self.nickname} " if self.nickname else ""
        return f"sub-agent {name}{self.agent_id} {self.status} {self.message or ''}".rstrip()


@dataclass(eq=False)
class McpCell(Cell):
    """A call to a tool of an MCP server."""

    call_id: str
    server: str
    tool: str
    arguments: Any = None
    result: Mapping[str, Any] | None = None
    error: str | None = None
    is_error: bool = False
    duration_ms: int | None = None
    finished: bool = False

    def renderable(self, details: bool) -> RenderableType:
        head = Text()
        failed = self.error is not None or self.is_error
        if not self.finished:
            head.append("◌ ", style=ACCENT)
            head.append("Calling ", style="bold")
        else:
            head.append("✗ " if failed else "✓ ", style="red" if failed else "green")
            head.append("Called ", style="bold")
        head.append(f"{self.server}.{self.tool}", style=ACCENT)
        args = "" if self.arguments is None else json.dumps(self.arguments, ensure_ascii=False)
        if args and args != "{}":
            head.append("(" + (args if details or len(args) <= 80 else args[:79] + "…") + ")", style=MUTED)
        if self.finished and self.duration_ms is not None:
            head.append(f" · {duration_text(self.duration_ms)}", style=MUTED)
        parts: list[RenderableType] = [head]
        text = self.error or _mcp_result_text(self.result)
        if text:
            lines = text.splitlines()
            shown = lines if details else lines[:OUTPUT_TAIL_LINES]
            out = Text("\n".join(shown), style="red" if failed else MUTED)
            if len(shown) < len(lines):
                out.append(f"\n… {len(lines) - len(shown)} more lines (ctrl+o shows all)", style=MUTED)
            parts.append(_indented(out, 4))
        return Group(*parts)

    def plain(self) -> str:
        return f"{self.server}.{self.tool} {self.error or _mcp_result_text(self.result)}"


NoticeKind = Literal["info", "warning", "error", "interrupted", "approval", "hook"]
_NOTICE_STYLE: dict[str, tuple[str, str]] = {
    "info": ("• ", MUTED),
    "warning": ("⚠ ", "yellow"),
    "error": ("■ ", "red"),
    "interrupted": ("■ ", "yellow"),
    "approval": ("✔ ", ACCENT),
    "hook": ("↪ ", MUTED),
}


@dataclass(eq=False)
class NoticeCell(Cell):
    """One line from pycodex itself: a warning, an error, an interruption, an approval decision, a hint."""

    kind: NoticeKind
    text: str

    def renderable(self, details: bool) -> RenderableType:
        mark, style = _NOTICE_STYLE[self.kind]
        return Text.assemble((mark, style), (self.text, style if self.kind != "info" else ""))

    def plain(self) -> str:
        return self.text


@dataclass(eq=False)
class TurnEndCell(Cell):
    """A rule under a finished turn, with how long it took."""

    elapsed_ms: int | None

    def renderable(self, details: bool) -> RenderableType:
        return Rule(self.plain(), style=MUTED, characters="─")

    def plain(self) -> str:
        return "" if self.elapsed_ms is None else f"worked for {duration_text(self.elapsed_ms)}"


@dataclass(eq=False)
class DiffCell(Cell):
    """The working tree's changes (`/diff`)."""

    diff: str
    untracked: Sequence[str] = field(default_factory=lambda: ())

    def renderable(self, details: bool) -> RenderableType:
        files = split_git_diff(self.diff)
        if not files and not self.untracked:
            return Text.assemble(_bullet(MUTED), ("No changes in the working tree.", MUTED))
        parts: list[RenderableType] = [Text.assemble(_bullet(ACCENT), ("Working tree changes", "bold"))]
        for path, chunk in files:
            parts.append(_indented(git_file_title(path, chunk)))
            parts.append(_indented(render_diff(chunk, max_lines=None if details else DIFF_PREVIEW_LINES * 2), 4))
        parts.extend(_indented(Text.assemble(("Untracked ", "bold"), path)) for path in self.untracked)
        return Group(*parts)

    def plain(self) -> str:
        return self.diff + "\n".join(self.untracked)


@dataclass(eq=False)
class StatusCell(Cell):
    """`/status`: a titled table of settings and figures."""

    title: str
    rows: Sequence[tuple[str, str]]

    def renderable(self, details: bool) -> RenderableType:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style=MUTED, no_wrap=True)
        grid.add_column()
        for key, value in self.rows:
            grid.add_row(key, value)
        return Group(Text.assemble(_bullet(ACCENT), (self.title, "bold")), _indented(grid))

    def plain(self) -> str:
        return "\n".join(f"{key}: {value}" for key, value in self.rows)
