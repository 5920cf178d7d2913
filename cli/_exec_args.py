"""`pycodex exec`'s argument list, parsed without typer.

`exec` is the command scripts start over and over, and building the whole typer app costs it ~50 ms before the
first model request. So `cli.main` parses a plain `exec` invocation here. The typer command in `_exec_cmd` stays
the reference: it renders `--help` and words the usage errors, so anything this parser is not sure about (help, an
unknown option, a missing value, a second prompt) returns None and the argument list goes to typer unchanged.
Both are built from the one declaration of the options, `_exec_options.ExecOptions`;
`tests/cli/test_exec_args.py` checks that they agree.
"""

from __future__ import annotations

from typing import Any

from ._exec_options import OPTIONS as _TABLE

# option spelling → (field of `ExecOptions`, kind), from the one declaration in `_exec_options`.
OPTIONS: dict[str, tuple[str, str]] = {spelling: (o.dest, o.kind) for o in _TABLE for spelling in o.flags}

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
