"""Fixtures for the TUI tests: a scripted model server and a config that points the agent at it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import agent
from tests.support.model_server import ScriptedModelServer

Step = dict[str, Any]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository to work in."""
    work = tmp_path / "repo"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    return work


class Scripted:
    """`scripted(steps, approval=..., sandbox=..., overrides=[...])` starts a scripted model server and returns a
    config for a session in `repo` that talks to it; `scripted.server` is the newest server (its requests)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.servers: list[ScriptedModelServer] = []

    @property
    def server(self) -> ScriptedModelServer:
        return self.servers[-1]

    def __call__(
        self,
        steps: Sequence[Step],
        *,
        approval: str = "on-request",
        sandbox: str = "workspace-write",
        overrides: Sequence[str] = (),
        cwd: Path | None = None,
    ) -> agent.Config:
        server = ScriptedModelServer(list(steps)).__enter__()
        self.servers.append(server)
        return agent.load_config(
            agent.ConfigOverrides(cwd=cwd or self.repo, approval_policy=approval, sandbox_mode=sandbox),  # type: ignore[arg-type]
            [
                f'model_providers.mock={{name="Scripted", base_url="{server.base_url}"}}',
                "model_provider=mock",
                "model=test-model",
                "model_context_window=200000",
                *overrides,
            ],
        )


@pytest.fixture
def scripted(repo: Path) -> Iterator[Scripted]:
    made = Scripted(repo)
    yield made
    for server in made.servers:
        server.__exit__(None, None, None)
