"""Benchmark: `pycodex app-server` beside Codex's `codex app-server`, both on stdio against the same scripted model.

Two figures per server, median over N rounds (a fresh process each round):
  start → initialize answered   from spawning the process to the answer of `initialize`
  turn/start → first item        from sending `turn/start` to the first `item/started` notification

Run: .venv/bin/python benchmarks/app_server.py [--rounds N]
Codex's binary comes from .ci/npm (bash .ci/setup); its CODEX_HOME is kept outside /tmp, where Codex refuses to set
up its sandbox helpers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.model_server import ScriptedModelServer, message  # noqa: E402

CODEX = REPO / ".ci" / "npm" / "node_modules" / ".bin" / "codex"
BENCH_HOME = Path.home() / ".cache" / "pycodex-bench" / "app-server"


def _config(base_url: str) -> str:
    return (
        'model_provider = "mock"\nmodel = "gpt-5.5"\n\n[model_providers.mock]\nname = "mock"\n'
        f'base_url = "{base_url}"\nenv_key = "MOCK_API_KEY"\nwire_api = "responses"\n'
        "request_max_retries = 0\nstream_max_retries = 0\n"
    )


class _Server:
    def __init__(self, command: list[str], home: Path, work: Path) -> None:
        env = {**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "sk-bench", "PYTHONPATH": str(REPO)}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=work,
        )
        self._next = 1

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def until(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            message: dict[str, Any] = json.loads(line)
            if predicate(message):
                return message

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        request_id = self._next
        self._next += 1
        self.send({"id": request_id, "method": method, "params": params})
        answer = self.until(lambda m: m.get("id") == request_id and "method" not in m)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _round(command: list[str], home: Path, work: Path) -> tuple[float, float]:
    server = _Server(command, home, work)
    try:
        server.call("initialize", {"clientInfo": {"name": "bench", "version": "1"}})
        initialized = time.perf_counter() - server.started
        server.send({"method": "initialized"})
        thread = server.call("thread/start", {"cwd": str(work), "approvalPolicy": "never", "sandbox": "read-only"})
        thread_id = thread["thread"]["id"]
        sent = time.perf_counter()
        server.send(
            {
                "id": 99,
                "method": "turn/start",
                "params": {"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]},
            }
        )
        server.until(lambda m: m.get("method") == "item/started")
        first_item = time.perf_counter() - sent
        server.until(lambda m: m.get("method") == "turn/completed")
        return initialized, first_item
    finally:
        server.close()


def _measure(name: str, command: list[str], base_url: str, rounds: int) -> tuple[list[float], list[float]]:
    home = BENCH_HOME / name
    work = BENCH_HOME / f"{name}-work"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    work.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(_config(base_url), encoding="utf-8")
    _round(command, home, work)  # warm-up: file caches, Codex's first-run set-up
    starts: list[float] = []
    items: list[float] = []
    for _ in range(rounds):
        start, item = _round(command, home, work)
        starts.append(start)
        items.append(item)
    return starts, items


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    servers = {"pycodex": [sys.executable, "-m", "cli", "app-server"]}
    if CODEX.exists():
        servers["codex"] = [str(CODEX), "app-server"]
    else:
        print(f"(Codex's binary is not at {CODEX}: run bash .ci/setup to compare with it)")
    results: dict[str, tuple[list[float], list[float]]] = {}
    with ScriptedModelServer([{"items": [message("hello")], "repeat": True}]) as model:
        for name, command in servers.items():
            results[name] = _measure(name, command, model.base_url, args.rounds)
    print(f"app-server on stdio, scripted model on loopback ({args.rounds} rounds, median ms)")
    print(f"  {'':<10} {'start → initialize':>20} {'turn/start → first item':>26}")
    for name, (starts, items) in results.items():
        print(f"  {name:<10} {statistics.median(starts) * 1000:>20.1f} {statistics.median(items) * 1000:>26.1f}")


if __name__ == "__main__":
    main()
