"""A third-party client from PyPI, `codex-app-server-sdk`, drives `pycodex app-server`: a thread, a turn, and the
turn's command approval answered by the client's approval handler.

The SDK needs Python 3.12 or newer, so it lives in a virtualenv of its own that `.ci/setup` makes when such an
interpreter is on the machine (`.ci/sdk312`; `PYCODEX_SDK_PYTHON` names another), and its driver script
(`fixtures/app_server_sdk_driver.py`) runs there as a subprocess against a real `pycodex app-server`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_server.client import REPO, provider_args
from tests.support.model_server import ScriptedModelServer, exec_call, message

DRIVER = Path(__file__).parent / "fixtures" / "app_server_sdk_driver.py"


def sdk_python() -> Path:
    """The Python 3.12+ interpreter with codex-app-server-sdk, or a skip that says what is missing."""
    named = os.environ.get("PYCODEX_SDK_PYTHON")
    python = Path(named) if named else REPO / ".ci" / "sdk312" / "bin" / "python"
    if not python.exists():
        pytest.skip(
            f"no Python 3.12+ virtualenv for codex-app-server-sdk at {python} (the SDK needs Python >= 3.12; "
            "bash .ci/setup makes one when python3.12+ or pyenv's 3.12+ is on the machine)"
        )
    found = subprocess.run(
        [str(python), "-c", "import sys, codex_app_server_sdk; sys.exit(sys.version_info < (3, 12))"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.skip(f"{python} is not Python 3.12+ with codex-app-server-sdk installed (bash .ci/setup installs it)")
    return python


def test_codex_app_server_sdk_runs_a_thread_and_a_turn_with_an_approval(work: Path, codex_home: Path) -> None:
    python = sdk_python()
    steps = [
        {
            "items": [
                exec_call("echo from-the-sdk > sdk.txt", "c1", login=False, sandbox_permissions="require_escalated")
            ]
        },
        {"items": [message("Written through codex-app-server-sdk.")]},
    ]
    with ScriptedModelServer(steps) as model:
        spec = {
            "command": [sys.executable, "-m", "cli", "app-server", *provider_args(model.base_url)],
            "cwd": str(work),
            "env": {
                "CODEX_HOME": str(codex_home),
                "MOCK_API_KEY": "sk-mock",
                "PYTHONPATH": str(REPO),
                "PATH": os.environ.get("PATH", ""),
            },
            "prompt": "write the file",
        }
        ran = subprocess.run(
            [str(python), str(DRIVER), json.dumps(spec)], capture_output=True, text=True, timeout=120, check=False
        )
    assert ran.returncode == 0, ran.stderr[-3000:]
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["final_text"] == "Written through codex-app-server-sdk."
    (approval,) = seen["approvals"]
    assert approval["kind"] == "CommandApprovalRequest" and "echo from-the-sdk > sdk.txt" in approval["command"]
    assert (work / "sdk.txt").read_text(encoding="utf-8") == "from-the-sdk\n"
    turns = seen["read"]["thread"]["turns"]
    assert [t["id"] for t in turns][-1] == seen["turn_id"] and turns[-1]["status"] == "completed"
