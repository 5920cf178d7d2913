"""Running the app in the terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ._app import ConfigLoader, PycodexApp

if TYPE_CHECKING:
    import agent


def run_tui(
    config: agent.Config | ConfigLoader,
    *,
    resume_id: str | None = None,
    pick_resume: bool = False,
    prompt: str | None = None,
    remote: str | None = None,
    remote_token: str | None = None,
) -> int:
    """Run the chat TUI until the person quits; returns the exit code.

    Args:
        config: the session's configuration, or a function that builds it (called after the first paint; it
            raises `ConfigLoadError` to end the app with a message and an exit code).
        resume_id: reopen this past thread (id or unique prefix) instead of starting a new one.
        pick_resume: open the picker of past threads first.
        prompt: send this as the first prompt once the session is ready.
        remote: attach to the app-server at this `ws://` or `unix://` address instead of running the agent here.
        remote_token: the bearer token the app-server requires.
    """
    factory = None
    if remote is not None:
        from ._remote import remote_factory

        factory = remote_factory(remote, remote_token)
    app = PycodexApp(config, resume_id=resume_id, pick_resume=pick_resume, prompt=prompt, session_factory=factory)
    app.run()
    if app.resumable_thread_id is not None:
        # Printed once the terminal is back to normal, as Codex does.
        sys.stdout.write(f"To continue this session, run `pycodex resume {app.resumable_thread_id}`.\n")
    return app.return_code or 0
