"""initialize, model/list, config/read, config/value/write, mcpServerStatus/list, command/exec and
fuzzyFileSearch."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import anyio

import agent

from . import _shapes as shapes
from ._config_layers import config_layers
from ._connection import Connection, Reply
from ._fuzzy import search_files
from ._wire import Params
from .errors import InvalidParamsError

_EFFORTS = [
    {"reasoningEffort": "low", "description": "Quick answers, light reasoning"},
    {"reasoningEffort": "medium", "description": "Balanced speed and depth"},
    {"reasoningEffort": "high", "description": "Deeper reasoning for hard problems"},
]


async def initialize(conn: Connection, params: Params) -> Reply:
    info = params.opt_obj("clientInfo")
    if info is None:
        raise InvalidParamsError("Invalid params for initialize: missing field `clientInfo`", field="clientInfo")
    name, version = info.get("name"), info.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        raise InvalidParamsError(
            "Invalid params for initialize: `clientInfo` needs `name` and `version` strings", field="clientInfo"
        )
    capabilities = params.opt_obj("capabilities") or {}
    raw_opted_out: object = capabilities.get("optOutNotificationMethods")
    opted_out = cast(list[Any], raw_opted_out) if isinstance(raw_opted_out, list) else []
    conn.handshake(name, [str(m) for m in opted_out])
    term = os.environ.get("TERM_PROGRAM") or os.environ.get("TERM") or "unknown"
    user_agent = (
        f"{name}/{shapes.CLI_VERSION} ({platform.system()} {platform.release()}; {platform.machine()}) {term} "
        f"({name}; {version}) pycodex"
    )
    result = {
        "userAgent": user_agent,
        "codexHome": str(conn.server.codex_home()),
        "platformFamily": "windows" if sys.platform == "win32" else "unix",
        "platformOs": {"darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform),
    }

    async def after() -> None:
        conn.server.warm_up()

    return Reply(result, after)


async def base_config(conn: Connection, cwd: str | None = None) -> agent.Config:
    options = conn.server.options
    overrides = agent.ConfigOverrides(cwd=Path(cwd) if cwd else None)
    return await anyio.to_thread.run_sync(
        lambda: agent.load_config(overrides, options.config_overrides, strict=options.strict_config)
    )


async def model_list(conn: Connection, params: Params) -> dict[str, Any]:
    # pycodex has no model catalogue: it offers the model its configuration selects.
    config = await base_config(conn)
    model = {
        "id": config.model,
        "model": config.model,
        "displayName": config.model,
        "description": f"The model configured for pycodex (provider {config.provider.id}).",
        "hidden": False,
        "isDefault": True,
        "defaultReasoningEffort": config.reasoning_effort or "medium",
        "supportedReasoningEfforts": _EFFORTS,
        "inputModalities": ["text", "image"],
        "supportsPersonality": False,
        "upgrade": None,
    }
    return {"data": [model], "nextCursor": None}


async def config_read(conn: Connection, params: Params) -> dict[str, Any]:
    config = await base_config(conn, params.opt_str("cwd"))
    effective: dict[str, Any] = dict(config.effective)
    effective.update(
        model=config.model,
        model_provider=config.provider.id,
        approval_policy=shapes.approval_policy(config.approval_policy),
        sandbox_mode=config.sandbox_mode,
        model_reasoning_effort=config.reasoning_effort,
    )
    overrides = conn.server.options.config_overrides
    layers = await anyio.to_thread.run_sync(config_layers, config, overrides)
    versions = {json.dumps(layer["name"], sort_keys=True): layer["version"] for layer in layers}
    user_file = str(config.codex_home / "config.toml")
    origins: dict[str, Any] = {}
    for key, _value, source in config.explain():
        label = str(source)
        if label == "default":
            continue
        name: dict[str, Any] = {"type": "user", "file": user_file, "profile": config.active_profile}
        if not label.endswith("config.toml") and "config.toml" not in label:
            name = {"type": "sessionFlags"}
        origins[key] = {"name": name, "version": versions.get(json.dumps(name, sort_keys=True), "1")}
    return {"config": effective, "origins": origins, "layers": layers if params.opt_bool("includeLayers") else None}


def _http_origin(server: Any) -> str | None:
    url = getattr(getattr(server, "transport", None), "url", None)
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _server_status(status: agent.McpServerStatus, server: Any, *, detail: str) -> dict[str, Any]:
    # As in Codex, the runtime status is a thread's: null when the server was started just for the listing.
    runtime = "disabled" if status.disabled else None
    if status.from_session:
        runtime = "connected" if status.connected else "failed"
    full = detail == "full"
    return {
        "name": status.name,
        "tools": status.tools,
        "resources": status.resources if full else [],
        "resourceTemplates": status.resource_templates if full else [],
        "authStatus": status.auth_status,
        "serverInfo": status.server_info if full else None,
        "serverCapabilities": status.capabilities if full else None,
        "toolsError": None if status.connected or status.disabled else status.error,
        "runtimeStatus": runtime,
        "httpOrigin": _http_origin(server),
        "pluginId": None,
        "toolListMeta": None,
        "environmentId": None,
    }


async def mcp_server_status_list(conn: Connection, params: Params) -> dict[str, Any]:
    thread_id = params.opt_str("threadId")
    if params.opt_str("environmentId") is not None:
        raise InvalidParamsError(
            "Invalid params for mcpServerStatus/list: `environmentId` is not supported by pycodex (it has no "
            "environments; every server is thread-wide)",
            field="environmentId",
        )
    detail = params.opt_str("detail") or "full"
    if detail not in ("full", "toolsAndAuthOnly"):
        raise InvalidParamsError(
            f"Invalid params for mcpServerStatus/list: `detail` must be full or toolsAndAuthOnly, not {detail!r}",
            field="detail",
        )
    threads = conn.server.threads
    loaded = [threads.require(thread_id)] if thread_id else threads.all()
    config = loaded[0].config if thread_id else await base_config(conn)
    names = sorted(config.mcp_servers)
    only = params.opt_str("serverName")
    if only is not None:
        if only not in config.mcp_servers:
            raise InvalidParamsError(
                f"mcpServerStatus/list: no MCP server named `{only}` is configured", field="serverName"
            )
        names = [only]
    start = 0
    cursor = params.opt_str("cursor")
    if cursor is not None:
        if not cursor.isdigit() or int(cursor) > len(names):
            raise InvalidParamsError(f"mcpServerStatus/list: invalid cursor {cursor!r}", field="cursor")
        start = int(cursor)
    limit = params.opt_int("limit")
    end = len(names) if not limit or limit <= 0 else min(len(names), start + limit)
    page = names[start:end]
    # A loaded thread's running connections are asked rather than starting its servers again.
    connections = [agent.mcp_connections(t.session) for t in loaded if t.session is not None]
    running = next((c for c in connections if c is not None), None)
    statuses = await agent.mcp_server_status(config, page, running=running, resources=detail == "full") if page else []
    data = [_server_status(s, config.mcp_servers[s.name], detail=detail) for s in statuses]
    return {"data": data, "nextCursor": str(end) if end < len(names) else None}


# Codex's per-stream capture cap for command/exec when the request names none.
DEFAULT_OUTPUT_BYTES_CAP = 1024 * 1024


def _exec_limits(params: Params) -> tuple[int | None, int | None]:
    """The request's (timeout in ms, per-stream output cap in bytes); None is no limit."""
    if params.opt_int("timeoutMs") is not None and params.opt_bool("disableTimeout"):
        raise InvalidParamsError("command/exec cannot set both timeoutMs and disableTimeout", field="timeoutMs")
    cap = params.opt_int("outputBytesCap")
    if cap is not None and params.opt_bool("disableOutputCap"):
        raise InvalidParamsError(
            "command/exec cannot set both outputBytesCap and disableOutputCap", field="outputBytesCap"
        )
    if cap is not None and cap < 0:
        raise InvalidParamsError(
            "Invalid params for command/exec: `outputBytesCap` must be 0 or more", field="outputBytesCap"
        )
    timeout = None if params.opt_bool("disableTimeout") else params.opt_int("timeoutMs") or 10_000
    if params.opt_bool("disableOutputCap"):
        return timeout, None
    return timeout, DEFAULT_OUTPUT_BYTES_CAP if cap is None else cap


