"""Where hooks come from and whether they may run.

Every config layer pycodex loads may bring hooks: `[hooks]` in its `config.toml` and/or a `hooks.json` beside it
(`{"hooks": {...}}`): the system folder, `$CODEX_HOME`, and each trusted project's `.codex/`. An untrusted project
brings none. Hooks run as the user, outside the sandbox, so each one must also be trusted once: its fingerprint
(the event, matcher, command and timeout) is kept in the user's config.toml as
`[hooks.state."<key>"] trusted_hash = "sha256:…"`; a hook whose fingerprint changed is untrusted again.

An administrator's hooks (`[hooks]` in the system folder's requirements.toml or managed_config.toml) are loaded
first and trusted without asking. One entry that cannot run is skipped with a warning; the rest of its file loads.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

HookEvent = Literal[
    "SessionStart",
    "SessionEnd",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "Stop",
    "PreCompact",
    "PostCompact",
    "Interrupt",
    "PreModelRequest",
    "PostModelRequest",
    "SubagentStart",
    "SubagentStop",
]
HOOK_EVENTS: tuple[HookEvent, ...] = get_args(HookEvent)
DEFAULT_TIMEOUT_S = 600
# Events whose matcher is not used (every handler runs).
_UNMATCHED: frozenset[str] = frozenset(
    {"UserPromptSubmit", "Stop", "SessionEnd", "PreModelRequest", "PostModelRequest"}
)
# Keys of a hooks table that are not events: the trust state, and requirements.toml's managed folders.
_NOT_EVENTS = frozenset({"state", "managed_dir", "windows_managed_dir"})


class HookConfigError(ValueError):
    """A hooks table or hooks.json that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Hook:
    """One command to run for an event."""

    event: HookEvent
    matcher: str
    command: str
    timeout_s: int
    status_message: str | None
    source: Path
    """The file it was configured in."""
    key: str
    """Its stable name in `[hooks.state]`: `<file>#<Event>[<group>].hooks[<index>]`."""
    managed: bool = False
    """Set by an administrator (requirements.toml or managed_config.toml): trusted without asking."""

    @property
    def fingerprint(self) -> str:
        material = json.dumps([self.event, self.matcher, self.command, self.timeout_s], separators=(",", ":"))
        return "sha256:" + hashlib.sha256(material.encode()).hexdigest()

    def matches(self, subject: str | None) -> bool:
        """Whether this hook applies to `subject` (a tool name, or SessionStart's source)."""
        if self.event in _UNMATCHED or self.matcher in ("", "*"):
            return True
        if subject is None:
            return False
        if re.fullmatch(r"[A-Za-z0-9_|]+", self.matcher):
            return subject in self.matcher.split("|")
        try:
            return re.search(self.matcher, subject) is not None
        except re.error:
            return False


@dataclass(frozen=True)
class HookSet:
    """The hooks of a session, with the ones that may run separated from the untrusted ones."""

    trusted: tuple[Hook, ...] = ()
    untrusted: tuple[Hook, ...] = ()
    warnings: tuple[str, ...] = ()

    def for_event(self, event: HookEvent, subject: str | None = None) -> list[Hook]:
        return [hook for hook in self.trusted if hook.event == event and hook.matches(subject)]

    @property
    def all(self) -> tuple[Hook, ...]:
        return (*self.trusted, *self.untrusted)


def hook_files(codex_home: Path, system_dir: Path, project_codex_dirs: Iterable[Path]) -> list[Path]:
    """The folders whose config.toml and hooks.json may hold hooks, lowest layer first."""
    return [system_dir, codex_home, *project_codex_dirs]


