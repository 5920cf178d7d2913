"""Building a command's environment from the shell environment policy (Codex's `[shell_environment_policy]`).

The algorithm, in order: start from all variables, the core ones or none; unless `ignore_default_excludes`, drop
names matching `*KEY*`, `*SECRET*`, `*TOKEN*`; drop `exclude` matches; add `set`; if `include_only` is not empty,
keep only its matches; set `CODEX_THREAD_ID`. Then the sandbox markers: `CODEX_SANDBOX_NETWORK_DISABLED=1` when the
network is restricted, `CODEX_SANDBOX=seatbelt` under Seatbelt. Patterns are case-insensitive wildcards (`*`, `?`).

Free of pydantic, so the CLI can use it without the model imports; the policy model lives in `_env_policy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

Inherit = Literal["all", "core", "none"]

CORE_VARS_UNIX = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "LOGNAME", "PATH", "SHELL", "TEMP", "TMP", "TMPDIR", "USER")
CORE_VARS_WINDOWS = ("PATH", "PATHEXT", "SHELL", "TEMP", "TMP", "TMPDIR", "USERNAME", "USERPROFILE")
DEFAULT_EXCLUDES = ("*KEY*", "*SECRET*", "*TOKEN*")


def wildcard(pattern: str) -> re.Pattern[str]:
    """A case-insensitive regex for a wildcard pattern where `*` is any run and `?` one character."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _matcher(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [wildcard(p) for p in patterns]


def _matches(name: str, matchers: list[re.Pattern[str]]) -> bool:
    return any(m.fullmatch(name) for m in matchers)


def compose_env(
    base: Mapping[str, str],
    *,
    inherit: Inherit = "all",
    ignore_default_excludes: bool = True,
    exclude: Iterable[str] = (),
    set_vars: Mapping[str, str] | None = None,
    include_only: Iterable[str] = (),
    thread_id: str | None = None,
    network_restricted: bool = False,
    seatbelt: bool = False,
    windows: bool = False,
) -> dict[str, str]:
    """The environment for a command, from `base` (usually `os.environ`) and the policy's fields."""
    if inherit == "all":
        env = dict(base)
    elif inherit == "core":
        core = CORE_VARS_WINDOWS if windows else CORE_VARS_UNIX
        if windows:
            wanted = {c.upper() for c in core}
            env = {k: v for k, v in base.items() if k.upper() in wanted}
        else:
            env = {k: v for k, v in base.items() if k in core}
    else:
        env = {}
    if not ignore_default_excludes:
        defaults = _matcher(DEFAULT_EXCLUDES)
        env = {k: v for k, v in env.items() if not _matches(k, defaults)}
    excluded = _matcher(exclude)
    if excluded:
        env = {k: v for k, v in env.items() if not _matches(k, excluded)}
    env.update(set_vars or {})
    only = _matcher(include_only)
    if only:
        env = {k: v for k, v in env.items() if _matches(k, only)}
    if thread_id is not None:
        env["CODEX_THREAD_ID"] = thread_id
    if network_restricted:
        env["CODEX_SANDBOX_NETWORK_DISABLED"] = "1"
    if seatbelt:
        env["CODEX_SANDBOX"] = "seatbelt"
    return env
