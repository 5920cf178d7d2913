"""Finding skills: the roots a session searches, the walk through each, and the set that results.

Roots, in the order their skills are listed (for two skills of one name, the first wins `$name`):

1. repo: `.codex/skills` of the trusted project's `.codex` folders, then `.agents/skills` in every folder from the
   cwd up to the project root (closest first). `.agents/skills` is read whether or not the project is trusted, like
   AGENTS.md: a skill is text for the model, never something that runs by itself.
2. user: `$CODEX_HOME/skills`, then `~/.agents/skills`.
3. admin: `/etc/codex/skills` (the system config folder).

A skill is any SKILL.md at most `MAX_DEPTH` folders below a root; hidden folders are not searched, symbolic links
to folders are followed once, and at most `MAX_DIRS_PER_ROOT` folders are read per root. Skills are deduplicated
by the real path of their file.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Config, find_project_root, system_config_dir
from ._skill import SKILL_FILE, Skill, SkillProblem, SkillRoot, read_skill

MAX_DEPTH = 6
MAX_DIRS_PER_ROOT = 2000


@dataclass(frozen=True)
class SkillSet:
    """The skills a session knows: valid ones (enabled or not), the problems found, and the roots searched."""

    skills: tuple[Skill, ...] = ()
    problems: tuple[SkillProblem, ...] = ()
    roots: tuple[SkillRoot, ...] = ()
    include_instructions: bool = True
    """`[skills] include_instructions`: false leaves the list of skills out of the model's context."""

    @property
    def enabled(self) -> tuple[Skill, ...]:
        return tuple(s for s in self.skills if s.enabled)

    def named(self, name: str) -> Skill | None:
        """The enabled skill called `name` (the first in root order when several are)."""
        return next((s for s in self.skills if s.enabled and s.name == name), None)

    def warnings(self) -> list[str]:
        """One line per skipped skill and per name used by more than one enabled skill."""
        lines = [f"Skipped a skill: {problem}" for problem in self.problems]
        seen: dict[str, Skill] = {}
        for skill in self.enabled:
            first = seen.setdefault(skill.name, skill)
            if first is not skill:
                lines.append(
                    f"Two skills are named `{skill.name}`: {first.path} and {skill.path}; `${skill.name}` uses the "
                    "first. Rename one to use both."
                )
        return lines


def skill_roots(config: Config, *, home: Path | None = None) -> list[SkillRoot]:
    """Every root a session in `config.cwd` searches, in order (roots that do not exist are included)."""
    cwd = config.cwd.resolve()
    project_root = find_project_root(cwd, config.toml.project_root_markers) or cwd
    upward = [cwd, *[p for p in cwd.parents if p.is_relative_to(project_root)]]
    roots = [SkillRoot(d / "skills", "repo") for d in reversed(config.project_codex_dirs)]
    roots += [SkillRoot(d / ".agents" / "skills", "repo") for d in upward]
    home = Path.home() if home is None else home
    roots += [
        SkillRoot(config.codex_home / "skills", "user"),
        SkillRoot(home / ".agents" / "skills", "user"),
        SkillRoot(system_config_dir() / "skills", "admin"),
    ]
    unique: list[SkillRoot] = []
    seen: set[Path] = set()
    for root in roots:
        real = _real(root.path)
        if real not in seen:
            seen.add(real)
            unique.append(root)
    return unique


def load_skills(config: Config) -> SkillSet:
    """Search every root of `config` and apply `[skills]` (blocking file I/O: run it in a worker thread)."""
    roots = skill_roots(config)
    return discover(
        roots, disabled=disabled_paths(config), include_instructions=config.toml.skills.include_instructions
    )


def discover(
    roots: Iterable[SkillRoot], *, disabled: set[Path] | None = None, include_instructions: bool = True
) -> SkillSet:
    """The skills under `roots` (see the module docstring); `disabled` holds real paths of SKILL.md files."""
    disabled = disabled or set()
    skills: list[Skill] = []
    problems: list[SkillProblem] = []
    searched: list[SkillRoot] = []
    seen: set[Path] = set()
    for root in roots:
        if not _is_dir(root.path):
            continue
        searched.append(root)
        files, problem = _skill_files(root.path)
        if problem is not None:
            problems.append(problem)
        found: list[Skill] = []
        for path in files:
            real = _real(path)
            if real in seen:
                continue
            seen.add(real)
            result = read_skill(path, root)
            if isinstance(result, SkillProblem):
                problems.append(result)
            else:
                found.append(replace(result, enabled=real not in disabled))
        skills.extend(sorted(found, key=lambda s: (s.name, str(s.path))))
    return SkillSet(tuple(skills), tuple(problems), tuple(searched), include_instructions)


def disabled_paths(config: Config) -> set[Path]:
    """Real paths of the SKILL.md files `[[skills.config]]` turns off (the last entry for a path wins)."""
    state: dict[Path, bool] = {}
    for entry in config.toml.skills.config:
        path = Path(entry.path).expanduser()
        if not path.is_absolute():
            path = config.cwd / path
        if path.name != SKILL_FILE:
            path = path / SKILL_FILE
        state[_real(path)] = entry.enabled
    return {path for path, enabled in state.items() if not enabled}


def _skill_files(root: Path) -> tuple[list[Path], SkillProblem | None]:
    """SKILL.md files under `root`, breadth first, within the depth and folder limits."""
    files: list[Path] = []
    queue: deque[tuple[Path, int]] = deque([(root, 0)])
    visited: set[Path] = {_real(root)}
    count = 0
    while queue:
        directory, depth = queue.popleft()
        count += 1
        if count > MAX_DIRS_PER_ROOT:
            message = (
                f"stopped looking for skills here after {MAX_DIRS_PER_ROOT} folders; skills further in are not used"
            )
            return files, SkillProblem(root, None, message)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.name == SKILL_FILE and entry.is_file():
                    files.append(Path(entry.path))
                    continue
                if depth >= MAX_DEPTH or entry.name.startswith(".") or not entry.is_dir():
                    continue
            except OSError:
                continue
            real = _real(Path(entry.path))
            if real not in visited:
                visited.add(real)
                queue.append((Path(entry.path), depth + 1))
    return files, None


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a folder on the way that this user may not read
        return False


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python 3.11)
        return path.absolute()