def load_hooks(
    folders: Iterable[Path],
    *,
    trusted_hashes: Mapping[str, str],
    bypass_trust: bool = False,
    managed_from: Path | None = None,
) -> HookSet:
    """Read every folder's hooks and sort them by trust. A malformed file or entry is a warning, not a failure.

    `managed_from` is the system folder whose requirements.toml and managed_config.toml may hold an administrator's
    hooks: they come first and are trusted without asking."""
    found: list[Hook] = []
    warnings: list[str] = []
    managed_only = False
    if managed_from is not None:
        found.extend(managed_hooks(managed_from, warnings))
        managed_only = _managed_only(managed_from / "requirements.toml")
    for folder in folders:
        tables: list[tuple[Path, Mapping[str, Any]]] = []
        for path, reader in ((folder / "config.toml", _toml_hooks), (folder / "hooks.json", _json_hooks)):
            try:
                table = reader(path)
            except HookConfigError as exc:
                warnings.append(str(exc))
                continue
            if table:
                tables.append((path, table))
        if len(tables) > 1:
            warnings.append(f"hooks are configured in both {tables[0][0]} and {tables[1][0]}; both are used")
        for path, table in tables:
            if managed_only:
                warnings.append(
                    f"{path}: its hooks are not loaded: requirements.toml sets allow_managed_hooks_only, so only "
                    "the administrator's hooks run"
                )
                continue
            found.extend(parse_hooks(table, path, warnings=warnings))
    trusted = [h for h in found if h.managed or bypass_trust or trusted_hashes.get(h.key) == h.fingerprint]
    untrusted = [h for h in found if h not in trusted]
    return HookSet(tuple(trusted), tuple(untrusted), tuple(warnings))


def managed_hooks(system_dir: Path, warnings: list[str]) -> list[Hook]:
    """An administrator's hooks: `[hooks]` in requirements.toml (whose `managed_dir`, the folder the hook programs
    are deployed to, must exist, as in Codex) and in the managed config layer (managed_config.toml)."""
    hooks: list[Hook] = []
    for name in ("requirements.toml", "managed_config.toml"):
        path = system_dir / name
        try:
            table = _toml_hooks(path)
        except HookConfigError as exc:
            warnings.append(str(exc))
            continue
        if not table:
            continue
        if name == "requirements.toml":
            folder = table.get("managed_dir")
            if not isinstance(folder, str) or not Path(folder).is_dir():
                shown = f"`{folder}` does not exist" if isinstance(folder, str) else "is not set"
                warnings.append(
                    f"{path}: the managed hooks are not loaded: [hooks] managed_dir {shown} "
                    "(it names the folder the hook programs are deployed to)"
                )
                continue
        hooks.extend(parse_hooks(table, path, warnings=warnings, managed=True))
    return hooks


def parse_hooks(
    table: Mapping[str, Any], source: Path, *, warnings: list[str] | None = None, managed: bool = False
) -> list[Hook]:
    """`{Event: [{matcher, hooks: [{type, command, timeout, statusMessage}]}]}` as hooks (`state` is skipped).

    An entry that cannot run (an unknown event, a `prompt` or `agent` handler, an `async` one, an empty command, a
    malformed group) is skipped alone, as Codex skips it: its problem, naming the file, the event and the entry, is
    added to `warnings`; without `warnings` the first problem raises `HookConfigError`."""
    hooks: list[Hook] = []

    def problem(message: str) -> None:
        if warnings is None:
            raise HookConfigError(message)
        warnings.append(message)

    for event, groups in table.items():
        if event in _NOT_EVENTS:
            continue
        if event not in HOOK_EVENTS:
            problem(f"{source}: unknown hook event `{event}` is skipped (known: {', '.join(HOOK_EVENTS)})")
            continue
        if not isinstance(groups, list):
            problem(f"{source}: hooks.{event} is skipped: it must be a list of {{matcher, hooks}} tables")
            continue
        for g, group in enumerate(cast(list[Any], groups)):
            group_map = cast(dict[str, Any], group) if isinstance(group, dict) else {}
            matcher = group_map.get("matcher") or ""
            handlers = group_map.get("hooks")
            if not isinstance(matcher, str) or not isinstance(handlers, list):
                problem(f"{source}: hooks.{event}[{g}] is skipped: it needs a string `matcher` and a list `hooks`")
                continue
            for h, handler in enumerate(cast(list[Any], handlers)):
                where = f"{event}[{g}].hooks[{h}]"
                try:
                    hooks.append(_handler(event, matcher, handler, source, where, managed))
                except HookConfigError as exc:
                    problem(str(exc))
    return hooks


