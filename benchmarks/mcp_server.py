"""How fast `pycodex mcp-server` answers, and what a `codex` call costs over `pycodex exec`, on the scripted model.

Prints medians over several runs:
  * spawn → initialize answer: from spawning `python -m cli mcp-server` to the `initialize` result on stdout
    (the 2025-11-25 handshake, answered by the fast front);
  * spawn → server/discover answer: the same for a 2026-07-28 client's first request (answered by the SDK server);
  * tools/list latency: request written → answer read, right after initialize and again after a tool call;
  * codex call vs exec: wall time of `pycodex exec` (spawn to exit) for a script of N `exec_command` round trips,
    the same script as one `codex` call on a running server (warm), and spawn → initialize → call → answer (cold).
Usage: .venv/bin/python benchmarks/mcp_server.py [--runs R] [--calls N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.model_server import ScriptedModelServer, exec_call, message  # noqa: E402

PYCODEX = [sys.executable, "-m", "cli"]
INIT = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
}
DISCOVER = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "server/discover",
    "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {},
        }
    },
}


class Server:
    """`pycodex mcp-server` on pipes, spoken to line by line."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, "CODEX_HOME": str(home), "PYTHONPATH": str(REPO), "MOCK_API_KEY": "sk-bench"}
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(
            [*PYCODEX, "mcp-server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=REPO,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in: IO[bytes] = self.proc.stdin
        self._out: IO[bytes] = self.proc.stdout

    def send(self, message: dict[str, Any]) -> None:
        self._in.write(json.dumps(message).encode() + b"\n")
        self._in.flush()

    def answer(self, request_id: Any) -> dict[str, Any]:
        while True:
            message = json.loads(self._out.readline())
            if message.get("id") == request_id and ("result" in message or "error" in message):
                return message

    def call(self, request_id: int, method: str, params: dict[str, Any] | None = None) -> float:
        started = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, **({"params": params} if params else {})})
        answer = self.answer(request_id)
        if "error" in answer:
            raise SystemExit(f"{method} failed: {answer['error']}")
        return time.perf_counter() - started

    def close(self) -> None:
        self._in.close()
        self.proc.wait(timeout=30)


def _script(calls: int) -> list[dict[str, Any]]:
    return [*({"items": [exec_call("true", f"c{i}")]} for i in range(calls)), {"items": [message("done")]}]


def _write_config(home: Path, url: str) -> None:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'model_provider = "mock"\n[model_providers.mock]\nbase_url = "{url}"\nenv_key = "MOCK_API_KEY"\n',
        encoding="utf-8",
    )


def measure_start(tmp: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    init: list[float] = []
    discover: list[float] = []
    tools: list[float] = []
    for _ in range(runs):
        server = Server(tmp / "home")
        server.send(INIT)
        server.answer(0)
        init.append(time.perf_counter() - server.spawned)
        server.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools.append(server.call(1, "tools/list"))
        server.close()
        server = Server(tmp / "home")
        server.send(DISCOVER)
        server.answer(0)
        discover.append(time.perf_counter() - server.spawned)
        server.close()
    return init, discover, tools


def measure_calls(tmp: Path, runs: int, calls: int) -> dict[str, list[float]]:
    home, work = tmp / "home", tmp / "work"
    work.mkdir(exist_ok=True)
    out: dict[str, list[float]] = {"exec": [], "warm": [], "cold": [], "tools_after": []}
    arguments = {"prompt": "go", "cwd": str(work), "sandbox": "workspace-write", "approval-policy": "never"}
    for _ in range(runs):
        with ScriptedModelServer(_script(calls)) as model:
            _write_config(home, model.base_url)
            started = time.perf_counter()
            subprocess.run(
                [*PYCODEX, "exec", "--skip-git-repo-check", "-s", "workspace-write", "go"],
                cwd=work,
                env={**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "sk-bench"},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=True,
                timeout=300,
            )
            out["exec"].append(time.perf_counter() - started)
        with ScriptedModelServer(_script(calls) + _script(calls)) as model:
            _write_config(home, model.base_url)
            server = Server(home)
            server.send(INIT)
            server.answer(0)
            server.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            server.call(1, "tools/call", {"name": "codex", "arguments": arguments})
            out["cold"].append(time.perf_counter() - server.spawned)
            out["warm"].append(server.call(2, "tools/call", {"name": "codex", "arguments": arguments}))
            out["tools_after"].append(server.call(3, "tools/list"))
            server.close()
    return out


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "home").mkdir()
        init, discover, tools = measure_start(tmp, args.runs)
        calls = measure_calls(tmp, args.runs, args.calls)
    print(f"spawn → initialize answer (2025-11-25):     {_ms(init)}   target < 300 ms")
    print(f"spawn → server/discover answer (2026-07-28): {_ms(discover)}")
    print(f"tools/list after initialize:                {_ms(tools)}   target < 5 ms")
    print(f"tools/list after a codex call:              {_ms(calls['tools_after'])}")
    print(f"pycodex exec, {args.calls} command round trips:        {_ms(calls['exec'])}")
    print(f"codex call on a running server (warm):      {_ms(calls['warm'])}")
    print(f"spawn → initialize → codex call (cold):     {_ms(calls['cold'])}")
    overhead = statistics.median(calls["cold"]) - statistics.median(calls["exec"])
    print(f"cold codex call over exec:                  {overhead * 1000:8.1f} ms")
    warm = statistics.median(calls["warm"]) - statistics.median(calls["exec"])
    print(f"warm codex call over exec:                  {warm * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
