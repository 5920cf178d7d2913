"""A third-party client from PyPI drives `pycodex app-server`: OpenAI's own Python SDK (`openai-codex`), which spawns
an app-server on stdio, runs a thread and a turn, and answers the turn's approval with its default handler.

(`codex-app-server-sdk`, the client the issue names, needs Python 3.12; this machine's is 3.11, so the official SDK
stands in for it.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.app_server.client import REPO, provider_args
from tests.support.model_server import ScriptedModelServer, exec_call, message

openai_codex = pytest.importorskip(
    "openai_codex", reason="openai-codex (PyPI) is not installed (bash .ci/setup installs it)"
)


# The SDK closes its app-server's pipes only when they are garbage-collected (its bug, not ours).
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_official_python_sdk_runs_a_thread_and_a_turn_with_an_approval(work: Path, codex_home: Path) -> None:
    steps = [
        {
            "items": [
                exec_call("echo from-the-sdk > sdk.txt", "c1", login=False, sandbox_permissions="require_escalated")
            ]
        },
        {"items": [message("Written by the SDK's turn.")]},
    ]
    with ScriptedModelServer(steps) as model:
        config = openai_codex.CodexConfig(
            launch_args_override=(sys.executable, "-m", "cli", "app-server", *provider_args(model.base_url)),
            cwd=str(work),
            env={"CODEX_HOME": str(codex_home), "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO), **_path()},
        )
        with openai_codex.Codex(config) as codex:
            # The SDK's default approval mode asks for Codex's automatic reviewer; pycodex asks the client instead,
            # and the SDK's default handler accepts.
            thread = codex.thread_start(cwd=str(work))
            result = thread.run("write the file")
            listed = codex.thread_list()
    assert result.status.value == "completed"
    assert result.final_response == "Written by the SDK's turn."
    assert (work / "sdk.txt").read_text(encoding="utf-8") == "from-the-sdk\n"
    assert thread.id in [t.id for t in listed.data]


def _path() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "")}
