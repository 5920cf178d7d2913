"""Options given before the command (`pycodex -c model=X exec ...`), honoured as Codex does.

`hoist` takes the options in front of the first word of the command line and moves them to where the command
reads them: right after the command (after the group's own subcommand for `config explain`, `mcp list`, ...). An
option the command does not have is translated into the `-c` override it stands for when the command has `-c`
(`-m X` → `-c model="X"`), or refused with a usage error that says so. `mcp` has no `-c` of its own: its `-c`
overrides are kept in `MCP_CONFIG_OVERRIDES`, which its commands read.

A first word that is not a command is the TUI's first prompt (`pycodex "fix the tests"`): it becomes `--prompt`.
"""

from __future__ import annotations

import functools
import json

# Codex's global options that exec does not have; the others are the ones `_exec_options` marks `before`.
_NOT_EXEC: dict[str, tuple[str, bool]] = {
    "-a": ("--ask-for-approval", True),
    "--ask-for-approval": ("--ask-for-approval", True),
}
_CONFIG_ONLY = frozenset({"--config", "--profile", "--strict-config"})


@functools.cache
def global_options() -> dict[str, tuple[str, bool]]:
    """option → (canonical long name, whether it takes a value). Built on first use: the table of exec's options is
    only imported when an option comes before the command."""
    from ._exec_options import OPTIONS

    table = dict(_NOT_EXEC)
    for option in OPTIONS:
        if option.before:
            table.update(dict.fromkeys(option.flags, (option.flags[0], option.kind != "flag")))
    return table


@functools.cache
def accepts() -> dict[str, frozenset[str]]:
    """command → the global options it has itself; the groups list their subcommands' words."""
    every = frozenset(name for name, _ in global_options().values())
    return {
        "exec": every - {name for name, _ in _NOT_EXEC.values()},
        "resume": every - {"--dangerously-bypass-approvals-and-sandbox"},
        "config": _CONFIG_ONLY | {"--cd"},
        "mcp-server": _CONFIG_ONLY,
        "mcp": frozenset(),
        "sandbox": frozenset({"--config", "--full-auto", "--cd"}),
    }


GROUPS = frozenset({"config", "mcp", "sandbox", "execpolicy"})
COMMANDS = frozenset(
    {
        "exec",
        "resume",
        "config",
        "mcp-server",
        "mcp",
        "sandbox",
        "execpolicy",
        "apply-patch",
        "sessions",
        "archive",
        "unarchive",
        "delete",
        "help",
    }
)

# What an option means as a config override, for commands that only have `-c`.
_AS_CONFIG = {"--model": "model", "--sandbox": "sandbox_mode", "--ask-for-approval": "approval_policy"}

MCP_CONFIG_OVERRIDES: list[str] = []
"""`-c` overrides given before `mcp`; its commands apply them to the servers they read."""


class GlobalOptionError(Exception):
    """An option before the command that the command cannot use (exit code 2)."""


def _leading(argv: list[str]) -> tuple[list[tuple[str, str | None]], int]:
    """The (canonical option, value) pairs in front of the first word, and that word's index."""
    found: list[tuple[str, str | None]] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        name, has_inline, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        spec = global_options().get(name)
        if spec is None:
            break
        canonical, takes_value = spec
        if not takes_value:
            found.append((canonical, None))
            index += 1
            continue
        if has_inline:
            found.append((canonical, inline))
            index += 1
        elif index + 1 < len(argv):
            found.append((canonical, argv[index + 1]))
            index += 2
        else:
            break  # a missing value: typer words that error
    return found, index


def _words(options: list[tuple[str, str | None]]) -> list[str]:
    out: list[str] = []
    for name, value in options:
        out.extend([name] if value is None else [name, value])
    return out


def hoist(argv: list[str]) -> list[str]:
    """`argv` with the options before the command moved after it (see the module docstring).

    Raises:
        GlobalOptionError: an option the command cannot use.
    """
    if not argv or not argv[0].startswith("-"):
        return argv  # nothing before the command
    options, index = _leading(argv)
    if not options or index >= len(argv):
        return argv
    command = argv[index]
    rest = argv[index + 1 :]
    if command.startswith("-"):
        return argv  # help, --version, an unknown option: typer's job, with the options where they were
    if command not in COMMANDS:
        # `pycodex [OPTIONS] "PROMPT"`: the TUI with a first prompt.
        return [*_words(options), "--prompt", command, *rest]
    accepted = accepts().get(command, frozenset())
    kept: list[tuple[str, str | None]] = []
    for name, value in options:
        if name in accepted:
            kept.append((name, value))
        elif name == "--config" and command == "mcp":
            MCP_CONFIG_OVERRIDES.append(value or "")
        elif name in _AS_CONFIG and "--config" in accepted and value is not None:
            kept.append(("--config", f"{_AS_CONFIG[name]}={json.dumps(value)}"))
        else:
            raise GlobalOptionError(f"{name} given before `{command}` does not apply to `pycodex {command}`")
    if command in GROUPS and rest and not rest[0].startswith("-"):
        return [command, rest[0], *_words(kept), *rest[1:]]
    return [command, *_words(kept), *rest]
