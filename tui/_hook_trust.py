"""Asking once whether new hooks may run: hooks are the user's own programs and run outside the sandbox, so a hook
that was never trusted (or changed since) is shown with its command before the session starts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from rich.console import Group
from rich.text import Text
from textual.message_pump import MessagePump

import agent

from ._approval_dialogs import ApprovalDialog, Choice
from ._cells import ACCENT, MUTED
from ._messages import Notice

Ask = Callable[[MessagePump, Any, Any], Awaitable[Any]]
"""How a dialog is shown and its answer awaited (`_bridge.ask`)."""

_TRUST: Choice = ("y", "approved", "Yes, trust it: it runs as you, outside the sandbox")
_REJECT: Choice = ("n", "denied", "Not now: start without it")


def _trust_rest(count: int) -> Choice:
    return ("a", "approved_for_session", f"Yes, and trust the {count} after it too without asking")


async def confirm_hook_trust(target: MessagePump, config: agent.Config, ask: Ask) -> None:
    """Show each hook nobody trusted yet, one at a time, and record the ones the person trusts; nothing to ask,
    nothing shown."""
    from agent.config import system_config_dir
    from agent.hooks import hook_files, load_hooks, trusted_hashes

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
    pending = list(hooks.untrusted)
    count = len(pending)
    chosen: list[Any] = []
    for index, hook in enumerate(pending):
        matcher = f" [{hook.matcher}]" if hook.matcher else ""
        details = Group(
            Text.assemble((f"{hook.event}{matcher}  ", f"bold {ACCENT}"), hook.command),
            Text.assemble(("  from ", MUTED), str(hook.source)),
        )
        which = "this hook" if count == 1 else f"hook {index + 1} of {count}"
        rest = count - index - 1
        choices = [_TRUST, *([_trust_rest(rest)] if rest else []), _REJECT]
        decision = await ask(
            target, ApprovalDialog(f"Trust {which} before the session starts?", details, choices), "denied"
        )
        if decision == "approved_for_session":
            chosen.extend(pending[index:])
            break
        if decision == "approved":
            chosen.append(hook)
        elif decision != "denied":
            break  # the dialog was dismissed: no more questions, the rest stay untrusted
    await _record(target, user_config, chosen, count)


async def _record(target: MessagePump, user_config: Path, chosen: list[Any], count: int) -> None:
    """Record the trust of the `chosen` hooks of `count` asked about, and say what was decided."""
    from agent.hooks import trust_hooks

    left = count - len(chosen)
    if left:
        target.post_message(
            Notice("info", f"{left} hook{'s' if left != 1 else ''} not trusted: not run (`pycodex hooks trust` later).")
        )
    if not chosen:
        return
    try:
        await anyio.to_thread.run_sync(trust_hooks, user_config, chosen)
    except agent.ConfigError as exc:
        target.post_message(Notice("error", f"Could not record the hooks' trust: {exc}"))
        return
    target.post_message(Notice("approval", f"You trusted {len(chosen)} hook{'s' if len(chosen) != 1 else ''}"))
