"""`pycodex config explain [KEY]`: each effective value and the layer that set it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `config` group to `app`."""
    group = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)

    @group.command("explain", help="Show each effective config value and where it was set (file:line or flag).")
    def explain(  # pyright: ignore[reportUnusedFunction]
        key: Annotated[str | None, typer.Argument(help="Only this key and the keys under it.")] = None,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="Override: key=value.")] = None,
        profile: Annotated[str | None, typer.Option("--profile", "-p", help="Config profile to use.")] = None,
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown and unsupported keys as errors.")
        ] = False,
        cd: Annotated[
            Path | None, typer.Option("--cd", "-C", help="Explain the configuration as seen from this directory.")
        ] = None,
    ) -> None:
        import json
        import sys

        import agent

        try:
            labels = {"profile": "--profile"} if profile else {}
            cfg = agent.load_config(
                agent.ConfigOverrides(profile=profile, cwd=cd, labels=labels), list(config or []), strict=strict_config
            )
        except agent.ConfigError as exc:
            sys.stderr.write(f"Error loading configuration: {exc}\n")
            raise typer.Exit(exc.exit_code) from None
        rows = cfg.explain(key)
        if key is not None and not rows:
            sys.stderr.write(f"Error: no configuration key `{key}`\n")
            raise typer.Exit(1)
        width = max((len(k) for k, _, _ in rows), default=0)
        for name, value, source in rows:
            rendered = json.dumps(value, default=str) if not isinstance(value, str) else value
            sys.stdout.write(f"{name.ljust(width)}  {rendered}  ← {source}\n")
        for warning in cfg.warnings:
            sys.stderr.write(f"warning: {warning}\n")

    app.add_typer(group, name="config")
