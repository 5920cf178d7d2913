"""Merging the configuration layers into one raw table, remembering where each key came from.

Pydantic-free, so that a command needing only a few keys (`pycodex sandbox`) can read the configured values without
the cost of validating the whole schema; `load_config` builds on it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._json import as_obj
from ..errors import ConfigError
from ._layers import (
    Layer,
    Source,
    codex_home,
    flag_sources,
    get_path,
    leaf_paths,
    merge_into,
    override_layer,
    project_dirs,
    read_toml_layer,
    set_path,
    system_config_dir,
)

DEFAULT_SOURCE = Source("default")


@dataclass(frozen=True)
class MergedLayers:
    """Every layer merged, before validation."""

    codex_home: Path
    cwd: Path
    merged: dict[str, Any]
    provenance: dict[str, Source]
    warnings: tuple[str, ...] = ()
    active_profile: str | None = None
    project_root: Path | None = None
    trust: str | None = None
    project_codex_dirs: tuple[Path, ...] = field(default_factory=tuple)


def _resolve_cwd(cwd: Path | None) -> Path:
    path = Path(cwd) if cwd is not None else Path.cwd()
    path = path.expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    path = Path(os.path.normpath(path))
    if not path.is_dir():
        raise ConfigError(f"working directory does not exist: {path}", source="--cd")
    return path


def _trust_of(projects: Mapping[str, Any], candidates: Sequence[Path]) -> str | None:
    for candidate in candidates:
        entry = projects.get(str(candidate))
        if isinstance(entry, dict):
            level = entry.get("trust_level")  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType]
            if isinstance(level, str):
                return level
    return None


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _apply_profile(
    merged: dict[str, Any], provenance: dict[str, Source], chosen: Any, flags: Layer, labels: Mapping[str, str]
) -> str | None:
    """Merge the active profile (chosen by flag, else by the files' `profile`) over the files; returns its name."""
    profile_name = chosen or merged.get("profile")
    if profile_name is not None and not isinstance(profile_name, str):
        raise ConfigError("`profile` must be a string", key="profile", source=str(provenance.get("profile")))
    active_profile: str | None = profile_name
    if active_profile is not None:
        profiles = as_obj(get_path(merged, "profiles"))
        flag_profile: Any = get_path(flags.data, f"profiles.{active_profile}")
        if active_profile not in profiles and flag_profile is None:
            raise ConfigError(
                f"config profile `{active_profile}` not found",
                key="profile",
                source=labels.get("profile", str(provenance.get("profile", DEFAULT_SOURCE))),
            )
        profile_data = as_obj(profiles.get(active_profile))
        if profile_data:
            merge_into(merged, profile_data)
            for leaf in leaf_paths(profile_data, ""):
                provenance[leaf] = provenance.get(
                    f"profiles.{active_profile}.{leaf}", Source(f"profile {active_profile}")
                )
                provenance[leaf] = Source(f"profile {active_profile}", provenance[leaf].path, provenance[leaf].line)

    return active_profile


def merge_config_layers(
    *,
    cwd: Path | None = None,
    profile: str | None = None,
    cli_overrides: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> MergedLayers:
    """System, user and trusted project files, the active profile, `-c` overrides and structured `values`, merged.

    Raises:
        ConfigError: a file is not valid TOML, `-c` is malformed, the profile does not exist, `cwd` is missing.
    """
    cwd_arg = cwd
    values = values or {}
    labels = labels or {}
    env = os.environ if env is None else env
    home = codex_home(env)
    cwd = _resolve_cwd(cwd_arg)
    warnings: list[str] = []

    layers: list[Layer] = []
    for path, label in ((system_config_dir() / "config.toml", "system"), (home / "config.toml", "user")):
        layer = read_toml_layer(path, label)
        if layer is not None:
            layers.append(layer)

    base: dict[str, Any] = {}
    for layer in layers:
        merge_into(base, layer.data)
    flags = override_layer(cli_overrides)
    markers_value = get_path(flags.data, "project_root_markers") or base.get("project_root_markers") or [".git"]
    markers = [str(m) for m in markers_value] if isinstance(markers_value, list) else [".git"]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]

    # Project layers: only for trusted projects.
    projects_value = base.get("projects")
    projects: dict[str, Any] = projects_value if isinstance(projects_value, dict) else {}  # pyright: ignore[reportUnknownVariableType]
    dirs = project_dirs(cwd, markers)
    project_root = dirs[0] if len(dirs) > 1 or (dirs and any((dirs[0] / m).exists() for m in markers)) else None
    trust_candidates = [cwd, *([project_root] if project_root else [])]
    git_root = _git_root(cwd)
    if git_root is not None:
        trust_candidates.append(git_root)
    trust = _trust_of(projects, trust_candidates)
    user_config = home / "config.toml"
    project_codex_dirs: list[Path] = []
    for directory in dirs:
        dot_codex = directory / ".codex"
        if dot_codex.resolve() == home.resolve():
            continue
        if trust == "trusted" and dot_codex.is_dir():
            project_codex_dirs.append(dot_codex)
        layer = read_toml_layer(dot_codex / "config.toml", "project")
        if layer is None:
            continue
        if trust != "trusted":
            key = project_root or cwd
            warnings.append(
                f"{layer.path} was not loaded because the project is not trusted. To load it, add "
                f'[projects."{key}"] trust_level = "trusted" to {user_config}.'
            )
            continue
        layers.append(layer)

    merged: dict[str, Any] = {}
    provenance: dict[str, Source] = {}
    for layer in layers:
        merge_into(merged, layer.data)
        for leaf in leaf_paths(layer.data, ""):
            provenance[leaf] = layer.source_of(leaf)

    # The active profile applies above the files.
    active_profile = _apply_profile(merged, provenance, profile or get_path(flags.data, "profile"), flags, labels)

    merge_into(merged, flags.data)
    provenance.update(flag_sources(cli_overrides))
    for dotted, value in values.items():
        set_path(merged, dotted.split("."), value)
        for leaf in leaf_paths(value, dotted):
            provenance[leaf] = Source(labels.get(dotted, f"config value {dotted}"))

    return MergedLayers(
        codex_home=home,
        cwd=cwd,
        merged=merged,
        provenance=provenance,
        warnings=tuple(warnings),
        active_profile=active_profile,
        project_root=project_root,
        trust=trust,
        project_codex_dirs=tuple(project_codex_dirs),
    )
