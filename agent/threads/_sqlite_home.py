"""`sqlite_home`: where the session index (our SQLite file) lives, when not in `$CODEX_HOME`.

It is an installation setting, so it is read where every reader of the index finds it without a full config load:
the environment variable `CODEX_SQLITE_HOME`, else `sqlite_home` in the user's config.toml, else the system one, else
`$CODEX_HOME` itself. A `~` is expanded; a relative path is taken from `$CODEX_HOME`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from ..config import system_config_dir

SQLITE_HOME_ENV = "CODEX_SQLITE_HOME"


def _configured(path: Path) -> str | None:
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("sqlite_home")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # a broken file is reported by the config load; the index falls back to its default
    return value if isinstance(value, str) and value.strip() else None


def sqlite_home(codex_home: Path, env: Mapping[str, str] | None = None) -> Path:
    """The directory of the session index for `codex_home`."""
    env = os.environ if env is None else env
    value = env.get(SQLITE_HOME_ENV, "").strip() or _configured(codex_home / "config.toml")
    value = value or _configured(system_config_dir() / "config.toml")
    if not value:
        return codex_home
    path = Path(value).expanduser()
    return path if path.is_absolute() else codex_home / path
