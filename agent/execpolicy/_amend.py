""" "Approve & remember": append an allow rule to a rules file, safely under concurrent writers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from .errors import AmendError


def allow_rule_line(prefix: Sequence[str]) -> str:
    """The line appended for `prefix`: `prefix_rule(pattern=["tok1", "tok2"], decision="allow")`."""
    tokens = ", ".join(json.dumps(token, ensure_ascii=False) for token in prefix)
    return f'prefix_rule(pattern=[{tokens}], decision="allow")'


def append_allow_rule(path: Path, prefix: Sequence[str]) -> bool:
    """Append an allow rule for `prefix` to `path` (creating the file and its directory), unless it is there.

    The file is locked while it is read and written, so two sessions approving at once cannot interleave lines.
    This blocks; from async code run it in a worker thread (`anyio.to_thread.run_sync`).

    Returns:
        True if the line was appended, False if an identical line already existed.

    Raises:
        AmendError: `prefix` is empty, or the directory or file cannot be created, locked, read or written.
    """
    if not prefix:
        raise AmendError(path, "a prefix rule needs at least one token")
    line = allow_rule_line(prefix)
    try:
        # Under $CODEX_HOME, which is private: the directory 0700, the file 0600.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a+", encoding="utf-8", newline="") as file:
            _lock(file)
            file.seek(0)
            contents = file.read()
            if any(existing.removesuffix("\r") == line for existing in contents.split("\n")):
                return False
            if contents and not contents.endswith("\n"):
                file.write("\n")
            file.write(line + "\n")
            file.flush()
            return True
    except OSError as error:
        reason = f"{error.strerror} (os error {error.errno})" if error.errno is not None else str(error)
        raise AmendError(path, reason) from None
    except UnicodeDecodeError:
        raise AmendError(path, "the existing file is not valid UTF-8") from None


def _lock(file: IO[str]) -> None:
    """Take an exclusive advisory lock, released when the file is closed."""
    if sys.platform == "win32":  # pragma: no cover - no advisory locks through fcntl on Windows
        return
    import fcntl

    fcntl.flock(file.fileno(), fcntl.LOCK_EX)
