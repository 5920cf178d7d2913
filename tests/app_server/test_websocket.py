"""`pycodex app-server --listen ws://...` and `unix://...`: WebSocket clients, the capability token, health checks,
and the refusal to listen beyond loopback without authentication."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import httpx2
import pytest
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.app_server.client import REPO, socket_server, websocket_client
from tests.app_server.codex_schema import CodexSchema
from tests.cli.exec_harness import wait_for_file
from tests.support.model_server import ScriptedModelServer, exec_call, message

pytestmark = pytest.mark.anyio

TOKEN = "capability-token-for-tests"


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


async def test_a_websocket_client_with_the_token_runs_a_turn_with_an_approval(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, token_file: Path
) -> None:
    steps = [
        {"items": [exec_call("echo ws > ws.txt", "c1", login=False, sandbox_permissions="require_escalated")]},
        {"items": [message("over the socket")]},
    ]
    auth = ["--ws-auth", "capability-token", "--ws-token-file", str(token_file)]
    with ScriptedModelServer(steps) as model:
        async with (
            socket_server(model.base_url, cwd=work, codex_home=codex_home, listen="ws://127.0.0.1:0", args=auth) as (
                address,
                _,
            ),
            websocket_client(address, codex_schema, token=TOKEN) as client,
        ):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "on-request"})
            thread_id = started["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            ask = await client.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
            await client.respond(ask["id"], {"decision": "acceptForSession"})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "completed"
    assert (work / "ws.txt").read_text(encoding="utf-8") == "ws\n"


async def test_a_websocket_client_that_disconnects_mid_turn_interrupts_it_and_kills_its_command(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    steps = [{"items": [exec_call(f"echo $$ > {pidfile}; exec sleep 30", "c1", login=False)]}]
    args = ["-c", "sandbox_mode=danger-full-access"]
    with ScriptedModelServer(steps) as model:
        async with socket_server(
            model.base_url, cwd=work, codex_home=codex_home, listen="ws://127.0.0.1:0", args=args
        ) as (address, server):
            async with websocket_client(address, codex_schema) as client:
                await client.initialize()
                started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "never"})
                thread_id = started["thread"]["id"]
                await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "x"}]})
                await anyio.to_thread.run_sync(functools.partial(wait_for_file, pidfile, nonempty=True))
                watched = os.pidfd_open(int(pidfile.read_text(encoding="utf-8")))
            # The socket closed: the server, still running, kills the command of the turn nobody follows.
            try:
                with anyio.fail_after(20):
                    await anyio.wait_readable(watched)
            finally:
                os.close(watched)
            assert server.returncode is None
    (rollout,) = (codex_home / "sessions").rglob(f"rollout-*{thread_id}.jsonl")
    records = [json.loads(line) for line in rollout.read_text(encoding="utf-8").splitlines()]
    events = [r["payload"]["type"] for r in records if r["type"] == "event_msg"]
    assert events[0] == "task_started" and events[-1] == "turn_aborted"


async def test_without_the_right_bearer_token_the_upgrade_gets_401_but_health_checks_answer(
    work: Path, codex_home: Path, token_file: Path
) -> None:
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    auth = ["--ws-auth", "capability-token", "--ws-token-sha256", digest]
    with ScriptedModelServer([]) as model:
        async with socket_server(
            model.base_url, cwd=work, codex_home=codex_home, listen="ws://127.0.0.1:0", args=auth
        ) as (address, _):
            for token in (None, "wrong-token"):
                with pytest.raises(InvalidStatus) as refused:
                    async with websocket_client(address, None, token=token):
                        pass
                assert refused.value.response.status_code == 401
            http = address.replace("ws://", "http://")
            async with httpx2.AsyncClient() as web:
                for path in ("/readyz", "/healthz"):
                    response = await web.get(http + path)
                    assert (response.status_code, response.text) == (200, "ok\n")
            async with websocket_client(address, None, token=TOKEN) as client:
                assert (await client.initialize())["platformOs"] == "linux"
            # A web page's script cannot drive the agent: browsers send Origin, and such upgrades are refused.
            from websockets.asyncio.client import connect

            with pytest.raises(InvalidStatus) as browser:
                async with connect(
                    address,
                    origin=Origin("http://evil.example"),
                    additional_headers={"Authorization": f"Bearer {TOKEN}"},
                ):
                    pass
            assert browser.value.response.status_code == 403


async def test_a_unix_socket_serves_websocket_clients(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path
) -> None:
    socket = tmp_path / "app.sock"
    with ScriptedModelServer([]) as model:
        async with (
            socket_server(model.base_url, cwd=work, codex_home=codex_home, listen=f"unix://{socket}") as (address, _),
            websocket_client(address, codex_schema) as client,
        ):
            assert address == f"unix://{socket}"
            assert socket.stat().st_mode & 0o777 == 0o600
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work)})
            assert started["thread"]["status"] == {"type": "idle"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--listen", "ws://0.0.0.0:0"], "not a loopback address, without authentication"),
        (["--listen", "http://127.0.0.1:1"], "expected stdio://, ws://IP:PORT or unix://PATH"),
        (["--listen", "ws://127.0.0.1"], "ws://IP:PORT"),
        (["--ws-auth", "capability-token", "--listen", "ws://127.0.0.1:0"], "exactly one of --ws-token-file"),
        (["--ws-auth", "signed-bearer-token", "--listen", "ws://127.0.0.1:0"], "not supported by pycodex"),
    ],
)
def test_unsafe_or_malformed_listen_options_are_usage_errors(args: list[str], expected: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "app-server", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
