"""Where hooks come from and whether they may run.

Every config layer pycodex loads may bring hooks: `[hooks]` in its `config.toml` and/or a `hooks.json` beside it
(`{"hooks": {...}}`): the system folder, `$CODEX_HOME`, and each trusted project's `.codex/`. An untrusted project
brings none. Hooks run as the user, outside the sandbox, so each one must also be trusted once: its fingerprint
(the event, matcher, command and timeout) is kept in the user's config.toml as
`[hooks.state."<key>"] trusted_hash = "sha256:…"`; a hook whose fingerprint changed is untrusted again.
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


def load_hooks(folders: Iterable[Path], *, trusted_hashes: Mapping[str, str], bypass_trust: bool = False) -> HookSet:
    """Read every folder's hooks and sort them by trust. A malformed file is a warning, not a failure."""
    found: list[Hook] = []
    warnings: list[str] = []
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
            try:
                found.extend(parse_hooks(table, path))
            except HookConfigError as exc:
                warnings.append(str(exc))
    trusted = [h for h in found if bypass_trust or trusted_hashes.get(h.key) == h.fingerprint]
    untrusted = [h for h in found if h not in trusted]
    return HookSet(tuple(trusted), tuple(untrusted), tuple(warnings))


def parse_hooks(table: Mapping[str, Any], source: Path) -> list[Hook]:
    """`{Event: [{matcher, hooks: [{type, command, timeout, statusMessage}]}]}` as hooks (`state` is skipped)."""
    hooks: list[Hook] = []
    for event, groups in table.items():
        if event == "state":
            continue
        if event not in HOOK_EVENTS:
            raise HookConfigError(f"{source}: unknown hook event `{event}` (known: {', '.join(HOOK_EVENTS)})")
        if not isinstance(groups, list):
            raise HookConfigError(f"{source}: hooks.{event} must be a list of {{matcher, hooks}} tables")
        for g, group in enumerate(cast(list[Any], groups)):
            if not isinstance(group, dict):
                raise HookConfigError(f"{source}: hooks.{event}[{g}] must be a table")
            group_map = cast(dict[str, Any], group)
            matcher = group_map.get("matcher") or ""
            handlers = group_map.get("hooks")
            if not isinstance(matcher, str) or not isinstance(handlers, list):
                raise HookConfigError(f"{source}: hooks.{event}[{g}] needs a string `matcher` and a list `hooks`")
            for h, handler in enumerate(cast(list[Any], handlers)):
                hook = _handler(event, matcher, handler, source, f"{event}[{g}].hooks[{h}]")
                if hook is not None:
                    hooks.append(hook)
    return hooks


def _handler(event: HookEvent, matcher: str, raw: Any, source: Path, where: str) -> Hook | None:
    if not isinstance(raw, dict):
        raise HookConfigError(f"{source}: hooks.{where} must be a table")
    handler = cast(dict[str, Any], raw)
    kind = handler.get("type", "command")
    command = handler.get("command")
    if kind != "command" or handler.get("async") is True or not isinstance(command, str) or not command.strip():
        # Codex skips these too (prompt and agent hooks, async hooks, empty commands); said at load time.
        raise HookConfigError(
            f'{source}: hooks.{where} is skipped: only synchronous `type = "command"` hooks with a command run'
        )
    timeout = handler.get("timeout", DEFAULT_TIMEOUT_S)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool):
        raise HookConfigError(f"{source}: hooks.{where}.timeout must be a number of seconds")
    status = handler.get("statusMessage")
    return Hook(
        event=event,
        matcher=matcher,
        command=command,
        timeout_s=max(1, int(timeout)),
        status_message=status if isinstance(status, str) else None,
        source=source,
        key=f"{source}#{where}",
    )


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
