"""MCP servers as the model's tools inside `pycodex exec`: real server subprocesses, the scripted model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.exec_harness import REPO, ExecRun, run_exec
from tests.support.model_server import function_call, message

EVERYTHING = REPO / ".ci/npm/node_modules/.bin/mcp-server-everything"
NODE = shutil.which("node")
TOOLBOX = REPO / "tests/mcp_client/servers/toolbox.py"

needs_everything = pytest.mark.skipif(
    not EVERYTHING.exists() or NODE is None,
    reason="@modelcontextprotocol/server-everything is not installed (run .ci/setup)",
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    return work


def _everything(codex_home: Path, extra: str = "") -> None:
    (codex_home / "config.toml").write_text(
        f'[mcp_servers.everything]\ncommand = "{NODE}"\nargs = ["{EVERYTHING}", "stdio"]\n{extra}'
    )


def _outputs(run: ExecRun, index: int) -> list[Any]:
    body = run.requests[index].body
    if "input" in body:
        return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    return [m["content"] for m in body["messages"] if m.get("role") == "tool"]


@needs_everything
def test_flat_mcp_tool_call_reaches_the_server_and_reports_an_item(repo: Path, codex_home: Path) -> None:
    _everything(codex_home)
    steps = [
        {"items": [function_call("mcp__everything__echo", {"message": "hi"}, "m1")]},
        {"items": [message("echoed")]},
    ]
    run = run_exec(steps, ["--json", "echo"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 0, run.stderr
    names = [t.get("name") for t in run.requests[0].body["tools"]]
    assert "mcp__everything__echo" in names
    # server-everything's schemas carry `$schema`; the model gets the schema without it, as from Codex.
    echo = next(t for t in run.requests[0].body["tools"] if t.get("name") == "mcp__everything__echo")
    assert echo["parameters"] == {
        "type": "object",
        "properties": {"message": {"type": "string", "description": "Message to echo"}},
        "required": ["message"],
    }
    assert names[-3:] == ["list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource"]
    output = _outputs(run, 1)[-1]
    assert output[0]["type"] == "input_text" and output[0]["text"].startswith("Wall time: ")
    assert output[0]["text"].endswith(" seconds\nOutput:")
    assert output[1] == {"type": "input_text", "text": "Echo: hi"}
    started = [e["item"] for e in run.events if e["type"] == "item.started" and e["item"]["type"] == "mcp_tool_call"]
    [item] = run.items("mcp_tool_call")
    assert started[0]["status"] == "in_progress" and started[0]["id"] == item["id"]
    assert (item["server"], item["tool"], item["arguments"]) == ("everything", "echo", {"message": "hi"})
    assert item["result"] == {"content": [{"type": "text", "text": "Echo: hi"}], "structured_content": None}
    assert item["status"] == "completed" and item["error"] is None


@needs_everything
def test_openai_provider_gets_namespaces_and_namespaced_calls_work(repo: Path, codex_home: Path) -> None:
    _everything(codex_home)
    call = {
        "type": "function_call",
        "id": "fc_1",
        "namespace": "mcp__everything",
        "name": "get_sum",
        "arguments": json.dumps({"a": 2, "b": 3}),
        "call_id": "m1",
    }
    from tests.support.model_server import ScriptedModelServer

    with ScriptedModelServer([{"items": [call]}, {"items": [message("5")]}]) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "cli", "exec", "--json", "-c", f'openai_base_url="{server.base_url}"', "sum"],
            cwd=repo,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(Path.home()),
                "CODEX_HOME": str(codex_home),
                "OPENAI_API_KEY": "sk-test",
                "PYTHONPATH": str(REPO),
            },
        )
        requests = server.requests
    assert proc.returncode == 0, proc.stderr
    namespaces = [t for t in requests[0].body["tools"] if t["type"] == "namespace"]
    assert [n["name"] for n in namespaces] == ["mcp__everything"]
    assert "get_sum" in [t["name"] for t in namespaces[0]["tools"]]
    assert all("$schema" not in t["parameters"] for t in namespaces[0]["tools"])
    output = [i["output"] for i in requests[1].body["input"] if i.get("type") == "function_call_output"][-1]
    assert "The sum of 2 and 3 is 5." in json.dumps(output)
    item = [
        json.loads(line)["item"]
        for line in proc.stdout.splitlines()
        if '"mcp_tool_call"' in line and '"item.completed"' in line
    ][0]
    assert item["tool"] == "get-sum"  # the server's own name, as Codex reports it


@needs_everything
def test_resource_tools_list_the_servers_resources(repo: Path, codex_home: Path) -> None:
    _everything(codex_home)
    steps = [
        {"items": [function_call("list_mcp_resources", {"server": "everything"}, "r1")]},
        {"items": [message("listed")]},
    ]
    run = run_exec(steps, ["--json", "list"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 0, run.stderr
    payload = json.loads(_outputs(run, 1)[-1])
    assert payload["server"] == "everything" and payload["resources"]
    assert run.items("mcp_tool_call")[0]["tool"] == "list_mcp_resources"


def test_a_broken_server_is_reported_and_the_turn_still_runs(repo: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('[mcp_servers.broken]\ncommand = "/nonexistent/server"\n')
    run = run_exec([{"items": [message("fine")]}], ["--json", "go"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 0, run.stderr
    errors = [i["message"] for i in run.items("error")]
    assert len(errors) == 1 and errors[0].startswith("MCP server `broken` did not start")
    assert run.items("agent_message")[0]["text"] == "fine"


def test_a_required_server_that_fails_stops_the_run(repo: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('[mcp_servers.needed]\ncommand = "/nonexistent/server"\nrequired = true\n')
    run = run_exec([{"items": [message("never")]}], ["--json", "go"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 1
    assert run.requests == []
    assert "needed" in run.events[-1]["error"]["message"]


def test_an_invalid_server_table_is_a_config_error_naming_it(repo: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('[mcp_servers.t3]\ncommand = "x"\nurl = "http://127.0.0.1:9/mcp"\n')
    run = run_exec([{"items": [message("never")]}], ["--json", "go"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 1
    assert "url is not supported for stdio" in run.stderr and "t3" in run.stderr
