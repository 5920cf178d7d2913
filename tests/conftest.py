"""Shared test configuration: anyio on asyncio, an isolated CODEX_HOME for every test, and a git work tree for
tests that need one."""

from __future__ import annotations

import subprocess
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


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git work tree, `work/` under the test's directory (the TUI's tests have their own)."""
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    return work
