"""`pycodex skills list`: the skills a session here would know, where each came from, and the SKILL.md files that
were skipped and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

_CD = typer.Option("--cd", "-C", help="The project whose skills to list (default: this directory).")
_CONFIG = typer.Option("--config", "-c", help="Override a config key (key=value, TOML).")


def register(app: typer.Typer) -> None:
    """Add `pycodex skills` to `app`."""
    group = typer.Typer(help="Skills: SKILL.md instructions the agent can follow (list them).")
    app.add_typer(group, name="skills")

    @group.command("list", help="Print the skills found for this directory, and the SKILL.md files skipped and why.")
    def list_skills(  # pyright: ignore[reportUnusedFunction]
        cd: Annotated[Path | None, _CD] = None,
        config: Annotated[list[str] | None, _CONFIG] = None,
        json_mode: Annotated[bool, typer.Option("--json", help="One JSON array of skills on standard output.")] = False,
    ) -> None:
        import json

        import agent
        from agent.skills import load_skills

        try:
            cfg = agent.load_config(agent.ConfigOverrides(cwd=cd), list(config or []))
        except agent.ConfigError as exc:
            typer.echo(f"Error loading configuration: {exc}", err=True)
            raise typer.Exit(1) from None
        skills = load_skills(cfg)
        for warning in skills.warnings():
            typer.echo(f"warning: {warning}", err=True)
        if json_mode:
            rows = [
                {
                    "name": s.name,
                    "description": s.description,
                    "shortDescription": s.short_description,
                    "path": str(s.path),
                    "scope": s.scope,
                    "enabled": s.enabled,
                }
                for s in skills.skills
            ]
            typer.echo(json.dumps(rows, indent=2))
            return
        if not skills.skills:
            typer.echo(
                "No skills found. Put a skill in a folder holding a SKILL.md under .agents/skills in the project, "
                f"{cfg.codex_home / 'skills'} or ~/.agents/skills."
            )
            return
        for skill in skills.skills:
            state = "" if skill.enabled else "  (disabled in [[skills.config]])"
            typer.echo(f"{skill.name} [{skill.scope}]{state}\n  {skill.short_description or skill.description}")
            typer.echo(f"  {skill.path}")
