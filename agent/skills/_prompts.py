"""Custom prompts: Markdown files in `$CODEX_HOME/prompts/` that the TUI offers as `/prompts:<name>` commands.

The name is the file's stem. Optional frontmatter gives a `description` and an `argument-hint` for the command
list. In the body, `$1` … `$9` become the command's arguments (split like a shell splits them, so quotes group
words), `$ARGUMENTS` all of them joined by spaces, and `$$` a single `$`. Arguments given to a prompt with no
placeholder are added after it as a paragraph, so nothing typed is dropped.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._frontmatter import FrontmatterError, parse_frontmatter

PROMPTS_DIR = "prompts"
COMMAND_PREFIX = "prompts:"
_PLACEHOLDER = re.compile(r"\$\$|\$([1-9])|\$ARGUMENTS")


class PromptArgumentError(ValueError):
    """The arguments typed after a custom prompt's command cannot be split (an unclosed quote)."""


@dataclass(frozen=True)
class CustomPrompt:
    """One prompt file."""

    name: str
    path: Path
    body: str
    description: str | None = None
    argument_hint: str | None = None

    @property
    def command(self) -> str:
        """The slash command without its slash: `prompts:<name>`."""
        return COMMAND_PREFIX + self.name

    @property
    def takes_arguments(self) -> bool:
        return any(m.group(0) != "$$" for m in _PLACEHOLDER.finditer(self.body))


def prompts_dir(codex_home: Path) -> Path:
    return codex_home / PROMPTS_DIR


def load_custom_prompts(codex_home: Path) -> tuple[list[CustomPrompt], list[str]]:
    """The prompts of `$CODEX_HOME/prompts/*.md` by name, and a line for each file that was skipped and why."""
    folder = prompts_dir(codex_home)
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == ".md" and p.is_file())
    except OSError:
        return [], []
    prompts: list[CustomPrompt] = []
    problems: list[str] = []
    for path in paths:
        result = read_custom_prompt(path)
        if isinstance(result, str):
            problems.append(f"Skipped the custom prompt {path}: {result}")
        else:
            prompts.append(result)
    return prompts, problems


def read_custom_prompt(path: Path) -> CustomPrompt | str:
    """The prompt in `path`, or why it cannot be one."""
    name = path.stem
    if not name or any(ch.isspace() for ch in name):
        return "its file name must have no spaces, since the name is typed as a command"
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "it is not UTF-8 text"
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"
    front: dict[str, Any] = {}
    body = content
    if content.removeprefix("\ufeff").startswith("---"):
        try:
            front, body = parse_frontmatter(content)
        except FrontmatterError as exc:
            return f"its frontmatter is not valid: {exc}"
    fields: dict[str, str | None] = {}
    for key in ("description", "argument-hint"):
        value = front.get(key)
        if value is not None and not isinstance(value, str):
            return f"field `{key}` must be text"
        fields[key] = value.strip() if isinstance(value, str) and value.strip() else None
    return CustomPrompt(
        name=name,
        path=path,
        body=body.strip("\n"),
        description=fields["description"],
        argument_hint=fields["argument-hint"],
    )


def expand_prompt(prompt: CustomPrompt, arguments: str) -> str:
    """The prompt's body with its placeholders filled from `arguments` (the text typed after the command)."""
    try:
        args = shlex.split(arguments)
    except ValueError as exc:
        raise PromptArgumentError(f"the arguments of /{prompt.command} cannot be read: {exc}") from None

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$$":
            return "$"
        if token == "$ARGUMENTS":
            return " ".join(args)
        index = int(match.group(1)) - 1
        return args[index] if index < len(args) else ""

    text = _PLACEHOLDER.sub(fill, prompt.body)
    if args and not prompt.takes_arguments:
        text = f"{text}\n\n{arguments.strip()}"
    return text
