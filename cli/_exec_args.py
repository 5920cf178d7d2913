"""`pycodex exec`'s argument list, parsed without typer.

`exec` is the command scripts start over and over, and building the whole typer app costs it ~50 ms before the
first model request. So `cli.main` parses a plain `exec` invocation here. The typer command in `_exec_cmd` stays
the reference: it renders `--help` and words the usage errors, so anything this parser is not sure about (help, an
unknown option, a missing value, a second prompt) returns None and the argument list goes to typer unchanged.
`tests/cli/test_exec_args.py` checks that both parsers agree.
"""

from __future__ import annotations

from typing import Any

# option → (field of cli._exec_run.ExecOptions, kind): "flag" (no value), "value" (last one wins), "path",
# "list" (repeatable) or "paths" (repeatable paths).
OPTIONS: dict[str, tuple[str, str]] = {
    "--json": ("json_mode", "flag"),
    "--experimental-json": ("json_mode", "flag"),
    "--output-last-message": ("output_last_message", "path"),
    "-o": ("output_last_message", "path"),
    "--output-schema": ("output_schema", "path"),
    "--model": ("model", "value"),
    "-m": ("model", "value"),
    "--sandbox": ("sandbox", "value"),
    "-s": ("sandbox", "value"),
    "--cd": ("cd", "path"),
    "-C": ("cd", "path"),
    "--skip-git-repo-check": ("skip_git_repo_check", "flag"),
    "--ephemeral": ("ephemeral", "flag"),
    "--image": ("images", "paths"),
    "-i": ("images", "paths"),
    "--full-auto": ("full_auto", "flag"),
    "--dangerously-bypass-approvals-and-sandbox": ("yolo", "flag"),
    "--yolo": ("yolo", "flag"),
    "--config": ("config", "list"),
    "-c": ("config", "list"),
    "--profile": ("profile", "value"),
    "-p": ("profile", "value"),
    "--oss": ("oss", "flag"),
    "--strict-config": ("strict_config", "flag"),
    "--add-dir": ("add_dirs", "paths"),
    "--thread-source": ("thread_source", "value"),
    "--cyber-access-program": ("cyber_access_program", "value"),
    "--dangerously-bypass-hook-trust": ("bypass_hook_trust", "flag"),
}

# The options that take a value (so the next word is not the prompt, nor `resume`/`fork`).
VALUE_OPTIONS = frozenset(name for name, (_, kind) in OPTIONS.items() if kind != "flag")


def parse_exec(args: list[str]) -> dict[str, Any] | None:
    """Keyword arguments for `ExecOptions` from the words after `exec`, or None to let typer handle them."""
    from pathlib import Path

    parsed: dict[str, Any] = {}
    prompt: str | None = None
    index = 0
    only_positionals = False
    while index < len(args):
        word = args[index]
        index += 1
        if only_positionals or word == "-" or not word.startswith("-"):
            if prompt is not None or (word == "review" and not only_positionals):
                return None  # a second prompt; or `exec review`, a command of its own
            prompt = word
            continue
        if word == "--":
            only_positionals = True
            continue
        name, has_inline, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        spec = OPTIONS.get(name)
        if spec is None:
            return None  # help, an unknown option, or short options run together: typer's job
        dest, kind = spec
        if kind == "flag":
            if has_inline:
                return None
            parsed[dest] = True
            continue
        if has_inline:
            value = inline
        elif index < len(args):
            value = args[index]
            index += 1
        else:
            return None
        if kind == "value":
            parsed[dest] = value
        elif kind == "path":
            parsed[dest] = Path(value)
        elif kind == "list":
            parsed.setdefault(dest, []).append(value)
        else:
            parsed.setdefault(dest, []).append(Path(value))
    if prompt is not None:
        parsed["prompt"] = prompt
    return parsed


def first_positional(argv: list[str], start: int) -> int | None:
    """Index of the first word of `argv[start:]` that is not an option or an option's value."""
    index = start
    while index < len(argv):
        word = argv[index]
        if word == "--":
            return index + 1 if index + 1 < len(argv) else None
        if word in VALUE_OPTIONS:
            index += 2
            continue
        if word.startswith("-") and word != "-":
            index += 1
            continue
        return index
    return None
