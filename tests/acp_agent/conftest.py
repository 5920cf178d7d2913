"""Fixtures of the ACP agent's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def work(repo: Path) -> Path:
    """The session's working folder: an empty git work tree."""
    return repo
