"""Imports the engine's session path ahead of the first tool call (run on the front's loader thread)."""

from __future__ import annotations


def warm_up() -> None:
    """Import the SDK server and the engine's session path."""
    import importlib

    import agent

    importlib.import_module("mcp_server._stdio")
    importlib.import_module("agent.protocol")
    for name in ("Session", "load_config", "ConfigOverrides", "TextInput", "TurnOutcome"):
        getattr(agent, name)
