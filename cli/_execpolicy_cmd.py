"""`pycodex execpolicy` (not implemented yet)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this command group to `app`."""
    del app