def _handler(event: HookEvent, matcher: str, raw: Any, source: Path, where: str, managed: bool) -> Hook:
    if not isinstance(raw, dict):
        raise HookConfigError(f"{source}: hooks.{where} is skipped: it must be a table")
    handler = cast(dict[str, Any], raw)
    kind = handler.get("type", "command")
    command = handler.get("command")
    # Codex skips these too, one by one: prompt and agent hooks, async hooks, empty commands.
    if kind != "command":
        why = f'`type = "{kind}"` hooks are not supported (only `type = "command"` runs)'
    elif handler.get("async") is True:
        why = "`async = true` hooks are not supported (hooks run synchronously)"
    elif not isinstance(command, str) or not command.strip():
        why = "its `command` is empty"
    else:
        why = None
    if why is not None:
        raise HookConfigError(f"{source}: hooks.{where} is skipped: {why}")
    assert isinstance(command, str)
    timeout = handler.get("timeout", DEFAULT_TIMEOUT_S)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool):
        raise HookConfigError(f"{source}: hooks.{where} is skipped: `timeout` must be a number of seconds")
    status = handler.get("statusMessage")
    return Hook(
        event=event,
        matcher=matcher,
        command=command,
        timeout_s=max(1, int(timeout)),
        status_message=status if isinstance(status, str) else None,
        source=source,
        key=f"{source}#{where}",
        managed=managed,
    )


def _managed_only(requirements: Path) -> bool:
    """requirements.toml's `allow_managed_hooks_only = true`: hooks come only from the administrator."""
    try:
        return tomllib.loads(requirements.read_text(encoding="utf-8")).get("allow_managed_hooks_only") is True
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False  # a missing file; an unreadable one is reported where its hooks are read


def _toml_hooks(path: Path) -> Mapping[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise HookConfigError(f"{path}: cannot read its hooks: {exc}") from None
    hooks = data.get("hooks")
    if hooks is None:
        return None
    if not isinstance(hooks, dict):
        raise HookConfigError(f"{path}: `hooks` must be a table")
    return cast(dict[str, Any], hooks)


def _json_hooks(path: Path) -> Mapping[str, Any] | None:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise HookConfigError(f"{path}: not valid JSON: {exc}") from None
    hooks = cast(dict[str, Any], data).get("hooks") if isinstance(data, dict) else None
    if not isinstance(hooks, dict):
        raise HookConfigError(f'{path}: expected {{"hooks": {{"<Event>": [...]}}}}')
    return cast(dict[str, Any], hooks)


def trusted_hashes(user_config: Path) -> dict[str, str]:
    """`[hooks.state."<key>"] trusted_hash` from the user's config.toml."""
    table = _toml_hooks(user_config) if user_config.exists() else None
    state = (table or {}).get("state")
    if not isinstance(state, dict):
        return {}
    out: dict[str, str] = {}
    for key, entry in cast(dict[str, Any], state).items():
        value = cast(dict[str, Any], entry).get("trusted_hash") if isinstance(entry, dict) else None
        if isinstance(value, str):
            out[key] = value
    return out


def trust_hooks(user_config: Path, hooks: Iterable[Hook]) -> int:
    """Record these hooks as trusted in the user's config.toml (comments kept); returns how many were added."""
    import tomlkit

    from ..config import edit_config

    chosen = list(hooks)

    def change(document: Any) -> None:
        hooks_table: Any = document.setdefault("hooks", tomlkit.table())
        state: Any = hooks_table.setdefault("state", tomlkit.table())
        for hook in chosen:
            entry = tomlkit.table()
            entry["trusted_hash"] = hook.fingerprint
            state[hook.key] = entry

    edit_config(user_config, change)
    return len(chosen)
