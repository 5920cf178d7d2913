"""config/value/write and config/batchWrite: edits to `$CODEX_HOME/config.toml` that keep its comments (tomlkit),
written atomically (mode 0600) and checked by loading the result; a file that would not load is put back as it was."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import anyio

from agent.config import write_text_atomic

from ._config_layers import file_version as version
from ._connection import Connection
from ._misc_methods import base_config
from ._wire import Params
from .errors import InvalidParamsError

Edit = tuple[str, Any, str]
"""(keyPath, value, mergeStrategy)"""


def _edit(method: str, raw: object, where: str) -> Edit:
    if not isinstance(raw, dict):
        raise InvalidParamsError(f"Invalid params for {method}: {where} must be an object")
    edit = cast(dict[str, Any], raw)
    key = edit.get("keyPath")
    if not isinstance(key, str) or not key:
        raise InvalidParamsError(f"Invalid params for {method}: {where}.keyPath must be a dotted key", field="keyPath")
    if "value" not in edit:
        raise InvalidParamsError(f"Invalid params for {method}: {where} is missing `value`", field="value")
    strategy = edit.get("mergeStrategy", "replace")
    if strategy not in ("replace", "upsert"):
        raise InvalidParamsError(f"Invalid params for {method}: {where}.mergeStrategy must be replace or upsert")
    return key, edit["value"], str(strategy)


def _apply(text: str, edits: list[Edit]) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    for key_path, value, strategy in edits:
        table: Any = document
        parts = key_path.split(".")
        for part in parts[:-1]:
            if part not in table:
                table[part] = tomlkit.table()
            table = table[part]
        if strategy == "upsert" and isinstance(value, dict) and isinstance(table.get(parts[-1]), dict):
            table[parts[-1]].update(value)
        elif value is None:
            table.pop(parts[-1], None)
        else:
            table[parts[-1]] = value
    return tomlkit.dumps(document)


async def _write(conn: Connection, params: Params, edits: list[Edit]) -> dict[str, Any]:
    home = conn.server.codex_home()
    path = Path(params.opt_str("filePath") or home / "config.toml")
    expected = params.opt_str("expectedVersion")
    method = params.method

    def write() -> tuple[str, str]:
        if os.path.realpath(path) != os.path.realpath(home / "config.toml"):
            raise InvalidParamsError(f"Invalid params for {method}: pycodex writes only {home / 'config.toml'}")
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if expected is not None and expected != version(old):
            raise InvalidParamsError(f"Invalid params for {method}: config.toml changed since `expectedVersion`")
        new = _apply(old, edits)
        write_text_atomic(path, new)
        return old, new

    old, new = await anyio.to_thread.run_sync(write)
    try:
        # A value of the wrong type is reported now, and the file keeps what it had.
        await base_config(conn)
    except BaseException:
        await anyio.to_thread.run_sync(write_text_atomic, path, old)
        raise
    return {"status": "ok", "version": version(new), "filePath": str(path), "overriddenMetadata": None}


async def config_value_write(conn: Connection, params: Params) -> dict[str, Any]:
    return await _write(conn, params, [_edit(params.method, params.raw, "the edit")])


async def config_batch_write(conn: Connection, params: Params) -> dict[str, Any]:
    edits = [_edit(params.method, raw, f"edits[{i}]") for i, raw in enumerate(params.list("edits"))]
    return await _write(conn, params, edits)
