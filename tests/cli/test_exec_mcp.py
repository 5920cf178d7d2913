"""MCP servers as the model's tools inside `pycodex exec`: real server subprocesses, the scripted model."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.cli.exec_harness import PYCODEX, REPO, ExecRun, provider_flags, run_exec
from tests.mcp_client.oauth_support import Protected, gated_server, play_browser, run_login
from tests.support.model_server import ScriptedModelServer, function_call, message

EVERYTHING = REPO / ".ci/npm/node_modules/.bin/mcp-server-everything"
NODE = shutil.which("node")
TOOLBOX = REPO / "tests/mcp_client/servers/toolbox.py"

needs_everything = pytest.mark.skipif(
    not EVERYTHING.exists() or NODE is None,
    reason="@modelcontextprotocol/server-everything is not installed (run .ci/setup)",
)


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
    # The sub-agent tools come as their own namespace on OpenAI's wire, before the MCP servers'.
    assert [n["name"] for n in namespaces] == ["multi_agent_v1", "mcp__everything"]
    everything = namespaces[1]
    assert "get_sum" in [t["name"] for t in everything["tools"]]
    assert all("$schema" not in t["parameters"] for t in everything["tools"])
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


# ---- a server that wants more scopes in the middle of a run ------------------------------------------------------


def _gated_config(codex_home: Path, server: Protected) -> None:
    (codex_home / "config.toml").write_text(
        'mcp_oauth_credentials_store = "file"\n\n'
        f'[mcp_servers.prot]\nurl = "{server.base}/mcp"\nscopes = ["mcp:read"]\n'
    )


_WRITE_NOTE = [
    {"items": [function_call("mcp__prot__write_note", {"text": "hi"}, "w1")]},
    {"items": [message("done")]},
]


@pytest.mark.anyio
async def test_headless_exec_fails_a_call_that_needs_more_scopes_with_the_login_command(
    repo: Path, codex_home: Path
) -> None:
    async with gated_server(codex_home) as server:
        await run_login(server)
        _gated_config(codex_home, server)
        run = await anyio.to_thread.run_sync(
            lambda: run_exec(_WRITE_NOTE, ["--json", "note"], cwd=repo, env={"CODEX_HOME": str(codex_home)})
        )
        stored = server.store.load("prot", f"{server.base}/mcp")

    assert run.returncode == 0, run.stderr
    wanted = (
        "The prot MCP server needs more access for this call (scopes: mcp:read mcp:write). "
        "Run `pycodex mcp login prot --scopes mcp:read,mcp:write`. (the call to `write_note` was refused)"
    )
    [item] = run.items("mcp_tool_call")
    assert (item["status"], item["error"]) == ("failed", {"message": wanted})
    assert _outputs(run, 1)[-1] == f"tool call failed: {wanted}"
    assert len(server.provider.authorizations) == 1
    assert stored is not None and stored.scopes == ["mcp:read"]
    assert "Traceback" not in run.stderr and "/authorize?" not in run.stderr


@pytest.mark.anyio
async def test_exec_at_a_terminal_prints_the_url_waits_for_the_login_and_the_call_goes_through(
    repo: Path, codex_home: Path
) -> None:
    async with gated_server(codex_home) as server:
        await run_login(server)
        _gated_config(codex_home, server)
        with ScriptedModelServer(_WRITE_NOTE) as model:
            # stdin and stderr are a terminal (a person could be there); stdout carries the JSONL events.
            controller, terminal = pty.openpty()
            env = {
                **os.environ,
                "CODEX_HOME": str(codex_home),
                "MOCK_API_KEY": "sk-mock-123",
                "PYTHONPATH": str(REPO),
                "PYCODEX_NO_BROWSER": "1",
            }
            command = [*PYCODEX, "exec", *provider_flags(model.base_url), "--json", "note"]
            try:
                async with await anyio.open_process(
                    command, cwd=repo, env=env, stdin=terminal, stdout=subprocess.PIPE, stderr=terminal
                ) as process:
                    os.close(terminal)
                    terminal = -1
                    assert process.stdout is not None
                    shown = ""
                    with anyio.fail_after(60):
                        while "/authorize?" not in shown or not shown.endswith("\r\n\r\n"):
                            shown += (await anyio.to_thread.run_sync(os.read, controller, 4096)).decode()
                    url = next(line for line in shown.splitlines() if "/authorize?" in line)
                    callback_status = await play_browser(url)
                    out = b""
                    with anyio.fail_after(60):
                        async for chunk in process.stdout:
                            out += chunk
                        await process.wait()
                rest = _read_all(controller)
            finally:
                if terminal >= 0:
                    os.close(terminal)
                os.close(controller)
            requests = model.requests
        stored = server.store.load("prot", f"{server.base}/mcp")

    assert process.returncode == 0, shown + rest
    assert callback_status == 200
    assert "The prot MCP server needs more access for this call (scopes: mcp:read mcp:write).\r\n" in shown
    assert "Authorize `prot` by opening this URL in your browser (waiting 300 seconds):" in shown
    assert "Logged in to `prot` again; continuing." in rest
    events = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    [item] = [e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == "mcp_tool_call"]
    assert item["status"] == "completed"
    assert item["result"]["content"] == [{"type": "text", "text": "noted: hi"}]
    assert any(
        "noted: hi" in json.dumps(i) for i in requests[1].body["input"] if i.get("type") == "function_call_output"
    )
    assert stored is not None and stored.scopes == ["mcp:read", "mcp:write"]


def _read_all(fd: int) -> str:
    """What is left to read on a terminal whose other side has closed."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
