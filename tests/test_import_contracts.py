"""The import-linter contracts stay complete, and every package shows its contract at the door."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_pure_library_contract_lists_every_private_agent_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    pure = next(c for c in contracts if c["name"] == "apply_patch and execpolicy are pure libraries")
    private = {f"agent.{p.stem}" for p in (ROOT / "agent").glob("_*.py") if p.stem != "__init__"}
    rooms = {f"agent.{p.parent.name}" for p in (ROOT / "agent").glob("*/__init__.py")}
    private |= rooms - {"agent.apply_patch", "agent.execpolicy"}
    assert private <= set(pure["forbidden_modules"])


@pytest.mark.parametrize(
    "package",
    [
        "agent",
        "agent.apply_patch",
        "agent.execpolicy",
        "agent.review",
        "agent.skills",
        "sandbox",
        "mcp_client",
        "mcp_server",
        "app_server",
        "cli",
        "tui",
        "acp_agent",
        "responses_api_proxy",
    ],
)
def test_every_public_name_is_importable(package: str) -> None:
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{package} has no __all__"
    for name in names:
        assert getattr(module, name) is not None
