"""config/read's `layers` (with `includeLayers`): each source of settings with its own table, highest precedence
first, as Codex lists them: the legacy managed file, the session's `-c` flags, trusted project `.codex` folders
(nearest first), the user's config.toml and the system's (both listed even when absent, with an empty table)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import agent
from agent.config import override_layer, system_config_dir

MANAGED_FILE = "managed_config.toml"


def file_version(text: str) -> str:
    """A file layer's version: the one config/value/write answers with and takes as `expectedVersion`."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _file(path: Path) -> tuple[dict[str, Any], str, str | None] | None:
    """(table, version, why it was skipped) of a TOML file, None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return {}, file_version(""), f"could not be read: {exc.strerror}"
    try:
        return tomllib.loads(text), file_version(text), None
    except tomllib.TOMLDecodeError as exc:
        return {}, file_version(text), f"is not valid TOML: {exc}"


def _layer(name: dict[str, Any], path: Path, *, always: bool) -> dict[str, Any] | None:
    found = _file(path)
    if found is None:
        if not always:
            return None
        empty: dict[str, Any] = {}
        found = (empty, file_version(""), None)
    table, version, disabled = found
    return {"name": name, "version": version, "config": table, "disabledReason": disabled}


def config_layers(config: agent.Config, overrides: Sequence[str]) -> list[dict[str, Any]]:
    layers: list[dict[str, Any] | None] = []
    system = system_config_dir()
    managed = system / MANAGED_FILE
    layers.append(_layer({"type": "legacyManagedConfigTomlFromFile", "file": str(managed)}, managed, always=False))
    if overrides:
        flags = override_layer(overrides).data  # checked when the server started
        version = "sha256:" + hashlib.sha256(json.dumps(flags, sort_keys=True).encode()).hexdigest()
        layers.append({"name": {"type": "sessionFlags"}, "version": version, "config": flags, "disabledReason": None})
    layers.extend(
        _layer({"type": "project", "dotCodexFolder": str(folder)}, folder / "config.toml", always=False)
        for folder in reversed(config.project_codex_dirs)
    )
    user = config.codex_home / "config.toml"
    layers.append(_layer({"type": "user", "file": str(user), "profile": config.active_profile}, user, always=True))
    layers.append(_layer({"type": "system", "file": str(system / "config.toml")}, system / "config.toml", always=True))
    return [layer for layer in layers if layer is not None]
