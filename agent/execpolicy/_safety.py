"""Heuristics for commands no rule matched: read-only commands that are safe to run, and ones that destroy data."""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Sequence

from ._bash import parse_shell_lc_plain_commands, split_shell_lc_script

_ALWAYS_SAFE = frozenset(
    {
        "cat",
        "cd",
        "cut",
        "echo",
        "expr",
        "false",
        "grep",
        "head",
        "id",
        "ls",
        "nl",
        "paste",
        "pwd",
        "rev",
        "seq",
        "stat",
        "tail",
        "tr",
        "true",
        "uname",
        "uniq",
        "wc",
        "which",
        "whoami",
    }
)
_LINUX_SAFE = frozenset({"numfmt", "tac"})

_UNSAFE_FIND_OPTIONS = frozenset(
    # run commands / delete files / write file names to a file
    {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"}
)
_UNSAFE_RG_FLAGS = frozenset({"--search-zip", "-z"})  # spawns decompressors
_UNSAFE_RG_OPTIONS_WITH_VALUE = ("--pre", "--hostname-bin")  # run an arbitrary program

_SAFE_GIT_SUBCOMMANDS = ("status", "log", "diff", "show", "branch")
_UNSAFE_GIT_FLAGS = frozenset({"--output", "--ext-diff", "--textconv", "--exec", "--paginate"})
_GIT_OPTIONS_WITH_VALUE = frozenset(
    {"-C", "-c", "--config-env", "--exec-path", "--git-dir", "--namespace", "--super-prefix", "--work-tree"}
)
_GIT_READ_ONLY_BRANCH_FLAGS = frozenset(
    {"--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose"}
)


def is_known_safe_command(argv: Sequence[str]) -> bool:
    """Whether `argv` only reads: a read-only command, or a plain `bash -lc` script made only of such commands.

    `zsh` is treated as `bash`. A script whose unquoted words bash would expand (`*`, `{a,b}`, `\\`) never counts:
    its split does not show the real arguments. Used for commands no rule matched; a rule always takes precedence.
    """
    command = ["bash" if token == "zsh" else token for token in argv]
    if _is_safe_to_exec(command):
        return True
    split = split_shell_lc_script(command)
    if split is None or not split.literal or not split.commands:
        return False
    return all(_is_safe_to_exec(part) for part in split.commands)


def command_might_be_dangerous(argv: Sequence[str]) -> bool:
    """Whether `argv` force-deletes files (`rm -f`, `rm -rf`, also under `sudo` or inside a plain `bash -lc`)."""
    if _is_dangerous_to_exec(argv):
        return True
    commands = parse_shell_lc_plain_commands(argv) or ()
    return any(_is_dangerous_to_exec(command) for command in commands)


def _program_name(token: str) -> str:
    return posixpath.basename(token.rstrip("/")) if token.strip("/") else ""


def _is_safe_to_exec(command: Sequence[str]) -> bool:
    if not command:
        return False
    name = _program_name(command[0])
    args = command[1:]
    if name in _ALWAYS_SAFE or (name in _LINUX_SAFE and sys.platform.startswith("linux")):
        return True
    if name == "base64":
        return not any(
            arg in ("-o", "--output") or arg.startswith("--output=") or (arg.startswith("-o") and arg != "-o")
            for arg in args
        )
    if name == "find":
        return not any(arg in _UNSAFE_FIND_OPTIONS for arg in command)
    if name == "rg":
        return not any(
            arg in _UNSAFE_RG_FLAGS
            or any(arg == option or arg.startswith(option + "=") for option in _UNSAFE_RG_OPTIONS_WITH_VALUE)
            for arg in command
        )
    if name == "git":
        return _is_safe_git(command)
    if name == "sed":
        return len(command) <= 4 and len(command) >= 3 and command[1] == "-n" and _is_sed_print_range(command[2])
    return False


def _is_safe_git(command: Sequence[str]) -> bool:
    # `-c core.pager=...` and friends can make git run arbitrary programs.
    if any(
        arg in ("-c", "--config-env") or (arg.startswith("-c") and len(arg) > 2) or arg.startswith("--config-env=")
        for arg in command
    ):
        return False
    found = _find_git_subcommand(command, _SAFE_GIT_SUBCOMMANDS)
    if found is None:
        return False
    index, subcommand = found
    args = command[index + 1 :]
    if any(arg in _UNSAFE_GIT_FLAGS or arg.startswith(("--output=", "--exec=")) for arg in args):
        return False
    return subcommand != "branch" or _git_branch_is_read_only(args)


def _find_git_subcommand(command: Sequence[str], subcommands: Sequence[str]) -> tuple[int, str] | None:
    """Index and name of git's subcommand if it is one of `subcommands`, skipping global options before it."""
    skip_value = False
    for index, arg in enumerate(command[1:], start=1):
        if skip_value:
            skip_value = False
            continue
        if _is_git_option_with_inline_value(arg):
            continue
        if arg in _GIT_OPTIONS_WITH_VALUE:
            skip_value = True
            continue
        if arg == "--" or arg.startswith("-"):
            continue
        # The first non-option word is the subcommand; later words may be branch names and must not count.
        return (index, arg) if arg in subcommands else None
    return None


def _is_git_option_with_inline_value(arg: str) -> bool:
    inline = ("--config-env=", "--exec-path=", "--git-dir=", "--namespace=", "--super-prefix=", "--work-tree=")
    return arg.startswith(inline) or (arg.startswith(("-C", "-c")) and len(arg) > 2)


def _git_branch_is_read_only(args: Sequence[str]) -> bool:
    # Bare `git branch` lists; any other word could create, rename or delete a branch.
    if not args:
        return True
    return all(arg in _GIT_READ_ONLY_BRANCH_FLAGS or arg.startswith("--format=") for arg in args)


def _is_sed_print_range(arg: str) -> bool:
    """`N p` or `M,N p` (digits only), the one `sed` form that only prints."""
    if not arg.endswith("p"):
        return False
    parts = arg[:-1].split(",")
    return len(parts) <= 2 and all(part.isascii() and part.isdigit() for part in parts)


def _is_dangerous_to_exec(command: Sequence[str]) -> bool:
    if not command:
        return False
    name = _program_name(command[0])
    if name == "sudo":
        return _is_dangerous_to_exec(command[1:])
    return name == "rm" and _rm_forces(command[1:])


def _rm_forces(args: Sequence[str]) -> bool:
    """`rm` with `-f` anywhere in a flag group (`-f`, `-rf`, `-fr`, `-r -f`) or `--force`, before `--`."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--force" or (arg.startswith("-") and not arg.startswith("--") and "f" in arg[1:]):
            return True
    return False
