"""Codex's TypeScript SDK (`@openai/codex-sdk`, npm) drives `pycodex exec` in place of Codex.

The SDK runs under node 22 from `.ci/npm` (see `sdk_driver.mjs`), spawns pycodex with exactly the argument list and
environment it gives Codex (`exec --experimental-json`, `--cd`, `--sandbox`, `--add-dir`, `--output-schema`, `resume
ID --image ...`, `CODEX_API_KEY`, `openai_base_url`), and reads its JSONL events. The model is the scripted
loopback server; commands run in the real sandbox.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.model_server import ScriptedModelServer, exec_call, message

REPO = Path(__file__).resolve().parents[2]
NPM = REPO / ".ci" / "npm" / "node_modules"
NODE = NPM / ".bin" / "node"
SDK = NPM / "@openai" / "codex-sdk" / "dist" / "index.js"
DRIVER = Path(__file__).with_name("sdk_driver.mjs")

pytestmark = pytest.mark.skipif(
    not (NODE.exists() and SDK.exists()),
    reason="@openai/codex-sdk or node 22 is not installed in .ci/npm (bash .ci/setup installs them)",
)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def pycodex(tmp_path: Path) -> Path:
    """An executable that runs this tree's `pycodex` (what `codexPathOverride` points at)."""
    script = tmp_path / "bin" / "pycodex"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cli "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture
def work(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    return work


def _spec(server: ScriptedModelServer, pycodex: Path, work: Path, **extra: Any) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(work.parent),
        "CODEX_HOME": os.environ["CODEX_HOME"],
        "PYTHONPATH": str(REPO),
    }
    thread = {"workingDirectory": str(work), "skipGitRepoCheck": True, "sandboxMode": "workspace-write"}
    return {
        "sdk": str(SDK),
        "codexPath": str(pycodex),
        "baseUrl": server.base_url,
        "apiKey": "sk-sdk-key",
        "env": env,
        "thread": {**thread, **extra.pop("thread", {})},
        **extra,
    }


