"""Splitting `bash -lc "a && b"` into the commands it runs, with tree-sitter-bash, only when that is certain.

A script is split only if it consists of plain commands (bare words, quoted strings without expansions, and
concatenations of those) joined by `&&`, `||`, `;` and `|`. Anything else (redirections, `$VAR`, `$(...)`,
subshells, `&`, assignments, control flow) makes the script opaque and it is judged as one command.

Beyond Codex: a split also says whether it is `literal`. tree-sitter calls `-exe\\c`, `{-exec,sh}` and `*` plain
words, yet bash turns them into `-exec`, two words, or file names (and a file may be named `-delete`). Such a split
still serves to match rules, but is not trusted to prove a command harmless.

tree-sitter is imported on first use (it is not needed to load a policy); the language is built once and each
thread gets its own parser, because a tree-sitter parser must not be shared between threads.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tree_sitter

# Exact names and system paths only: a file the model wrote (`./bash`, `/tmp/bash`) must not be trusted as a shell.
_SHELLS = frozenset(
    {
        "bash",
        "/bin/bash",
        "/usr/bin/bash",
        "/usr/local/bin/bash",
        "/opt/homebrew/bin/bash",
        "zsh",
        "/bin/zsh",
        "/usr/bin/zsh",
        "/usr/local/bin/zsh",
        "/opt/homebrew/bin/zsh",
        "sh",
        "/bin/sh",
        "/usr/bin/sh",
    }
)
_SCRIPT_FLAGS = frozenset({"-lc", "-c"})

_PLAIN_NODE_KINDS = frozenset(
    {
        "program",
        "list",
        "pipeline",
        "command",
        "command_name",
        "word",
        "string",
        "string_content",
        "raw_string",
        "number",
        "concatenation",
    }
)
_PLAIN_TOKENS = frozenset({"&&", "||", ";", "|", '"', "'"})
_EXPANDING = frozenset("\\*?[{")  # backslash escapes, globs, brace expansion
_DOUBLE_QUOTE_ESCAPE = re.compile(r'\\([$`"\\\n])')
_HEREDOC_ATTACHMENTS = frozenset(
    {"heredoc_body", "simple_heredoc_body", "heredoc_redirect", "herestring_redirect", "redirected_statement"}
)


def extract_shell_script(argv: Sequence[str]) -> str | None:
    """The script of `[shell, "-lc" | "-c", script]` for bash, zsh or sh; None for any other argv."""
    if len(argv) != 3 or argv[1] not in _SCRIPT_FLAGS or argv[0] not in _SHELLS:
        return None
    return argv[2]


@dataclass(frozen=True, slots=True)
class PlainScript:
    """The commands of a plain script, in source order.

    Attributes:
        commands: each command's words; unquoted words as written, quoted ones as bash passes them on.
        literal: no unquoted word contains a backslash, a glob (`* ? [`) or a brace (`{`), so `commands` is
            exactly the argv bash would run.
    """

    commands: list[list[str]]
    literal: bool


def split_plain_script(script: str) -> PlainScript | None:
    """Split a script made only of plain commands joined by `&& || ; |`; None for anything else."""
    parsed = _parse(script)
    if parsed is None:
        return None
    root, source = parsed
    if root.has_error:
        return None
    command_nodes: list[tree_sitter.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_named:
            if node.type not in _PLAIN_NODE_KINDS:
                return None
            if node.type == "command":
                command_nodes.append(node)
        elif node.type not in _PLAIN_TOKENS and node.type.strip():
            return None
        stack.extend(node.children)
    command_nodes.sort(key=lambda node: node.start_byte)
    words = _Words(source)
    commands: list[list[str]] = []
    for node in command_nodes:
        command = words.of_plain_command(node)
        if command is None:
            return None
        commands.append(command)
    return PlainScript(commands, words.literal)


def parse_plain_commands(script: str) -> list[list[str]] | None:
    """The commands of a script made only of plain words joined by `&& || ; |`, in source order; else None."""
    split = split_plain_script(script)
    return None if split is None else split.commands


def split_shell_lc_script(argv: Sequence[str]) -> PlainScript | None:
    """`split_plain_script` for the script of a `bash -lc` argv; None if argv is not such a shell call."""
    script = extract_shell_script(argv)
    return None if script is None else split_plain_script(script)


def parse_shell_lc_plain_commands(argv: Sequence[str]) -> list[list[str]] | None:
    """For `bash -lc "<plain script>"`, the commands it runs; None if argv is not such a shell call."""
    split = split_shell_lc_script(argv)
    return None if split is None else split.commands


def parse_shell_lc_single_command_prefix(argv: Sequence[str]) -> list[str] | None:
    """For `bash -lc "python3 <<EOF ... EOF"`: the literal words of its single command (`["python3"]`).

    Only scripts that contain a heredoc, no file redirection and exactly one command whose words are literal
    qualify. The result is a prefix to match rules against, not a faithful account of what runs.
    """
    script = extract_shell_script(argv)
    if script is None:
        return None
    parsed = _parse(script)
    if parsed is None:
        return None
    root, source = parsed
    if root.has_error or not _has_named_descendant(root, "heredoc_redirect"):
        return None
    if _has_named_descendant(root, "file_redirect"):
        return None
    command = _single_command(root)
    return None if command is None else _heredoc_command_words(command, source)


class _Words:
    """Takes the words of command nodes, noting whether every unquoted word is passed on unchanged by bash.

    Only called on trees whose nodes all passed the plain-kinds check, so a command's children are a
    `command_name`, words, numbers, strings, raw strings and concatenations of those.
    """

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.literal = True

    def of_plain_command(self, command: tree_sitter.Node) -> list[str] | None:
        words: list[str] = []
        for child in command.named_children:
            if child.type == "command_name":
                name = child.named_children[0]
                if name.type != "word":  # `"ls"` or `$(which ls)` as the program
                    return None
                words.append(self._bare(name))
            else:
                word = self._word(child)
                if word is None:
                    return None
                words.append(word)
        return words

    def _word(self, node: tree_sitter.Node) -> str | None:
        if node.type in ("word", "number"):
            return self._bare(node)
        if node.type == "concatenation":
            return "".join(self._word(part) or "" for part in node.named_children) or None
        content = _text(node, self.source)[1:-1]  # a string or raw string without its quotes
        return _DOUBLE_QUOTE_ESCAPE.sub(_unescape, content) if node.type == "string" else content

    def _bare(self, node: tree_sitter.Node) -> str:
        text = _text(node, self.source)
        if not _is_literal_text(text):
            self.literal = False
        return text


def _is_literal_text(text: str) -> bool:
    """Whether bash passes an unquoted word on unchanged (no escape, glob or brace expansion in it)."""
    return not any(c in _EXPANDING for c in text)


def _unescape(match: re.Match[str]) -> str:
    # Inside double quotes a backslash escapes only $ ` " \ and newline (which it removes along with itself).
    escaped = match.group(1)
    return "" if escaped == "\n" else escaped


def _heredoc_command_words(command: tree_sitter.Node, source: bytes) -> list[str] | None:
    words: list[str] = []
    for child in command.named_children:
        if child.type == "command_name":
            name = child.named_children[0] if child.named_children else None
            if name is None or not _is_literal(name, source):
                return None
            words.append(_text(name, source))
        elif child.type in ("word", "number"):
            if not _is_literal(child, source):
                return None
            words.append(_text(child, source))
        elif child.type != "comment" and child.type not in _HEREDOC_ATTACHMENTS:  # pragma: no branch
            # tree-sitter-bash 0.25 hangs heredocs on a `redirected_statement` around the command; older grammars
            # (the one Codex pins) may attach them to the command itself, which is fine.
            return None
    return words or None


def _is_literal(node: tree_sitter.Node, source: bytes) -> bool:
    return node.type in ("word", "number") and not node.named_children and _is_literal_text(_text(node, source))


def _single_command(root: tree_sitter.Node) -> tree_sitter.Node | None:
    found: tree_sitter.Node | None = None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            if found is not None:
                return None
            found = node
        stack.extend(node.named_children)
    return found


def _has_named_descendant(root: tree_sitter.Node, kind: str) -> bool:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == kind:
            return True
        stack.extend(node.named_children)
    return False


def _text(node: tree_sitter.Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _parse(script: str) -> tuple[tree_sitter.Node, bytes] | None:
    try:
        source = script.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from undecodable argv bytes: not a script we can reason about
        return None
    tree = _parser().parse(source)
    return tree.root_node, source


_local = threading.local()


def _parser() -> tree_sitter.Parser:
    parser: tree_sitter.Parser | None = getattr(_local, "parser", None)
    if parser is None:
        import tree_sitter

        parser = tree_sitter.Parser(_language())
        _local.parser = parser
    return parser


@functools.cache
def _language() -> tree_sitter.Language:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Language(tree_sitter_bash.language())
