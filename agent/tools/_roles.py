"""Sub-agent roles: `[agents.<name>]` tables in the config and `*.toml` role files under `agents/` of each config
folder (`$CODEX_HOME/agents/`, a trusted project's `.codex/agents/`). A role gives a child developer instructions
(required), a description and nickname candidates, and may set `model` and `model_reasoning_effort`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

# `[agents]` keys that are settings, not roles.
SETTINGS = frozenset(
    {
        "max_threads",
        "max_depth",
        "default_subagent_model",
        "default_subagent_reasoning_effort",
        "job_max_runtime_seconds",
        "interrupt_message",
    }
)
_NICKNAME = re.compile(r"[A-Za-z0-9 _-]+")


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    developer_instructions: str
    nickname_candidates: tuple[str, ...] = ()
    model: str | None = None
    reasoning_effort: str | None = None


def load_roles(agents_table: Any, folders: Iterable[Path]) -> tuple[dict[str, Role], list[str]]:
    """The user's roles (config tables first, then role files) and a message per role that cannot be used."""
    roles: dict[str, Role] = {}
    problems: list[str] = []
    if isinstance(agents_table, dict):
        for name, value in cast(dict[str, Any], agents_table).items():
            if name in SETTINGS:
                continue
            _add(roles, problems, name, value, f"[agents.{name}]")
    for folder in folders:
        directory = folder / "agents"
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                problems.append(f"role file {path} cannot be read: {exc}")
                continue
            name = data.get("name") if isinstance(data.get("name"), str) else path.stem
            _add(roles, problems, str(name), data, str(path))
    return roles, problems


def _add(roles: dict[str, Role], problems: list[str], name: str, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: a role must be a table")
        return
    table = cast(Mapping[str, Any], value)
    instructions = table.get("developer_instructions")
    if not isinstance(instructions, str) or not instructions.strip():
        problems.append(f"{where}: the role `{name}` needs non-blank `developer_instructions`")
        return
    description = table.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(f"{where}: the role `{name}` needs a `description`")
        return
    raw_names: Any = table.get("nickname_candidates") or []
    names = [str(n) for n in cast(list[Any], raw_names)] if isinstance(raw_names, list) else []
    if any(not _NICKNAME.fullmatch(n) for n in names) or len(set(names)) != len(names):
        problems.append(f"{where}: nickname_candidates must be unique and use only letters, digits, space, _ and -")
        return
    model = table.get("model")
    effort = table.get("model_reasoning_effort")
    roles.setdefault(
        name,
        Role(
            name=name,
            description=description.strip(),
            developer_instructions=instructions,
            nickname_candidates=tuple(names),
            model=model if isinstance(model, str) else None,
            reasoning_effort=effort if isinstance(effort, str) else None,
        ),
    )


def agent_type_property(roles: Mapping[str, Role]) -> dict[str, Any]:
    """`spawn_agent`'s `agent_type` parameter, listing the user's roles (offered only when there is one)."""
    listing = "\n".join(f"{role.name}: {role.description}" for role in roles.values())
    return {"type": "string", "description": f"The role of the sub-agent, one of:\n{listing}"}