def _drive(scenario: str, spec: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [str(NODE), str(DRIVER), scenario, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout.strip(), proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    assert "failed" not in result, result
    return result


def test_run_with_a_command_returns_items_final_answer_and_usage(pycodex: Path, work: Path, codex_home: Path) -> None:
    steps = [
        {"items": [exec_call("echo from-the-sandbox > made.txt && cat made.txt", "call_1", login=False)]},
        {"items": [message("The file says hello.")]},
    ]
    with ScriptedModelServer(steps) as server:
        result = _drive("run", _spec(server, pycodex, work, prompt="make a file"))
        requests = server.requests
    assert result["finalResponse"] == "The file says hello."
    assert [item["type"] for item in result["items"]] == ["command_execution", "agent_message"]
    command = result["items"][0]
    assert command["exit_code"] == 0 and command["aggregated_output"] == "from-the-sandbox\n"
    assert (work / "made.txt").read_text(encoding="utf-8") == "from-the-sandbox\n"
    assert result["usage"]["input_tokens"] == 200 and result["usage"]["cache_write_input_tokens"] == 0
    # The SDK's apiKey (CODEX_API_KEY) and baseUrl (openai_base_url) reached the model requests.
    assert {r.headers["authorization"] for r in requests} == {"Bearer sk-sdk-key"}
    assert requests[0].body["input"][-1]["content"][0]["text"] == "make a file"
    assert len(list((codex_home / "sessions").rglob("rollout-*.jsonl"))) == 1


def test_run_streamed_yields_thread_turn_and_item_events(pycodex: Path, work: Path) -> None:
    with ScriptedModelServer([{"items": [message("streamed answer")]}]) as server:
        result = _drive("streamed", _spec(server, pycodex, work, prompt="hi"))
    types = [event["type"] for event in result["events"]]
    assert types == ["thread.started", "turn.started", "item.completed", "turn.completed"]
    assert result["events"][0]["thread_id"] == result["threadId"]
    assert result["events"][2]["item"] == {"id": "item_0", "type": "agent_message", "text": "streamed answer"}


def test_output_schema_second_turn_and_resume_thread_continue_one_rollout(
    pycodex: Path, work: Path, codex_home: Path, tmp_path: Path
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": False,
    }
    steps = [{"items": [message("one")]}, {"items": [message("two")]}, {"items": [message('{"ok":true}')]}]
    with ScriptedModelServer(steps) as server:
        spec = _spec(
            server, pycodex, work, prompt="first", second="second", third="third", schema=schema, images=[str(image)]
        )
        result = _drive("two_turns_then_resume", spec)
        requests = server.requests
    assert result["answers"] == ["one", "two", '{"ok":true}']
    assert result["resumedId"] == result["threadId"]
    # Each later turn carried the earlier ones; the resumed turn had the output schema as its text format.
    assert [len([i for i in r.body["input"] if i.get("role") == "user"]) for r in requests][1:] == [3, 4]
    assert "text" not in requests[1].body or "format" not in requests[1].body.get("text", {})
    assert requests[2].body["text"]["format"]["schema"] == schema
    # `exec resume ID --image FILE`: the image went with the resumed turn's prompt.
    assert [part["type"] for part in requests[2].body["input"][-1]["content"]].count("input_image") == 1
    rollouts = list((codex_home / "sessions").rglob("rollout-*.jsonl"))
    assert len(rollouts) == 1 and result["threadId"] in rollouts[0].name


def test_images_reach_the_model_extra_dirs_are_writable_and_the_thread_source_is_recorded(
    pycodex: Path, work: Path, tmp_path: Path, codex_home: Path
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    extra = tmp_path / "extra"
    extra.mkdir()
    steps = [
        {"items": [exec_call(f"echo added > {extra}/x.txt", "call_1", login=False)]},
        {"items": [message("saw it")]},
    ]
    with ScriptedModelServer(steps) as server:
        spec = _spec(
            server,
            pycodex,
            work,
            prompt="look",
            images=[str(image)],
            thread={"additionalDirectories": [str(extra)], "threadSource": "user"},
        )
        result = _drive("images", spec)
        requests = server.requests
    assert result["finalResponse"] == "saw it"
    content = requests[0].body["input"][-1]["content"]
    assert [part["type"] for part in content].count("input_image") == 1
    assert any(part.get("image_url", "").startswith("data:image/png;base64,") for part in content)
    assert (extra / "x.txt").read_text(encoding="utf-8") == "added\n"
    (rollout,) = (codex_home / "sessions").rglob("rollout-*.jsonl")
    meta = json.loads(rollout.read_text(encoding="utf-8").splitlines()[0])
    assert meta["payload"]["thread_source"] == "user"


def _abort(scenario: str, spec: dict[str, Any], server: ScriptedModelServer) -> dict[str, Any]:
    proc = subprocess.Popen(
        [str(NODE), str(DRIVER), scenario, json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The model server is in this process but the turn is in another: poll for its request, bounded.
    deadline = time.monotonic() + 60
    while not server.requests:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "pycodex never sent the turn's request"
        time.sleep(0.02)
    out, err = proc.communicate("abort\n", timeout=60)
    assert out.strip(), err
    return json.loads(out.splitlines()[-1])


def test_abort_in_run_raises_the_sdks_abort_error(pycodex: Path, work: Path) -> None:
    with ScriptedModelServer([{"hang": True}]) as server:
        result = _abort("abort_run", _spec(server, pycodex, work, prompt="wait"), server)
    assert result["error"]["name"] == "AbortError", result


def test_abort_in_run_streamed_ends_without_turn_failed(pycodex: Path, work: Path) -> None:
    with ScriptedModelServer([{"hang": True}]) as server:
        result = _abort("abort_streamed", _spec(server, pycodex, work, prompt="wait"), server)
    assert result["error"]["name"] == "AbortError", result
    assert [event["type"] for event in result["events"]] == ["thread.started", "turn.started"]


def test_every_thread_option_of_the_sdk_is_accepted(pycodex: Path, work: Path) -> None:
    options = {
        "model": "gpt-5.5",
        "modelReasoningEffort": "high",
        "networkAccessEnabled": False,
        "webSearchMode": "disabled",
        "approvalPolicy": "never",
    }
    with ScriptedModelServer([{"items": [message("configured")]}]) as server:
        result = _drive("run", _spec(server, pycodex, work, prompt="hi", thread=options))
        body = server.requests[0].body
    assert result["finalResponse"] == "configured"
    assert body["model"] == "gpt-5.5" and body["reasoning"]["effort"] == "high"
    # Nothing the SDK passes is unknown to pycodex's config (an unknown key would show as an error item).
    assert [item["type"] for item in result["items"]] == ["agent_message"], result["items"]
