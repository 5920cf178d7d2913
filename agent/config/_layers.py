"""Reading config layers and merging them, remembering which layer (file and line, or flag) set each key.

Precedence, low to high: built-in defaults < system `/etc/codex/config.toml` < user `$CODEX_HOME/config.toml`
< trusted project `.codex/config.toml` files (root first, closest to cwd last) < the active profile
< `-c key=value` overrides < explicit flags. (Codex lets a profile beat `-c`; here the most explicit thing on the
command line wins.)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..errors import ConfigError

SYSTEM_CONFIG_DIR_ENV = "PYCODEX_SYSTEM_CONFIG_DIR"


def system_config_dir() -> Path:
    """`/etc/codex`, or the directory named by PYCODEX_SYSTEM_CONFIG_DIR (used by tests and packagers)."""
    return Path(os.environ.get(SYSTEM_CONFIG_DIR_ENV, "/etc/codex"))


def codex_home(env: Mapping[str, str] | None = None) -> Path:
    """`$CODEX_HOME`, default `~/.codex`."""
    env = os.environ if env is None else env
    value = env.get("CODEX_HOME", "").strip()
    return Path(value).expanduser() if value else Path.home() / ".codex"


@dataclass(frozen=True)
class Source:
    """Where a value came from: a layer's label, and for files the path and line."""

    label: str
    path: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.path is None:
            return self.label
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{self.label} ({where})"


@dataclass
class Layer:
    """One source of settings: its data, and the line of each dotted key for files."""

    label: str
    data: dict[str, Any]
    path: Path | None = None
    lines: dict[str, int] = field(default_factory=lambda: {})

    def source_of(self, dotted: str) -> Source:
        line = self.lines.get(dotted)
        if line is None:
            # Fall back to the nearest enclosing table that has a line (inline tables, arrays of tables).
            parts = dotted.split(".")
            while parts and line is None:
                parts.pop()
                line = self.lines.get(".".join(parts))
        return Source(self.label, self.path, line)


def split_dotted_key(key: str) -> list[str]:
    """Split a TOML dotted key, honouring quoted segments: `projects."/a.b".trust_level`."""
    parts: list[str] = []
    buf: list[str] = []
    quote: str | None = None
    for ch in key.strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                buf.append(ch)
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf).strip())
    return parts


def _key_lines(text: str) -> dict[str, int]:
    """Map dotted keys to the line that defines them (best effort, for messages only)."""
    lines: dict[str, int] = {}
    table: list[str] = []
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            inner = line.strip("[]").split("#", 1)[0].strip().rstrip("]")
            table = split_dotted_key(inner)
            lines.setdefault(".".join(table), number)
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            dotted = ".".join([*table, *split_dotted_key(key)])
            lines.setdefault(dotted, number)
            if value.count('"""') % 2 == 1 or value.count("'''") % 2 == 1:
                in_multiline = True
    return lines


def read_toml_layer(path: Path, label: str) -> Layer | None:
    """Read one TOML file as a layer; None when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", source=str(path)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", source=str(path)) from exc
    return Layer(label, data, path, _key_lines(text))


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse one `-c key=value`: the value is TOML if it parses, else the raw string without outer quotes."""
    if "=" not in text:
        raise ConfigError(f"invalid override (missing '='): {text}", source=f"-c {text}")
    key, raw = text.split("=", 1)
    key = key.strip()
    raw = raw.strip()
    if not key:
        raise ConfigError(f"empty key in override: {text}", source=f"-c {text}")
    try:
        value = tomllib.loads(f"_x_ = {raw}")["_x_"]
    except tomllib.TOMLDecodeError:
        value = raw.strip("\"'")
    if key == "use_legacy_landlock":
        key = "features.use_legacy_landlock"
    return key.split("."), value


def override_layer(overrides: Iterable[str]) -> Layer:
    """All `-c` overrides as one layer, each key's source being its own flag."""
    data: dict[str, Any] = {}
    layer = Layer("-c", data)
    for text in overrides:
        path, value = parse_override(text)
        set_path(data, path, value)
    return layer


def flag_sources(overrides: Iterable[str]) -> dict[str, Source]:
    """The source (the exact `-c` flag) of every leaf each override sets."""
    sources: dict[str, Source] = {}
    for text in overrides:
        path, value = parse_override(text)
        for leaf in leaf_paths(value, ".".join(path)):
            sources[leaf] = Source(f"-c {text.strip()}")
    return sources


def set_path(data: dict[str, Any], path: list[str], value: Any) -> None:
    """Set `value` at `path`, creating intermediate tables and replacing non-tables in the way."""
    node = data
    for part in path[:-1]:
        child: object = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = cast(dict[str, Any], child)
    node[path[-1]] = value


def leaf_paths(value: Any, prefix: str) -> list[str]:
    """Dotted paths of the leaves under `value` (a non-table value is its own leaf)."""
    if isinstance(value, dict) and value:
        out: list[str] = []
        for key, sub in value.items():  # pyright: ignore[reportUnknownVariableType]
            out.extend(leaf_paths(sub, f"{prefix}.{key}" if prefix else str(key)))  # pyright: ignore[reportUnknownArgumentType]
        return out
    return [prefix]


def merge_into(base: dict[str, Any], overlay: Mapping[str, Any]) -> None:
    """Recursive table merge: tables merge, anything else is replaced by the overlay."""
    for key, value in overlay.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merge_into(current, value)  # pyright: ignore[reportUnknownArgumentType]
        elif isinstance(value, dict):
            fresh: dict[str, Any] = {}
            merge_into(fresh, value)  # pyright: ignore[reportUnknownArgumentType]
            base[key] = fresh
        else:
            base[key] = value


def get_path(data: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path, or None."""
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]  # pyright: ignore[reportUnknownVariableType]
    return node  # pyright: ignore[reportUnknownVariableType]


def find_project_root(cwd: Path, markers: list[str]) -> Path | None:
    """The nearest ancestor of `cwd` (inclusive) holding one of `markers`."""
    if not markers:
        return None
    for directory in (cwd, *cwd.parents):
        if any((directory / marker).exists() for marker in markers):
            return directory
    return None


def project_dirs(cwd: Path, markers: list[str]) -> list[Path]:
    """Directories from the project root down to `cwd` (just `cwd` when there is no root)."""
    root = find_project_root(cwd, markers)
    if root is None:
        return [cwd]
    dirs = [cwd]
    for parent in cwd.parents:
        dirs.append(parent)
        if parent == root:
            break
    return list(reversed(dirs))
