"""Slash commands: the names, what each does, and matching what is typed against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import agent.skills


@dataclass(frozen=True)
class SlashCommand:
    name: str
    help: str
    while_running: bool = False
    """Usable while a turn runs (the others wait for the turn to end)."""
    takes_arguments: bool = False
    """Choosing it in the completion list leaves the cursor after it for arguments, even with Enter."""


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("new", "start a new session in this directory"),
    SlashCommand("resume", "open a past session"),
    SlashCommand("model", "choose the model and its reasoning effort"),
    SlashCommand("approvals", "choose what the agent may do without asking"),
    SlashCommand("compact", "summarise the conversation to free up context"),
    SlashCommand("diff", "show the working tree's changes, untracked files included", while_running=True),
    SlashCommand("status", "model, permissions, tokens used and context left", while_running=True),
    SlashCommand("mcp", "MCP servers and their tools", while_running=True),
    SlashCommand("agents", "open a sub-agent's own transcript (or: NAME)", while_running=True),
    SlashCommand("init", "ask the agent to write an AGENTS.md for this repository"),
    SlashCommand("review", "a read-only reviewer looks at your changes (or: base BRANCH, commit SHA, TEXT)"),
    SlashCommand("quit", "leave pycodex", while_running=True),
)

ALIASES = {"exit": "quit", "q": "quit", "clear": "new"}

_BY_NAME = {command.name: command for command in COMMANDS}


def parse_slash(text: str) -> tuple[SlashCommand, str] | str | None:
    """`(command, argument text)` for a slash command, the unknown name (a str) for `/nonsense`, None for
    ordinary text (including `/path/like/this` and text that merely starts with a slash and a space)."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, rest = stripped[1:].partition(" ")
    if "/" in head:
        return None
    name = ALIASES.get(head, head)
    command = _BY_NAME.get(name)
    if command is None:
        return head
    return command, rest.strip()


def complete_slash(prefix: str, extra: Sequence[SlashCommand] = ()) -> list[SlashCommand]:
    """Commands (the built-in ones, then `extra`) whose name starts with `prefix`, then those containing it."""
    commands = [*COMMANDS, *extra]
    starts = [c for c in commands if c.name.startswith(prefix)]
    contains = [c for c in commands if prefix in c.name and c not in starts]
    return starts + contains


def prompt_commands(prompts: Sequence[agent.skills.CustomPrompt]) -> list[SlashCommand]:
    """The `/prompts:<name>` commands of the user's custom prompts."""
    commands: list[SlashCommand] = []
    for prompt in prompts:
        text = prompt.description or f"your prompt in {prompt.path.name}"
        if prompt.argument_hint:
            text += f"  {prompt.argument_hint}"
        commands.append(SlashCommand(prompt.command, text, while_running=True, takes_arguments=prompt.takes_arguments))
    return commands
