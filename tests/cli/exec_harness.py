"""Running `pycodex exec` as a real subprocess against the scripted model server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.model_server import RecordedRequest, ScriptedModelServer, Step

PYCODEX = [sys.executable, "-m", "cli"]
REPO = Path(__file__).resolve().parents[2]


@dataclass
class ExecRun:
    returncode: int
    stdout: str
    stderr: str
    requests: list[RecordedRequest]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [e["item"] for e in self.events if e["type"] == "item.completed" and e["item"]["type"] == kind]


def provider_flags(
    base_url: str,
    *,
    wire: str = "responses",
    request_retries: int = 0,
    stream_retries: int = 0,
    idle_ms: int | None = None,
) -> list[str]:
    idle = f", stream_idle_timeout_ms={idle_ms}" if idle_ms else ""
    return [
        "-c",
        f'model_providers.mock={{name="mock", base_url="{base_url}", env_key="MOCK_API_KEY", wire_api="{wire}", '
        f"request_max_retries={request_retries}, stream_max_retries={stream_retries}{idle}}}",
        "-c",
        "model_provider=mock",
    ]


def run_exec(
    steps: list[Step],
    args: list[str],
    *,
    cwd: Path,
    wire: str = "responses",
    request_retries: int = 0,
    stream_retries: int = 0,
    idle_ms: int | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> ExecRun:
    """Run `pycodex exec ARGS` with a provider pointing at a fresh scripted server."""
    with ScriptedModelServer(steps) as server:
        full_env = {**os.environ, "MOCK_API_KEY": "sk-mock-123", "PYTHONPATH": str(REPO), **(env or {})}
        proc = subprocess.run(
            [
                *PYCODEX,
                "exec",
                *provider_flags(
                    server.base_url,
                    wire=wire,
                    request_retries=request_retries,
                    stream_retries=stream_retries,
                    idle_ms=idle_ms,
                ),
                *args,
            ],
            cwd=cwd,
            env=full_env,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return ExecRun(proc.returncode, proc.stdout, proc.stderr, server.requests)


def wait_for_file(path: Path, *, nonempty: bool = False, timeout: float = 30) -> None:
    """Wait until a command in another process has created `path` (its way of saying it started).

    Another process gives no event to wait on, so this polls, bounded by `timeout`.
    """
    import time

    deadline = time.monotonic() + timeout
    while not path.exists() or (nonempty and path.stat().st_size == 0):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)
