"""Fixtures of the app-server tests: Codex's schema (generated once by Codex's binary) and a git work tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.app_server.codex_schema import CODEX, CodexSchema


@pytest.fixture(scope="session")
def codex_schema(tmp_path_factory: pytest.TempPathFactory) -> CodexSchema | None:
    """Codex's app-server schema, or None where Codex's binary is not installed (.ci/setup installs it)."""
    if not CODEX.exists():
        return None
    return CodexSchema.generate(tmp_path_factory.mktemp("codex-schema"))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    return work
