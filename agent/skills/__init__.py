"""Skills and custom prompts: instructions the user keeps in Markdown files.

Skills are SKILL.md files the model is told about (and given whole when the user names one with `$name`); custom
prompts are `$CODEX_HOME/prompts/*.md` files the TUI offers as `/prompts:<name>` commands.

Names load on first use (PEP 562), so importing one piece does not import the rest."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._discover import MAX_DEPTH as MAX_DEPTH
    from ._discover import MAX_DIRS_PER_ROOT as MAX_DIRS_PER_ROOT
    from ._discover import SkillSet as SkillSet
    from ._discover import disabled_paths as disabled_paths
    from ._discover import discover as discover
    from ._discover import load_skills as load_skills
    from ._discover import skill_roots as skill_roots
    from ._frontmatter import FrontmatterError as FrontmatterError
    from ._frontmatter import parse_frontmatter as parse_frontmatter
    from ._prompts import CustomPrompt as CustomPrompt
    from ._prompts import PromptArgumentError as PromptArgumentError
    from ._prompts import expand_prompt as expand_prompt
    from ._prompts import load_custom_prompts as load_custom_prompts
    from ._prompts import prompts_dir as prompts_dir
    from ._prompts import read_custom_prompt as read_custom_prompt
    from ._render import fit_descriptions as fit_descriptions
    from ._render import listing_budget as listing_budget
    from ._render import mentioned_skills as mentioned_skills
    from ._render import skill_injections as skill_injections
    from ._render import skill_message as skill_message
    from ._render import skills_instructions as skills_instructions
    from ._skill import Skill as Skill
    from ._skill import SkillProblem as SkillProblem
    from ._skill import SkillRoot as SkillRoot
    from ._skill import SkillScope as SkillScope
    from ._skill import read_skill as read_skill

_WHERE = {
    "MAX_DEPTH": "._discover",
    "MAX_DIRS_PER_ROOT": "._discover",
    "SkillSet": "._discover",
    "discover": "._discover",
    "disabled_paths": "._discover",
    "load_skills": "._discover",
    "skill_roots": "._discover",
    "FrontmatterError": "._frontmatter",
    "parse_frontmatter": "._frontmatter",
    "CustomPrompt": "._prompts",
    "PromptArgumentError": "._prompts",
    "expand_prompt": "._prompts",
    "load_custom_prompts": "._prompts",
    "prompts_dir": "._prompts",
    "read_custom_prompt": "._prompts",
    "fit_descriptions": "._render",
    "listing_budget": "._render",
    "mentioned_skills": "._render",
    "skill_injections": "._render",
    "skill_message": "._render",
    "skills_instructions": "._render",
    "Skill": "._skill",
    "SkillProblem": "._skill",
    "SkillRoot": "._skill",
    "SkillScope": "._skill",
    "read_skill": "._skill",
}

__all__ = [
    "MAX_DEPTH",
    "MAX_DIRS_PER_ROOT",
    "SkillSet",
    "discover",
    "disabled_paths",
    "load_skills",
    "skill_roots",
    "FrontmatterError",
    "parse_frontmatter",
    "CustomPrompt",
    "PromptArgumentError",
    "expand_prompt",
    "load_custom_prompts",
    "prompts_dir",
    "read_custom_prompt",
    "fit_descriptions",
    "listing_budget",
    "mentioned_skills",
    "skill_injections",
    "skill_message",
    "skills_instructions",
    "Skill",
    "SkillProblem",
    "SkillRoot",
    "SkillScope",
    "read_skill",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.skills' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
