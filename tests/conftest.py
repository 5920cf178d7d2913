"""Shared test configuration: anyio on asyncio, and an isolated CODEX_HOME for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def codex_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own empty CODEX_HOME so nothing reads or writes the real ~/.codex."""
    home = tmp_path_factory.mktemp("codex_home")
    monkeypatch.setenv("CODEX_HOME", str(home))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_SANDBOX", "CODEX_SANDBOX_NETWORK_DISABLED"):
        monkeypatch.delenv(var, raising=False)
    yield home
