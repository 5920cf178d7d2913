"""A client from PyPI drives `pycodex app-server`: OpenAI's own Python SDK (`openai-codex`), which spawns an
app-server on stdio and runs a thread and a turn. Its threads ask for the automatic approvals reviewer
(`approvalsReviewer: auto_review`), so pycodex's reviewer, not the client, answers the turn's approval.

(`codex-app-server-sdk`, the third-party client the issue names, needs Python 3.12: test_app_server_sdk.py runs it
in a virtualenv of its own.)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.app_server.client import REPO, provider_args
from tests.support.model_server import ScriptedModelServer, exec_call, message

ALLOW = json.dumps({"outcome": "allow", "risk_level": "low", "user_authorization": "high", "rationale": "asked for"})

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
        # The SDK's threads ask for the automatic reviewer (approvalsReviewer auto_review): it is asked next.
        {"items": [message(ALLOW)]},
        {"items": [message("Written by the SDK's turn.")]},
    ]
    with ScriptedModelServer(steps) as model:
        config = openai_codex.CodexConfig(
            launch_args_override=(sys.executable, "-m", "cli", "app-server", *provider_args(model.base_url)),
            cwd=str(work),
            env={"CODEX_HOME": str(codex_home), "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO), **_path()},
        )
        with openai_codex.Codex(config) as codex:
            thread = codex.thread_start(cwd=str(work))
            result = thread.run("write the file")
            listed = codex.thread_list()
        review = json.dumps(model.requests[1].body)
    assert "risk_level" in review and "echo from-the-sdk" in review
    assert result.status.value == "completed"
    assert result.final_response == "Written by the SDK's turn."
    assert (work / "sdk.txt").read_text(encoding="utf-8") == "from-the-sdk\n"
    assert thread.id in [t.id for t in listed.data]


def _path() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "")}
