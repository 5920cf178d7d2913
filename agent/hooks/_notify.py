"""`notify = ["program", "arg", ...]`: after each turn, the program gets Codex's JSON payload as one more argument.
It is started and left to run (not awaited); a program that cannot be started is reported, never fatal."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path


def notify_payload(
    *, thread_id: str, turn_id: str, cwd: Path, client: str, input_messages: Sequence[str], last_message: str | None
) -> str:
    """The compact JSON Codex passes (`agent-turn-complete`)."""
    payload = {
        "type": "agent-turn-complete",
        "thread-id": thread_id,
        "turn-id": turn_id,
        "cwd": str(cwd),
        "client": client,
        "input-messages": list(input_messages),
        "last-assistant-message": last_message,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def notify(argv: Sequence[str], payload: str) -> str | None:
    """Start `argv + [payload]` detached from our stdio; returns why it could not start, or None."""
    if not argv:
        return None
    try:
        subprocess.Popen(
            [*argv, payload],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return f"notify program {argv[0]!r} could not be started: {exc.strerror or exc}"
    return None
