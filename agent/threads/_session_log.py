"""`log_dir`: a rotating log of what a session did, for looking back at a run.

One line per step: the session's settings, turns starting and ending, each command's program with its exit code
and duration, patches, MCP tool calls, retries, warnings and errors. Never a secret: no prompt, no model output, no
command line beyond its program name, no command output, no header or key. The file (`pycodex.log` in `log_dir`,
kept to 5 MB with 3 older files beside it) is created 0600 in a 0700 directory.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from .. import protocol as p
from .._redact import redact_secrets

LOG_FILE_NAME = "pycodex.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3


def _program(command: tuple[str, ...]) -> str:
    # `bash -c "SCRIPT"`: the script may hold a secret; its first word is what ran.
    words = command[-1].split() if len(command) >= 3 and command[1] in ("-c", "-lc") else list(command)
    return os.path.basename(words[0]) if words else "?"


def describe(msg: p.EventMsg) -> str | None:
    """The log line of an event, or None for events not logged (deltas, messages, reasoning)."""
    if isinstance(msg, p.SessionConfigured):
        return (
            f"session {msg.session_id} model={msg.model} provider={msg.model_provider_id} "
            f"approval={msg.approval_policy} sandbox={msg.sandbox_policy.get('type')} cwd={msg.cwd}"
        )
    if isinstance(msg, p.TaskStarted):
        return f"turn {msg.turn_id} started"
    if isinstance(msg, p.TaskComplete):
        return f"turn {msg.turn_id} completed"
    if isinstance(msg, p.TurnAborted):
        return f"turn {msg.turn_id} aborted"
    if isinstance(msg, p.ExecCommandEnd):
        return f"command {_program(msg.command)} exited {msg.exit_code} after {msg.duration_ms} ms"
    if isinstance(msg, p.PatchApplyEnd):
        return f"patch {'applied' if msg.success else 'failed'} ({len(msg.changes)} files)"
    if isinstance(msg, p.McpToolCallEnd):
        return f"mcp tool {msg.invocation.server}/{msg.invocation.tool} ended"
    if isinstance(msg, p.TokenCount) and msg.info is not None:
        return f"tokens total={msg.info.total_token_usage.total_tokens}"
    if isinstance(msg, p.StreamError | p.Warning | p.Error):
        # A provider's error may quote the key it was sent; a warning may name a value from the environment.
        return f"{msg.type}: {redact_secrets(msg.message)}"
    return None


class _QuietHandler(RotatingFileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        # A log that cannot be written (disk full, folder gone) must not print tracebacks into the transcript.
        return None


class SessionLog:
    """The log of one session (a handler on a logger of its own)."""

    def __init__(self, path: Path, thread_id: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created 0600 before the handler opens it, so the log is never readable by others.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600))
        self._handler = _QuietHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        self._handler.setFormatter(logging.Formatter(f"%(asctime)s {thread_id[:8]} %(message)s"))
        self._logger = logging.getLogger(f"pycodex.session.{thread_id}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self._handler)

    @classmethod
    def open(cls, config: Any, thread_id: str) -> SessionLog | None:
        """The log for `config`'s `log_dir`, or None when `log_dir` is not set or cannot be written."""
        log_dir = config.toml.log_dir
        if not log_dir:
            return None
        try:
            return cls(Path(log_dir).expanduser() / LOG_FILE_NAME, thread_id)
        except OSError:
            return None

    def event(self, msg: p.EventMsg) -> None:
        """Log `msg` if it is a step worth a line."""
        line = describe(msg)
        if line is not None:
            self._logger.info(line)

    def close(self) -> None:
        """Flush and detach the file."""
        self._logger.removeHandler(self._handler)
        self._handler.close()
