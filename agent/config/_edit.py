"""Changing the user's config.toml from pycodex (a trusted hook, an approved network host): through tomlkit, so
comments and layout survive, written to a temporary file and renamed over the original, mode 0600."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import tomlkit
import tomlkit.exceptions
from tomlkit import TOMLDocument

from ..errors import ConfigError


def edit_config(path: Path, change: Callable[[TOMLDocument], None]) -> None:
    """Apply `change` to the document at `path` (an empty one when the file does not exist) and save it atomically.

    Raises:
        ConfigError: the file cannot be read, is not valid TOML, or cannot be written.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", source=str(path)) from None
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", source=str(path)) from None
    change(document)
    write_text_atomic(path, tomlkit.dumps(document))  # pyright: ignore[reportUnknownMemberType]


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (mode 0600; the folder is created 0700): `mcp_client`'s one writer of
    private files."""
    from mcp_client import write_private_text

    try:
        write_private_text(path, text)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}", source=str(path)) from None
