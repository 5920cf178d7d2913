"""Rollout files: the thread's record under `$CODEX_HOME/sessions/YYYY/MM/DD/`, one JSON object per line.

Lines are `{"timestamp", "ordinal", "type", "payload"}` with Codex's record types (`session_meta`, `turn_context`,
`response_item`, `event_msg`). Each line is handed to the kernel with one `write` as soon as its item completes,
so a crash of this process loses nothing written before it. Secrets are redacted from every record before it is
written (`_redact`): the model saw the live text in its turn, a resumed thread gets the redacted copy.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

from .._redact import redact_value
from .._text import encode_text
from ..errors import SessionFileError
from ._private import private_dirs


class RolloutError(SessionFileError):
    """The rollout file could not be written; `path` names it."""


def _timestamp() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def rollout_path(codex_home: Path, thread_id: str, when: datetime.datetime | None = None) -> Path:
    """Where a new thread's rollout goes."""
    when = when or datetime.datetime.now()
    day = codex_home / "sessions" / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}"
    return day / f"rollout-{when:%Y-%m-%dT%H-%M-%S}-{thread_id}.jsonl"


class RolloutWriter:
    """Appends records to one rollout file."""

    def __init__(self, path: Path, *, ordinal: int = 0) -> None:
        self.path = path
        self._ordinal = ordinal
        try:
            private_dirs(path.parent)
            self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise RolloutError(
                f"cannot create the session file {path}: {exc.strerror}", path=path, reason=exc.strerror or ""
            ) from exc

    def append(self, record_type: str, payload: dict[str, Any]) -> None:
        """Write one record. Raises `RolloutError` (disk full, permissions) instead of dropping it."""
        if self._fd is None:
            raise RolloutError(f"the session file {self.path} is closed", path=self.path)
        line = json.dumps(
            {
                "timestamp": _timestamp(),
                "ordinal": self._ordinal,
                "type": record_type,
                "payload": redact_value(payload),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        data = encode_text(line + "\n")
        try:
            # One write per record: appends to the page cache do not block meaningfully, and one syscall keeps a
            # record whole even if the process dies right after.
            written = os.write(self._fd, data)
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError as exc:
            raise RolloutError(
                f"cannot write the session file {self.path}: {exc.strerror}", path=self.path, reason=exc.strerror or ""
            ) from exc
        self._ordinal += 1

    @property
    def closed(self) -> bool:
        return self._fd is None

    def reopen(self) -> None:
        """Open the file again after `close` to append more (it must still be there: an archived or deleted thread
        is not recreated half)."""
        if self._fd is not None:
            return
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except OSError as exc:
            raise RolloutError(
                f"cannot reopen the session file {self.path}: {exc.strerror}", path=self.path, reason=exc.strerror or ""
            ) from exc

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
