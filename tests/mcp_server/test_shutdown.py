"""SIGTERM stops the server cleanly (issue 14, item 12): running turns are interrupted and recorded, their commands
killed, and the process exits 0, over stdio and over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from anyio.streams.text import TextReceiveStream
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.model_server import ScriptedModelServer, exec_call

from .harness import PYCODEX, REPO, processes_with, raw_server, server_env, write_provider

pytestmark = pytest.mark.anyio


def _long_command() -> tuple[str, list[dict[str, Any]]]:
    marker = f"40.{time.time_ns() % 10**6:06d}"
    # It prints first: its output reaching the host says the process runs.
    return marker, [{"items": [exec_call(f"echo ready; sleep {marker}", "c1", yield_time_ms=60_000)]}]


def _arguments(cwd: Path) -> dict[str, Any]:
    return {"prompt": "wait", "cwd": str(cwd), "sandbox": "danger-full-access", "approval-policy": "never"}


def _recorded_types(codex_home: Path) -> list[str]:
    import json

    (rollout,) = sorted((codex_home / "sessions").rglob("rollout-*.jsonl"))
    lines = [json.loads(line) for line in rollout.read_text(encoding="utf-8").splitlines()]
    return [line["payload"].get("type", "") for line in lines if line["type"] == "event_msg"]


async def test_sigterm_over_stdio_interrupts_the_turn_kills_its_command_and_exits_0(
    codex_home: Path, tmp_path: Path
) -> None:
    marker, steps = _long_command()
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home) as server:
            with anyio.fail_after(60):
                await server.initialize()
                await server.send(
                    {"id": 1, "method": "tools/call", "params": {"name": "codex", "arguments": _arguments(tmp_path)}}
                )
                while True:  # until the command runs: its first output arrives
                    note = await server.receive()
                    if (
                        note.get("method") == "codex/event"
                        and note["params"]["msg"]["type"] == "exec_command_output_delta"
                    ):
                        break
                assert processes_with(marker)
                server.process.send_signal(signal.SIGTERM)
                answer = await server.answer_to(1)
                code = await server.process.wait()
    assert code == 0
    assert processes_with(marker) == []
    # The host got its answer: the turn was stopped and the thread kept.
    assert answer["result"]["isError"] is True
    assert "stopped" in answer["result"]["content"][0]["text"]
    assert "turn_aborted" in _recorded_types(codex_home)


async def test_sigterm_over_http_interrupts_the_turn_kills_its_command_and_exits_0(
    codex_home: Path, tmp_path: Path
) -> None:
    marker, steps = _long_command()
    with ScriptedModelServer(steps) as model:
        write_provider(codex_home, model.base_url)
        env = {**os.environ, **server_env(codex_home)}
        command = [*PYCODEX, "mcp-server", "--listen", "http://127.0.0.1:0"]
        async with await anyio.open_process(command, env=env, cwd=str(REPO), stdout=subprocess.DEVNULL) as process:
            assert process.stderr is not None
            text = ""
            with anyio.fail_after(60):
                async for chunk in TextReceiveStream(process.stderr):
                    text += chunk
                    if "listening on " in text and text.endswith("\n"):
                        break
                url = text.split("listening on ", 1)[1].split()[0]
                started = anyio.Event()
                results: list[Any] = []
                code: int | None = None

                async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                    if message and message.startswith("Running `echo ready"):
                        started.set()

                async def call() -> None:
                    async with httpx2.AsyncClient(timeout=60) as http:
                        async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
                            try:
                                results.append(
                                    await client.call_tool("codex", _arguments(tmp_path), progress_callback=on_progress)
                                )
                            except Exception as exc:  # the server is going away: an answer or an error, both fine
                                results.append(exc)

                async with anyio.create_task_group() as tg:
                    tg.start_soon(call)
                    await started.wait()  # the command is starting (killed if it runs, never spawned if not)
                    process.send_signal(signal.SIGTERM)
                    code = await process.wait()
                    tg.cancel_scope.cancel()
    assert code == 0
    assert processes_with(marker) == []
    assert "turn_aborted" in _recorded_types(codex_home)
