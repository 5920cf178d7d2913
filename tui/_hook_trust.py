"""Asking once whether new hooks may run: hooks are the user's own programs and run outside the sandbox, so a hook
that was never trusted (or changed since) is shown with its command before the session starts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from rich.console import Group, RenderableType
from rich.text import Text
from textual.message_pump import MessagePump

import agent

from ._approval_dialogs import ApprovalDialog, Choice
from ._cells import ACCENT, MUTED
from ._messages import Notice

Ask = Callable[[MessagePump, Any, Any], Awaitable[Any]]
"""How a dialog is shown and its answer awaited (`_bridge.ask`)."""

_CHOICES: list[Choice] = [
    ("y", "approved", "Yes, trust them: they run as you, outside the sandbox"),
    ("n", "denied", "Not now: start without them"),
]


async def confirm_hook_trust(target: MessagePump, config: agent.Config, ask: Ask) -> None:
    """Show the hooks nobody trusted yet and record the person's trust; nothing to ask, nothing shown."""
    from agent.config import system_config_dir
    from agent.hooks import hook_files, load_hooks, trust_hooks, trusted_hashes

    user_config = config.codex_home / "config.toml"
    if config.bypass_hook_trust or config.toml.features.get("codex_hooks", True) is False:
        return  # nothing to ask: every hook runs, or none does

    def load() -> Any:
        system = system_config_dir()
        folders = hook_files(config.codex_home, system, config.project_codex_dirs)
        # With the administrator's requirements: `allow_managed_hooks_only` leaves nothing else to trust.
        return load_hooks(folders, trusted_hashes=trusted_hashes(user_config), managed_from=system)

    hooks = await anyio.to_thread.run_sync(load)
    if not hooks.untrusted:
        return
    details: list[RenderableType] = []
    for hook in hooks.untrusted:
        matcher = f" [{hook.matcher}]" if hook.matcher else ""
        details.append(Text.assemble((f"{hook.event}{matcher}  ", f"bold {ACCENT}"), hook.command))
        details.append(Text.assemble(("  from ", MUTED), str(hook.source)))
    count = len(hooks.untrusted)
    title = f"Trust {'this hook' if count == 1 else f'these {count} hooks'} before the session starts?"
    decision = await ask(target, ApprovalDialog(title, Group(*details), _CHOICES), "denied")
    if decision != "approved":
        target.post_message(Notice("info", "Hooks not trusted: they will not run (`pycodex hooks trust` later)."))
        return
    try:
        await anyio.to_thread.run_sync(trust_hooks, user_config, list(hooks.untrusted))
    except agent.ConfigError as exc:
        target.post_message(Notice("error", f"Could not record the hooks' trust: {exc}"))
        return
    target.post_message(Notice("approval", f"You trusted {count} hook{'s' if count != 1 else ''}"))
