"""A past thread's transcript: the events its rollout recorded, in order.

Until the engine hands these out with the rest of a reopened thread, they are read here from the rollout's
`event_msg` records through the public event types; a record that does not validate (a torn last line, an event
kind from another version) is skipped rather than stopping the replay.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from agent.protocol import EventMsg


@functools.cache
def _adapter() -> TypeAdapter[Any]:
    return TypeAdapter(EventMsg)


def transcript_events(path: Path) -> list[EventMsg]:
    """The events recorded in the rollout at `path` (blocking: run it in a thread)."""
    events: list[EventMsg] = []
    adapter = _adapter()
    with path.open("rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(record, dict) or record.get("type") != "event_msg":  # pyright: ignore[reportUnknownMemberType]
                continue
            try:
                events.append(adapter.validate_python(record.get("payload")))  # pyright: ignore[reportUnknownMemberType]
            except ValidationError:
                continue
    return events
