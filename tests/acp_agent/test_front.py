"""The stdio front: its prepared `initialize` answer is the agent's own, and importing the package stays light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

import acp_agent
from acp_agent._agent import PycodexAgent
from acp_agent._front import ANSWER, REPLAY_ID, fast_answer

pytestmark = pytest.mark.anyio


def test_the_package_door_is_pinned() -> None:
    assert acp_agent.__all__ == ["AcpError", "AcpOptions", "run_stdio"]


async def test_the_prepared_initialize_answer_is_what_the_agent_answers() -> None:
    async with anyio.create_task_group() as tg:
        answer = await PycodexAgent(acp_agent.AcpOptions(), tg).initialize(protocol_version=1)
        # Serialised as the connection serialises results.
        wire = answer.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_unset=True)
        assert json.loads(ANSWER.read_text(encoding="utf-8")) == wire


def test_fast_answer_answers_a_plain_initialize_and_keeps_it_for_replay() -> None:
    prepared = json.loads(ANSWER.read_text(encoding="utf-8"))
    line = b'{"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"protocolVersion": 7}}\n'
    answered = fast_answer(line, prepared)
    assert answered is not None
    body, replay = (json.loads(part) for part in answered)
    assert body["id"] == 3 and body["result"]["protocolVersion"] == 1
    assert body["result"]["agentCapabilities"] == prepared["agentCapabilities"]
    assert replay == {**json.loads(line), "id": REPLAY_ID}


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b'{"jsonrpc": "2.0", "id": 1, "method": "session/new", "params": {}}',
        b'{"jsonrpc": "2.0", "method": "initialize", "params": {"protocolVersion": 1}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "1"}}',
        b'{"jsonrpc": "2.0", "id": true, "method": "initialize", "params": {"protocolVersion": 1}}',
    ],
)
def test_fast_answer_leaves_anything_else_to_the_agent(line: bytes) -> None:
    assert fast_answer(line, json.loads(ANSWER.read_text(encoding="utf-8"))) is None


def test_importing_the_package_does_not_import_the_protocol_library() -> None:
    code = "import sys, acp_agent; print('acp' in sys.modules, 'agent._session' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_a_bad_sandbox_flag_is_a_usage_error_before_serving() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "acp", "-s", "everything"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid value for --sandbox: 'everything'" in result.stderr
    assert result.stdout == ""


def test_the_preload_defers_the_protocol_models_skips_their_docstrings_and_the_version_is_the_metadatas(
    tmp_path: Path,
) -> None:
    # A fresh process: the preload changes how pydantic reads attribute docstrings, for acp.schema's models only.
    script = """
from importlib.metadata import version
from pydantic import BaseModel, ConfigDict
from acp_agent._front import _preload, installed_version
_preload()
import acp.schema

class Mine(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)
    name: str
    '''The name.'''

assert Mine.model_fields["name"].description == "The name.", Mine.model_fields
assert Mine.__pydantic_complete__  # other models are built as always
assert not acp.schema.ToolCallUpdate.__pydantic_complete__  # built on first use
assert acp.schema.ToolCallUpdate.model_validate({"toolCallId": "c1"}).tool_call_id == "c1"
assert acp.schema.ToolCallUpdate.model_fields["tool_call_id"].description is None
assert installed_version() == version("pycodex"), (installed_version(), version("pycodex"))
"""
    (tmp_path / "check.py").write_text(script)  # from a file: pydantic reads docstrings from the source
    done = subprocess.run([sys.executable, str(tmp_path / "check.py")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_agent_exits_at_once_when_the_client_closes_its_input(tmp_path: Path) -> None:
    # The initialize the front answered early is replayed to the agent and its second answer dropped; it was never
    # counted as answered, so shutdown waited its whole bound (5 s) for it after every session.
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "CODEX_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": "sk-test"}
    (tmp_path / "home").mkdir()
    requests: list[dict[str, Any]] = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": 1, "clientCapabilities": {}}},
        {"jsonrpc": "2.0", "id": 2, "method": "session/new", "params": {"cwd": str(work), "mcpServers": []}},
    ]
    with subprocess.Popen(
        [sys.executable, "-m", "cli", "acp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=work,
        env=env,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        answered: list[dict[str, object]] = []
        for request in requests:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            while True:
                message = json.loads(proc.stdout.readline())
                if message.get("id") == request["id"]:
                    answered.append(message)
                    break
        assert all("result" in message for message in answered), answered
        proc.stdin.close()
        start = time.monotonic()
        assert proc.wait(timeout=60) == 0
        assert time.monotonic() - start < 2.5