async def command_exec(conn: Connection, params: Params) -> dict[str, Any]:
    argv = params.list("command")
    if not argv or not all(isinstance(a, str) for a in argv):
        raise InvalidParamsError("Invalid params for command/exec: `command` must be a non-empty array of strings")
    if params.raw.get("size") is not None and not params.raw.get("tty"):
        raise InvalidParamsError("command/exec size requires tty: true", field="size")
    unsupported = [k for k in ("tty", "size", "streamStdin", "streamStdoutStderr", "processId") if params.raw.get(k)]
    if unsupported:
        raise InvalidParamsError(
            f"Invalid params for command/exec: {', '.join(unsupported)} not supported by pycodex (it runs a command "
            "without a terminal to completion and returns its stdout and stderr)",
            field=unsupported[0],
        )
    sandbox_mode = None
    if params.raw.get("sandboxPolicy") is not None:
        try:
            sandbox_mode = shapes.sandbox_mode_of(params.raw["sandboxPolicy"])
        except ValueError as exc:
            raise InvalidParamsError(f"Invalid params for command/exec: {exc}", field="sandboxPolicy") from None
    timeout, cap = _exec_limits(params)
    env = params.opt_obj("env") or {}
    config = await base_config(conn)
    cwd = params.opt_str("cwd")
    result = await agent.run_command(
        config,
        [str(a) for a in argv],
        cwd=Path(cwd) if cwd else None,
        timeout_ms=timeout,
        sandbox_mode=cast(Any, sandbox_mode),
        env={str(k): None if v is None else str(v) for k, v in env.items()},
        output_cap=cap,
    )
    return {"exitCode": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}


async def fuzzy_file_search(conn: Connection, params: Params) -> dict[str, Any]:
    query = params.str("query")
    roots = params.opt_str_list("roots")
    if roots is None:
        raise InvalidParamsError("Invalid params for fuzzyFileSearch: missing field `roots`", field="roots")
    files = await anyio.to_thread.run_sync(search_files, query, roots)
    return {"files": files}
