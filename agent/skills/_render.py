"""What the model is told about skills: the list at the start of a thread, and a skill's file when the user names
it with `$name`.

The list may take at most `BUDGET_SHARE` of the model's context window (`model_context_window`, else
`DEFAULT_WINDOW_TOKENS`), counted at `CHARS_PER_TOKEN` characters a token: 21,760 characters by default. When the
skills do not fit, the longest descriptions are shortened first (each ends with `…`); every name and file stays.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ._discover import SkillSet
from ._skill import Skill

BUDGET_SHARE = 0.02
DEFAULT_WINDOW_TOKENS = 272_000
CHARS_PER_TOKEN = 4
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")

_INTRO = """## Skills
A skill is a folder of instructions (and sometimes scripts or reference files) for one kind of task, described by
its SKILL.md file. These skills are available in this session. Each line gives the name, what the skill is for,
and its SKILL.md, written as a root below followed by the path inside it."""

_RULES = """### Using a skill
- Use a skill when the user names it (`$name`) or when the task plainly matches its description. If several
  apply, use each of them, in a sensible order, and say which ones you are using.
- When the user names a skill, its whole SKILL.md is given to you in a `<skill>` message; otherwise open the
  SKILL.md and read all of it before you start. Read the other files it points to only when you need them.
- Paths inside a skill are relative to the folder holding its SKILL.md.
- A skill applies to the turn it was asked for; do not keep using it in later turns unless asked again.
- If a skill cannot be read or does not fit the task, say so briefly and carry on with the best approach."""


def listing_budget(config: Config) -> int:
    """How many characters the lines of available skills may take."""
    window = config.toml.model_context_window or DEFAULT_WINDOW_TOKENS
    return int(window * BUDGET_SHARE * CHARS_PER_TOKEN)


def skills_instructions(skills: SkillSet, budget: int) -> str | None:
    """The `<skills_instructions>` developer text, or None when there is nothing to list (or it is turned off)."""
    listed = skills.enabled
    if not listed or not skills.include_instructions:
        return None
    roots: list[Path] = []
    for skill in listed:
        if skill.root.path not in roots:
            roots.append(skill.root.path)
    labels = {root: f"r{index}" for index, root in enumerate(roots)}
    heads: list[str] = []
    tails: list[str] = []
    for skill in listed:
        heads.append(f"- {skill.name}")
        tails.append(f"(file: {labels[skill.root.path]}/{skill.path.relative_to(skill.root.path).as_posix()})")
    # What the descriptions may use once the names, files and separators (": " and " ") are counted.
    fixed = sum(len(h) + len(t) + 4 for h, t in zip(heads, tails, strict=True))
    descriptions = fit_descriptions([s.description.replace("\n", " ") for s in listed], budget - fixed)
    lines = [
        f"{head}: {text} {tail}" if text else f"{head} {tail}"
        for head, text, tail in zip(heads, descriptions, tails, strict=True)
    ]
    root_lines = [f"- `{labels[root]}` = `{root}`" for root in roots]
    body = "\n".join([_INTRO, "### Skill roots", *root_lines, "### Available skills", *lines, _RULES])
    return f"<skills_instructions>\n{body}\n</skills_instructions>"


def fit_descriptions(descriptions: list[str], available: int) -> list[str]:
    """`descriptions` cut so that together they take at most `available` characters, the longest cut first."""
    if sum(len(d) for d in descriptions) <= available:
        return descriptions
    remaining = max(available, 0)
    cap = 0
    ordered = sorted(len(d) for d in descriptions)
    for index, length in enumerate(ordered):
        share = remaining // (len(ordered) - index)
        if length > share:
            cap = share
            break
        remaining -= length
    return [d if len(d) <= cap else (d[: cap - 1].rstrip() + "…" if cap > 1 else "") for d in descriptions]


def mentioned_skills(skills: SkillSet, text: str) -> list[Skill]:
    """The enabled skills `text` names with `$name`, in the order they are first named (each once).

    `$name` counts when the character after it cannot continue a name, so `$lint` does not name `lint-fix`.
    """
    found: list[tuple[int, Skill]] = []
    for skill in skills.enabled:
        if skill is not skills.named(skill.name):
            continue
        needle = "$" + skill.name
        start = text.find(needle)
        while start != -1:
            after = start + len(needle)
            if after >= len(text) or text[after] not in _NAME_CHARS:
                found.append((start, skill))
                break
            start = text.find(needle, after)
    return [skill for _, skill in sorted(found, key=lambda pair: pair[0])]


def skill_message(skill: Skill, contents: str) -> str:
    """The user message that carries a named skill's file, whole (frontmatter included)."""
    return f"<skill>\n<name>{skill.name}</name>\n<path>{skill.path}</path>\n{contents}\n</skill>"


def skill_injections(skills: SkillSet, text: str) -> tuple[list[str], list[str]]:
    """The `<skill>` messages for the skills `text` names, and a line for each whose file cannot be read now
    (blocking file I/O: run it in a worker thread)."""
    messages: list[str] = []
    problems: list[str] = []
    for skill in mentioned_skills(skills, text):
        try:
            contents = skill.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(f"The skill `{skill.name}` was named but {skill.path} cannot be read: {reason}")
            continue
        messages.append(skill_message(skill, contents))
    return messages, problems
