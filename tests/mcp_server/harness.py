"""Driving `pycodex mcp-server` as a subprocess: with the `mcp` client, or line by line as raw JSON-RPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
from anyio.streams.text import TextReceiveStream
from mcp import StdioServerParameters

import cli

REPO = Path(cli.__file__).parent.parent
PYCODEX = [sys.executable, "-m", "cli"]


def write_provider(codex_home: Path, base_url: str, *extra: str, tables: str = "") -> None:
    """Point every thread at the scripted model server; `extra` top-level lines and `tables` go around it."""
    lines = [*extra, 'model_provider = "mock"', "", "[model_providers.mock]", f'base_url = "{base_url}"']
    lines += ["request_max_retries = 0", "stream_max_retries = 0", tables]
    (codex_home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def server_env(codex_home: Path) -> dict[str, str]:
    return {"CODEX_HOME": str(codex_home), "PYTHONPATH": str(REPO), "MOCK_API_KEY": "sk-mock"}


def stdio_params(codex_home: Path, *args: str, cwd: Path | None = None) -> StdioServerParameters:
    return StdioServerParameters(
        command=PYCODEX[0], args=[*PYCODEX[1:], "mcp-server", *args], env=server_env(codex_home), cwd=str(cwd or REPO)
    )


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def processes_with(marker: str) -> list[int]:
    """Pids whose command line contains `marker`."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class RawClient:
    """JSON-RPC over the server's stdin/stdout, one line per message."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self.process = process
        self._lines = TextReceiveStream(process.stdout) if process.stdout else None
        self._buffer = ""
        self.seen: list[dict[str, Any]] = []

    async def send_line(self, line: str) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(line.encode() + b"\n")

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_line(json.dumps({"jsonrpc": "2.0", **message}))

    async def receive(self) -> dict[str, Any]:
        assert self._lines is not None
        while "\n" not in self._buffer:
            self._buffer += await self._lines.receive()
        line, self._buffer = self._buffer.split("\n", 1)
        message = json.loads(line)
        self.seen.append(message)
        return message

    async def answer_to(self, request_id: Any) -> dict[str, Any]:
        """Read until the answer to `request_id` (other messages are kept in `seen`)."""
        while True:
            message = await self.receive()
            if message.get("id") == request_id and ("result" in message or "error" in message):
                return message

    async def initialize(
        self, version: str = "2025-11-25", capabilities: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        await self.send(
            {
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": version,
                    "capabilities": capabilities or {},
                    "clientInfo": {"name": "raw-test", "version": "1"},
                },
            }
        )
        answer = await self.answer_to(0)
        await self.send({"method": "notifications/initialized"})
        return answer


@asynccontextmanager
async def raw_server(codex_home: Path, *args: str, cwd: Path | None = None) -> AsyncGenerator[RawClient, None]:
    env = {**os.environ, **server_env(codex_home)}
    async with await anyio.open_process(
        [*PYCODEX, "mcp-server", *args], env=env, cwd=str(cwd or REPO), stderr=subprocess.DEVNULL
    ) as process:
        client = RawClient(process)
        try:
            yield client
        finally:
            # Closing stdin is how a host says goodbye; the server must then exit by itself.
            with anyio.CancelScope(shield=True):
                if process.stdin is not None:
                    await process.stdin.aclose()
                with anyio.move_on_after(10):
                    await process.wait()
                if process.returncode is None:
                    process.kill()


def decisions_of(answers: Sequence[str]) -> Any:
    """An elicitation callback answering standard forms from a list: accept:D, decline or cancel."""
    import mcp_types as types

    remaining = list(answers)
    asked: list[Any] = []

    async def callback(ctx: Any, params: Any) -> types.ElicitResult:
        asked.append(params)
        answer = remaining.pop(0)
        if answer.startswith("accept"):
            _, _, decision = answer.partition(":")
            return types.ElicitResult(action="accept", content={"decision": decision} if decision else {})
        return types.ElicitResult(action=answer)  # type: ignore[arg-type]

    callback.asked = asked  # type: ignore[attr-defined]
    return callback
