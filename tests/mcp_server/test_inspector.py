"""The MCP Inspector CLI (2.12.0) lists the stdio server's tools and calls `codex`.

Needs node 22 and `@modelcontextprotocol/inspector@2.12.0` (both from .ci/setup, in `.ci/npm`, or the inspector in the
npm folder named by `PYCODEX_INSPECTOR_DIR`).
"""
# pyright: reportPrivateUsage=false

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.model_server import ScriptedModelServer, message

from .harness import REPO, write_provider
from .test_conformance import _tool, node22_env

pytestmark = pytest.mark.slow


def inspector(codex_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = _tool("mcp-inspector", "PYCODEX_INSPECTOR_DIR")
    command = [str(binary), "--cli", "-e", f"CODEX_HOME={codex_home}", "-e", f"PYTHONPATH={REPO}"]
    command += [sys.executable, "-m", "cli", "mcp-server", *args]
    return subprocess.run(command, env=node22_env(), capture_output=True, text=True, timeout=120, check=False, cwd=REPO)


def test_the_inspector_lists_both_tools_with_their_schemas(codex_home: Path) -> None:
    done = inspector(codex_home, "--method", "tools/list")
    assert done.returncode == 0, done.stderr
    tools = {tool["name"]: tool for tool in json.loads(done.stdout)["tools"]}
    assert sorted(tools) == ["codex", "codex-reply"]
    assert tools["codex"]["inputSchema"]["required"] == ["prompt"]
    assert tools["codex"]["outputSchema"]["required"] == ["threadId", "content"]


def test_the_inspector_calls_codex_and_gets_the_thread_and_answer(codex_home: Path, tmp_path: Path) -> None:
    with ScriptedModelServer([{"items": [message("Hello from the inspector run.")]}]) as model:
        write_provider(codex_home, model.base_url)
        done = inspector(
            codex_home, "--method", "tools/call", "--tool-name", "codex", "--tool-arg", "prompt=hi", f"cwd={tmp_path}"
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["content"] == [{"type": "text", "text": "Hello from the inspector run."}]
    assert result["structuredContent"]["content"] == "Hello from the inspector run."
    assert result["structuredContent"]["threadId"]
