"""`pycodex hooks list` and `pycodex hooks trust`: the hooks that apply here, where each came from, and the one-time
trust each needs before it runs (hooks run as you, outside the sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def _hook_set(cd: Path | None, config: list[str] | None) -> tuple[Any, Path, bool]:
    """The hooks that apply here, the user's config.toml, and whether hooks are on (`features.codex_hooks`)."""
    import agent
    from agent.config import system_config_dir
    from agent.hooks import hook_files, load_hooks, trusted_hashes

    try:
        cfg = agent.load_config(agent.ConfigOverrides(cwd=cd), list(config or []))
    except agent.ConfigError as exc:
        typer.echo(f"Error loading configuration: {exc}", err=True)
        raise typer.Exit(1) from None
    user_config = cfg.codex_home / "config.toml"
    system = system_config_dir()
    folders = hook_files(cfg.codex_home, system, cfg.project_codex_dirs)
    hooks = load_hooks(folders, trusted_hashes=trusted_hashes(user_config), managed_from=system)
    return hooks, user_config, cfg.toml.features.get("codex_hooks", True) is not False


_CD = typer.Option("--cd", "-C", help="The project whose hooks to use (default: this directory).")
_CONFIG = typer.Option("--config", "-c", help="Override a config key (key=value, TOML).")


def register(app: typer.Typer) -> None:
    """Add `pycodex hooks` to `app`."""
    group = typer.Typer(help="Hooks: your programs run at points of a session (list them, trust them).")
    app.add_typer(group, name="hooks")

    @group.command("list", help="Print the hooks in effect, where each was configured, and whether it is trusted.")
    def list_hooks(  # pyright: ignore[reportUnusedFunction]
        cd: Annotated[Path | None, _CD] = None,
        config: Annotated[list[str] | None, _CONFIG] = None,
        json_mode: Annotated[bool, typer.Option("--json", help="One JSON object per hook.")] = False,
    ) -> None:
        import json

        hooks, _, enabled = _hook_set(cd, config)
        for warning in hooks.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if not enabled:
            typer.echo("Hooks are turned off (features.codex_hooks = false): none of the hooks below runs.")
        if not hooks.all:
            typer.echo("No hooks are configured (add [hooks] to config.toml or a hooks.json beside it).")
            return
        for hook in hooks.all:
            trusted = hook in hooks.trusted
            if json_mode:
                row = {
                    "event": hook.event,
                    "matcher": hook.matcher,
                    "command": hook.command,
                    "timeout": hook.timeout_s,
                    "source": str(hook.source),
                    "key": hook.key,
                    "trusted": trusted,
                    "managed": hook.managed,
                }
                typer.echo(json.dumps(row))
                continue
            matcher = f" [{hook.matcher}]" if hook.matcher else ""
            state = (
                "managed by an administrator: trusted"
                if hook.managed
                else "trusted"
                if trusted
                else "NOT TRUSTED (will not run)"
            )
            typer.echo(
                f"{hook.event}{matcher}: {hook.command}  ({state}; timeout {hook.timeout_s}s)\n  from {hook.key}"
            )

    @group.command("trust", help="Trust hooks so that they run: the ones named by key, or --all untrusted ones.")
    def trust(  # pyright: ignore[reportUnusedFunction]
        keys: Annotated[list[str] | None, typer.Argument(help="Keys as `pycodex hooks list` prints them.")] = None,
        all_hooks: Annotated[bool, typer.Option("--all", help="Every hook that is not trusted yet.")] = False,
        cd: Annotated[Path | None, _CD] = None,
        config: Annotated[list[str] | None, _CONFIG] = None,
    ) -> None:
        import agent
        from agent.hooks import trust_hooks

        hooks, user_config, _ = _hook_set(cd, config)
        wanted = set(keys or [])
        unknown = wanted - {h.key for h in hooks.all}
        if unknown or not (wanted or all_hooks):
            reason = f"no hook has the key {sorted(unknown)[0]!r}" if unknown else "name hooks by key, or pass --all"
            typer.echo(f"Error: {reason} (see `pycodex hooks list`)", err=True)
            raise typer.Exit(2)
        chosen = [h for h in hooks.untrusted if all_hooks or h.key in wanted]
        try:
            count = trust_hooks(user_config, chosen)
        except agent.ConfigError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
        for hook in chosen:
            typer.echo(f"Trusted {hook.event}: {hook.command}")
        typer.echo(f"{count} hook{'s' if count != 1 else ''} trusted in {user_config}.")
