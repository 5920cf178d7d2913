"""`pycodex exec`'s options, declared once: the fields of `ExecOptions`.

Each option is one field whose default comes from `flag`, `value`, `path`, `values` or `paths` (the kind: a switch,
a value where the last one wins, a path, a repeatable value, a repeatable path), with its spellings and help. From
these fields come `OPTIONS`, the table that the typer-free parser (`_exec_args`), the typer commands `exec` and
`exec resume`/`exec fork` (`_exec_cmd`) and the options allowed before the command (`_globals`) are built from.
Adding an option to exec is adding one field here (and reading it in `_exec_run`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

Kind = Literal["flag", "value", "path", "list", "paths"]

# The annotation each kind's field must have (checked when `OPTIONS` is built).
_ANNOTATIONS: dict[Kind, str] = {
    "flag": "bool",
    "value": "str | None",
    "path": "Path | None",
    "list": "list[str]",
    "paths": "list[Path]",
}


class Option(NamedTuple):
    """One option of `pycodex exec`."""

    dest: str
    """The field of `ExecOptions` (and the typer parameter's name)."""
    flags: tuple[str, ...]
    """Its spellings, the canonical one first."""
    kind: Kind
    help: str
    resume: bool
    """Whether `exec resume` and `exec fork` take it too."""
    before: bool
    """Whether it may also be given before the command (`pycodex -m X exec ...`), as Codex's global options."""


def _option(kind: Kind, flags: tuple[str, ...], help: str, resume: bool, before: bool) -> Any:
    meta = {"option": (flags, kind, help, resume, before)}
    if kind in ("list", "paths"):
        empty: list[Any] = []
        return dataclasses.field(default_factory=empty.copy, metadata=meta)
    return dataclasses.field(default=False if kind == "flag" else None, metadata=meta)


def flag(*flags: str, help: str, resume: bool = True, before: bool = False) -> Any:
    return _option("flag", flags, help, resume, before)


def value(*flags: str, help: str, resume: bool = True, before: bool = False) -> Any:
    return _option("value", flags, help, resume, before)


def path(*flags: str, help: str, resume: bool = True, before: bool = False) -> Any:
    return _option("path", flags, help, resume, before)


def values(*flags: str, help: str, resume: bool = True, before: bool = False) -> Any:
    return _option("list", flags, help, resume, before)


def paths(*flags: str, help: str, resume: bool = True, before: bool = False) -> Any:
    return _option("paths", flags, help, resume, before)


@dataclass
class ExecOptions:
    """What one `pycodex exec` runs with: the prompt, the options, and what `exec resume`/`exec fork` add."""

    prompt: str | None = None
    json_mode: bool = flag("--json", "--experimental-json", help="Print events as JSON Lines on stdout.")
    output_last_message: Path | None = path("--output-last-message", "-o", help="Write the final message to FILE.")
    output_schema: Path | None = path("--output-schema", help="JSON Schema the final message must follow.")
    model: str | None = value("--model", "-m", help="Model to use (resumed sessions: from now on).", before=True)
    sandbox: str | None = value(
        "--sandbox",
        "-s",
        help="Sandbox policy for model commands: read-only, workspace-write or danger-full-access.",
        before=True,
    )
    cd: Path | None = path("--cd", "-C", help="Work in this directory.", before=True)
    skip_git_repo_check: bool = flag("--skip-git-repo-check", help="Allow running outside a git repository.")
    bypass_hook_trust: bool = flag(
        "--dangerously-bypass-hook-trust",
        help="Run configured hooks that were never trusted (they run as you, outside the sandbox).",
    )
    ephemeral: bool = flag("--ephemeral", help="Do not write a session file.", resume=False)
    images: list[Path] = paths("--image", "-i", help="Attach an image to the prompt (repeatable).")
    full_auto: bool = flag("--full-auto", help="Shorthand for --sandbox workspace-write.", before=True)
    yolo: bool = flag(
        "--dangerously-bypass-approvals-and-sandbox",
        "--yolo",
        help="Run every command without sandbox or approvals. Only for machines that are sandboxes already.",
        before=True,
    )
    config: list[str] = values("--config", "-c", help="Override a config value: -c key=value (TOML).", before=True)
    profile: str | None = value("--profile", "-p", help="Config profile to use.", before=True)
    oss: bool = flag("--oss", help="Use the local open-source provider (Ollama).", resume=False, before=True)
    strict_config: bool = flag(
        "--strict-config", help="Treat unknown and unsupported config keys as errors.", before=True
    )
    add_dirs: list[Path] = paths(
        "--add-dir", help="Another directory the agent may write to, besides the workspace (repeatable)."
    )
    thread_source: str | None = value(
        "--thread-source", help="Who started the thread (recorded in the session file), e.g. user."
    )
    cyber_access_program: str | None = value(
        "--cyber-access-program",
        help="Accepted for Codex's SDK (standard, daybreak_blue, daybreak_red); pycodex does not use it.",
    )
    # Set by `exec resume` / `exec fork` from their own arguments.
    resume: str | None = None
    resume_last: bool = False
    resume_all: bool = False
    fork: bool = False


def _options() -> tuple[Option, ...]:
    table: list[Option] = []
    for spec in dataclasses.fields(ExecOptions):
        if "option" not in spec.metadata:
            continue
        flags, kind, help_text, resume, before = spec.metadata["option"]
        if spec.type != _ANNOTATIONS[kind]:
            raise TypeError(f"ExecOptions.{spec.name} is a {kind} option: annotate it `{_ANNOTATIONS[kind]}`")
        table.append(Option(spec.name, flags, kind, help_text, resume, before))
    return tuple(table)


OPTIONS: tuple[Option, ...] = _options()
"""Every option of `pycodex exec`, in the order `--help` lists them."""
