"""Typed access to parsed JSON, so wire code reads plainly under strict type checking."""

from __future__ import annotations

from typing import Any, cast

JsonObject = dict[str, Any]


def as_obj(value: object) -> JsonObject:
    """`value` if it is a JSON object, else an empty one."""
    return cast(JsonObject, value) if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return cast(list[Any], value) if isinstance(value, list) else []


def as_str(value: object, default: str = "") -> str:
    """`value` as text (None becomes `default`)."""
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def as_int(value: object) -> int:
    """`value` as an integer (anything else is 0)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    return 0
