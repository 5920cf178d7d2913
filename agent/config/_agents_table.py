"""The settings of `[agents]` (the rest of the table are roles, read by `agent.tools`): checked when the config
loads, so that a bad limit is a config error naming the key and where it was set, not a surprise mid-turn."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from ..errors import ConfigError
from ._layers import Source


def _whole(minimum: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        # bool is an int to Python, not to TOML: `max_threads = true` is a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        if value < minimum:
            return f"must be at least {minimum}"
        return None

    return check


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "expected true or false"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "expected a string"


_SETTINGS: dict[str, Callable[[Any], str | None]] = {
    "max_threads": _whole(1),
    "max_depth": _whole(0),
    "job_max_runtime_seconds": _whole(1),
    "interrupt_message": _boolean,
    "default_subagent_model": _text,
    "default_subagent_reasoning_effort": _text,
}


def check_agents_settings(agents: Any, provenance: Mapping[str, Source]) -> None:
    """Raise `ConfigError` for the first `[agents]` setting whose value cannot be used.

    Raises:
        ConfigError: e.g. `agents.job_max_runtime_seconds = 0`; the message names the key and its file and line
            or flag.
    """
    if not isinstance(agents, dict):
        return
    table = cast(dict[str, Any], agents)
    for name, check in _SETTINGS.items():
        if name not in table:
            continue
        problem = check(table[name])
        if problem is not None:
            key = f"agents.{name}"
            source = provenance.get(key)
            where = f" ({source})" if source else ""
            raise ConfigError(
                f"invalid value for `{key}`{where}: {problem} (got {table[name]!r})", key=key, source=str(source or "")
            )
