"""`pycodex sessions`, `archive`, `unarchive`, `delete`: the recorded threads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the thread-management commands to `app`."""

    @app.command("sessions", help="List recorded sessions, newest first (this directory's, unless --all).")
    def sessions(  # pyright: ignore[reportUnusedFunction]
        all_dirs: Annotated[bool, typer.Option("--all", help="Sessions of every directory.")] = False,
        search: Annotated[str | None, typer.Option("--search", "-s", help="Only those whose prompt matches.")] = None,
        archived: Annotated[bool, typer.Option("--archived", help="Include archived sessions.")] = False,
        limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many sessions.")] = 20,
        json_mode: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    ) -> None:
        import json
        import sys

        import agent

        home = agent.codex_home()
        try:
            records = agent.list_threads(
                home, cwd=None if all_dirs else Path.cwd(), include_archived=archived, search=search, limit=limit
            )
        except agent.AgentError as exc:  # the index cannot be opened or written (a full disk, permissions)
            sys.stderr.write(f"Error: {exc}\n")
            raise typer.Exit(1) from None
        if not records and not json_mode:
            where = "" if all_dirs else f" in {Path.cwd()}"
            hint = "" if all_dirs else " (`pycodex sessions --all` lists those of every directory)"
            sys.stderr.write(f"No sessions{where}{hint}.\n")
        for record in records:
            if json_mode:
                sys.stdout.write(
                    json.dumps(
                        {
                            "id": record.id,
                            "cwd": record.cwd,
                            "updated_at": record.updated_at,
                            "created_at": record.created_at,
                            "model": record.model,
                            "git_branch": record.git_branch,
                            "first_user_message": record.first_user_message,
                            "tokens_used": record.tokens_used,
                            "archived": record.archived,
                            "rollout_path": str(record.rollout_path),
                        }
                    )
                    + "\n"
                )
            else:
                prompt = (record.first_user_message or "").replace("\n", " ")
                prompt = prompt if len(prompt) <= 60 else prompt[:59] + "…"
                flag = " [archived]" if record.archived else ""
                sys.stdout.write(f"{record.id}  {(record.updated_at or '')[:19]}  {prompt}{flag}\n")

    def _change(id_or_prefix: str, verb: str) -> None:
        import sys

        import agent

        home = agent.codex_home()
        try:
            if verb == "delete":
                record = agent.delete_thread(home, id_or_prefix)
            else:
                record = agent.set_archived(home, id_or_prefix, verb == "archive")
        except agent.AgentError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            raise typer.Exit(1) from None
        past = {"archive": "Archived", "unarchive": "Unarchived", "delete": "Deleted"}[verb]
        sys.stdout.write(f"{past} session {record.id}.\n")

    @app.command("archive", help="Archive a session (hidden from listings, kept on disk).")
    def archive(session_id: Annotated[str, typer.Argument(help="Session id or unique prefix.")]) -> None:  # pyright: ignore[reportUnusedFunction]
        _change(session_id, "archive")

    @app.command("unarchive", help="Bring an archived session back into listings.")
    def unarchive(session_id: Annotated[str, typer.Argument(help="Session id or unique prefix.")]) -> None:  # pyright: ignore[reportUnusedFunction]
        _change(session_id, "unarchive")

    @app.command("delete", help="Delete a session: its file and its index entry.")
    def delete(session_id: Annotated[str, typer.Argument(help="Session id or unique prefix.")]) -> None:  # pyright: ignore[reportUnusedFunction]
        _change(session_id, "delete")
