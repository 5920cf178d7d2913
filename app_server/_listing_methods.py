"""skills/list and hooks/list: what a session in each working directory would use, as `pycodex skills list` and
`pycodex hooks list` print it, in the shapes of Codex's app-server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio

import agent

from ._connection import Connection
from ._misc_methods import base_config
from ._wire import Params
from .errors import InvalidParamsError


def _cwds(params: Params) -> list[str]:
    cwds = params.opt_str_list("cwds")
    return cwds if cwds else [str(Path.cwd())]


async def _config_for(conn: Connection, method: str, cwd: str) -> agent.Config:
    if not await anyio.Path(cwd).is_dir():
        raise InvalidParamsError(f"Invalid params for {method}: `cwds` names {cwd}, which is not a directory")
    try:
        return await base_config(conn, cwd)
    except agent.ConfigError as exc:
        raise InvalidParamsError(f"Invalid params for {method}: the configuration for {cwd}: {exc}") from None


def _skills_entry(cwd: str, config: agent.Config) -> dict[str, Any]:
    from agent.skills import load_skills

    found = load_skills(config)
    skills = [
        {
            "name": skill.name,
            "description": skill.description,
            "shortDescription": skill.short_description,
            "path": str(skill.path),
            "scope": skill.scope,
            "enabled": skill.enabled,
            "interface": None,
            "dependencies": None,
        }
        for skill in found.skills
    ]
    errors = [{"path": str(problem.path), "message": str(problem)} for problem in found.problems]
    return {"cwd": cwd, "skills": skills, "errors": errors}


async def skills_list(conn: Connection, params: Params) -> dict[str, Any]:
    params.opt_bool("forceReload")  # every call reads the folders again: there is no cache to bypass
    data: list[dict[str, Any]] = []
    for cwd in _cwds(params):
        config = await _config_for(conn, "skills/list", cwd)
        data.append(await anyio.to_thread.run_sync(_skills_entry, cwd, config))
    return {"data": data}


def _camel(event: str) -> str:
    return event[:1].lower() + event[1:]


def _hooks_entry(cwd: str, config: agent.Config) -> dict[str, Any]:
    from agent.config import system_config_dir
    from agent.hooks import hook_files, load_hooks, trusted_hashes

    system = system_config_dir()
    folders = hook_files(config.codex_home, system, config.project_codex_dirs)
    trusted = trusted_hashes(config.codex_home / "config.toml")
    hooks = load_hooks(folders, trusted_hashes=trusted, managed_from=system)
    enabled = config.toml.features.get("codex_hooks", True) is not False
    rows: list[dict[str, Any]] = []
    for order, hook in enumerate(sorted(hooks.all, key=lambda h: h.key)):
        folder = hook.source.parent
        source = "system" if folder == system else "user" if folder == config.codex_home else "project"
        if hook.source.name == "managed_config.toml":
            source = "legacyManagedConfigFile"  # Codex's name for that file's layer (requirements.toml: system)
        if hook.managed:
            trust = "managed"
        elif hook in hooks.trusted:
            trust = "trusted"
        else:
            trust = "modified" if hook.key in trusted else "untrusted"
        rows.append(
            {
                "key": hook.key,
                "eventName": _camel(hook.event),
                "handlerType": "command",
                "command": hook.command,
                "async": False,
                "matcher": hook.matcher or None,
                "currentHash": hook.fingerprint,
                "displayOrder": order,
                "enabled": enabled,  # no per-hook switch: off only with `features.codex_hooks = false`
                "isManaged": hook.managed,
                "source": source,
                "sourcePath": str(hook.source),
                "timeoutSec": hook.timeout_s,
                "trustStatus": trust,
                "statusMessage": hook.status_message,
                "pluginId": None,
                "environmentId": None,
            }
        )
    # A malformed file is reported as a warning naming it; Codex's `errors` need a path, which the text holds.
    errors = [{"path": _path_in(w), "message": w} for w in hooks.warnings if _path_in(w)]
    warnings = [w for w in hooks.warnings if not _path_in(w)]
    return {"cwd": cwd, "hooks": rows, "errors": errors, "warnings": warnings}


def _path_in(text: str) -> str:
    match = re.search(r"(/\S+?(?:config\.toml|hooks\.json|requirements\.toml))", text)
    return match.group(1) if match else ""


async def hooks_list(conn: Connection, params: Params) -> dict[str, Any]:
    if params.opt_str("threadId") is not None and params.opt_str_list("cwds"):
        raise InvalidParamsError("Invalid params for hooks/list: give `threadId` or `cwds`, not both", field="cwds")
    thread_id = params.opt_str("threadId")
    if thread_id is not None:
        thread = conn.server.threads.require(thread_id)
        entry = await anyio.to_thread.run_sync(_hooks_entry, str(thread.config.cwd), thread.config)
        return {"data": [entry]}
    data: list[dict[str, Any]] = []
    for cwd in _cwds(params):
        config = await _config_for(conn, "hooks/list", cwd)
        data.append(await anyio.to_thread.run_sync(_hooks_entry, cwd, config))
    return {"data": data}
