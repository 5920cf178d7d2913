"""Recognise a patch sent as a command instead of through the apply_patch tool.

Models sometimes run `apply_patch` through the shell tool: `["apply_patch", PATCH]`, or a shell script such as
`bash -lc "apply_patch <<'EOF' ... EOF"`, optionally preceded by `cd DIR &&`. Codex intercepts exactly these forms
(it parses the script with tree-sitter-bash and accepts one statement and nothing else); this module accepts the
same forms with a small hand-written scanner and rejects everything else, so a near miss is run as an ordinary
command rather than guessed at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from .errors import PatchParseError

APPLY_PATCH_COMMANDS = ("apply_patch", "applypatch")
IMPLICIT_INVOCATION_MESSAGE = 'patch detected without explicit call to apply_patch. Rerun as ["apply_patch", "<patch>"]'

_BLANK = " \t"
# Patterns are compiled on first use (`re` caches them), not at import: `pycodex apply-patch` never needs them.
_WORD = r"[^\s;&|<>()$`\"'\\]+"
# A heredoc delimiter: bare characters and quoted pieces, glued together (`EOF`, `'EOF'`, `"EOF"`, `E'O'F`).
_DELIMITER = r"(?:[^\s;&|<>()'\"]+|'[^'\n]*'|\"[^\"\n]*\")+"


def extract_shell_invocation(argv: Sequence[str]) -> tuple[str, str | None] | None:
    """Return `(patch_text, workdir)` when `argv` invokes apply_patch, else None.

    Args:
        argv: A command as an argument vector.

    Returns:
        The patch text (not yet parsed) and the directory of a leading `cd DIR &&` (as written, to be joined onto
        the command's working directory), or None when `argv` is not an apply_patch invocation.
    """
    if len(argv) == 2 and argv[0] in APPLY_PATCH_COMMANDS:
        return argv[1], None
    script = _shell_script(argv)
    if script is None:
        return None
    return _parse_script(script)


def is_implicit_invocation(argv: Sequence[str]) -> bool:
    """True when `argv` is a bare patch (alone, or as a whole shell script) with no apply_patch command.

    Codex refuses such a call with IMPLICIT_INVOCATION_MESSAGE rather than running the patch text as a command.
    """
    from ._parser import parse_patch

    candidates: list[str] = []
    if len(argv) == 1:
        candidates.append(argv[0])
    script = _shell_script(argv)
    if script is not None:
        candidates.append(script)
    for text in candidates:
        try:
            parse_patch(text)
        except PatchParseError:
            continue
        return True
    return False


def _shell_script(argv: Sequence[str]) -> str | None:
    """The script of `[shell, flag, script]` (or PowerShell's `[shell, -NoProfile, -Command, script]`)."""
    if len(argv) == 3:
        return argv[2] if _is_shell_call(argv[0], argv[1]) else None
    if len(argv) == 4 and _shell_name(argv[0]) in ("pwsh", "powershell") and argv[1].lower() == "-noprofile":
        return argv[3] if _is_shell_call(argv[0], argv[2]) else None
    return None


def _shell_name(program: str) -> str:
    return os.path.splitext(os.path.basename(program))[0].lower()


def _is_shell_call(program: str, flag: str) -> bool:
    name = _shell_name(program)
    if name in ("bash", "zsh", "sh"):
        return flag in ("-lc", "-c")
    if name in ("pwsh", "powershell"):
        return flag.lower() == "-command"
    return name == "cmd" and flag.lower() == "/c"


def _parse_script(script: str) -> tuple[str, str | None] | None:
    """Accept `[cd DIR &&] apply_patch <<DELIM\\n...\\nDELIM` and nothing else."""
    at = _skip(script, 0, " \t\n")
    workdir: str | None = None
    if script.startswith("cd", at) and script[at + 2 : at + 3] in (" ", "\t"):
        parsed = _cd_argument(script, _skip(script, at + 2, _BLANK))
        if parsed is None:
            return None
        workdir, at = parsed
        at = _skip(script, at, _BLANK)
        if not script.startswith("&&", at):
            return None
        at = _skip(script, at + 2, " \t\n")
    name = next((name for name in APPLY_PATCH_COMMANDS if script.startswith(name, at)), None)
    if name is None:
        return None
    at = _skip(script, at + len(name), _BLANK)
    if not script.startswith("<<", at) or script.startswith("<<<", at):
        return None
    at += 2
    strip_tabs = script.startswith("-", at)
    at = _skip(script, at + 1 if strip_tabs else at, _BLANK)
    delimiter = re.compile(_DELIMITER).match(script, at)
    if delimiter is None:
        return None
    word = re.sub(r"'([^']*)'|\"([^\"]*)\"", lambda m: m.group(1) or m.group(2) or "", delimiter.group())
    at = _skip(script, delimiter.end(), _BLANK)
    if not script.startswith("\n", at):
        return None
    body = _heredoc_body(script[at + 1 :], word, strip_tabs)
    if body is None:
        return None
    return body, workdir


def _heredoc_body(rest: str, delimiter: str, strip_tabs: bool) -> str | None:
    """The heredoc's text up to its closing delimiter line, which may only be followed by blank space."""
    lines = rest.split("\n")
    for number, line in enumerate(lines):
        candidate = line.lstrip("\t") if strip_tabs else line
        if candidate != delimiter:
            continue
        if any(extra.strip(" \t") for extra in lines[number + 1 :]):
            return None
        body = "\n".join(lines[:number]).rstrip("\n")
        return body or None
    return None


def _cd_argument(script: str, at: int) -> tuple[str, int] | None:
    """One `cd` argument: a bare word, a single-quoted string, or a double-quoted string without expansions."""
    if script.startswith("'", at):
        end = script.find("'", at + 1)
        return None if end < 0 else (script[at + 1 : end], end + 1)
    if script.startswith('"', at):
        end = script.find('"', at + 1)
        if end < 0:
            return None
        value = script[at + 1 : end]
        return None if any(char in value for char in "$`\\") else (value, end + 1)
    word = re.compile(_WORD).match(script, at)
    return None if word is None else (word.group(), word.end())


def _skip(text: str, at: int, chars: str) -> int:
    while at < len(text) and text[at] in chars:
        at += 1
    return at
