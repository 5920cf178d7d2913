"""One skill: a SKILL.md file whose frontmatter names it and says what it is for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from ._frontmatter import FrontmatterError, parse_frontmatter

SkillScope = Literal["repo", "user", "admin"]
"""Where a skill was found: the project (`.codex/skills`, `.agents/skills`), the user's folders, or the machine's."""

MAX_NAME_CHARS = 64
MAX_DESCRIPTION_CHARS = 1024
MAX_SHORT_DESCRIPTION_CHARS = 1024
SKILL_FILE = "SKILL.md"


@dataclass(frozen=True)
class SkillRoot:
    """A folder searched for skills, and the scope of what is found in it."""

    path: Path
    scope: SkillScope


@dataclass(frozen=True)
class Skill:
    """A valid skill."""

    name: str
    description: str
    path: Path
    """The absolute path of its SKILL.md."""
    root: SkillRoot
    short_description: str | None = None
    enabled: bool = True

    @property
    def scope(self) -> SkillScope:
        return self.root.scope


@dataclass(frozen=True)
class SkillProblem:
    """Why a SKILL.md (or a root) was skipped: the file, the frontmatter field at fault (None: the whole file), and
    what is wrong."""

    path: Path
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f" (field `{self.field}`)" if self.field else ""
        return f"{self.path}{where}: {self.message}"


class _Invalid(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def read_skill(path: Path, root: SkillRoot) -> Skill | SkillProblem:
    """The skill in `path` (a SKILL.md), or the problem that keeps it from being one."""
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return SkillProblem(path, None, "is not UTF-8 text")
    except OSError as exc:
        return SkillProblem(path, None, f"cannot be read: {exc.strerror or exc}")
    try:
        return parse_skill(content, path, root)
    except _Invalid as exc:
        return SkillProblem(path, exc.field, exc.message)


def parse_skill(content: str, path: Path, root: SkillRoot) -> Skill:
    """Validate the frontmatter of `content` (raises `_Invalid` naming the field)."""
    try:
        front, _ = parse_frontmatter(content)
    except FrontmatterError as exc:
        raise _Invalid(None, str(exc)) from None
    name = _text_field(front, "name", MAX_NAME_CHARS)
    if "\n" in name:
        raise _Invalid("name", "must be on one line")
    description = _text_field(front, "description", MAX_DESCRIPTION_CHARS)
    short: str | None = None
    metadata = front.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise _Invalid("metadata", "must be a mapping (indented `key: value` lines)")
        value: Any = cast(dict[str, Any], metadata).get("short-description")
        if value is not None:
            if not isinstance(value, str):
                raise _Invalid("metadata.short-description", "must be text")
            short = _checked(value.strip(), "metadata.short-description", MAX_SHORT_DESCRIPTION_CHARS)
    return Skill(name=name, description=description, path=path, root=root, short_description=short or None)


def _text_field(front: dict[str, Any], field: str, limit: int) -> str:
    if field not in front or front[field] is None:
        raise _Invalid(field, f"missing field `{field}` in the frontmatter")
    value = front[field]
    if not isinstance(value, str):
        raise _Invalid(field, "must be text")
    return _checked(value.strip(), field, limit)


def _checked(value: str, field: str, limit: int) -> str:
    if not value:
        raise _Invalid(field, "must not be empty")
    if len(value) > limit:
        raise _Invalid(field, f"is {len(value)} characters long; the most allowed is {limit}")
    return value
