"""Benchmarks for mcp_client: how long a session takes to start 5 stdio servers (in parallel, against one server
alone and against starting them one after another), and what one tool call costs through the connection manager
compared with the bare `mcp` SDK client, over stdio and over Streamable HTTP on loopback.

Run: .venv/bin/python benchmarks/mcp_client.py [--calls N] [--server toolbox|everything]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mcp import Client, StdioServerParameters  # noqa: E402

from mcp_client import McpConnectionManager, parse_mcp_servers  # noqa: E402
from tests.mcp_client.conftest import EVERYTHING_JS, TOOLBOX, serve_asgi  # noqa: E402
from tests.mcp_client.servers.toolbox import build_server  # noqa: E402


def _table(kind: str) -> dict[str, Any]:
    if kind == "everything":
        return {"command": "node", "args": [str(EVERYTHING_JS), "stdio"]}
    return {"command": sys.executable, "args": [str(TOOLBOX)]}


async def _start(servers: dict[str, dict[str, Any]]) -> float:
    started = time.perf_counter()
    async with McpConnectionManager(parse_mcp_servers(servers)) as mcp:
        elapsed = time.perf_counter() - started
        assert not mcp.failures, mcp.failures
    return elapsed


async def bench_startup(kind: str, rounds: int) -> None:
    one: list[float] = []
    five: list[float] = []
    for _ in range(rounds):
        one.append(await _start({"s0": _table(kind)}))
        five.append(await _start({f"s{i}": _table(kind) for i in range(5)}))
    print(f"session start, {kind} over stdio ({rounds} rounds, median):")
    print(f"  1 server                 {statistics.median(one) * 1000:8.1f} ms")
    print(f"  5 servers in parallel    {statistics.median(five) * 1000:8.1f} ms")
    print(f"  5 servers one by one     {statistics.median(one) * 5 * 1000:8.1f} ms (estimated: 5 x 1 server)")


def _summary(label: str, samples: list[float]) -> str:
    samples_ms = sorted(s * 1000 for s in samples)
    p95 = samples_ms[int(len(samples_ms) * 0.95) - 1]
    return f"  {label:<32} median {statistics.median(samples_ms):7.3f} ms   p95 {p95:7.3f} ms"


async def _calls_manager(servers: dict[str, dict[str, Any]], calls: int) -> list[float]:
    samples: list[float] = []
    async with McpConnectionManager(parse_mcp_servers(servers)) as mcp:
        await mcp.call_tool("s", "echo", {"message": "warm-up"})
        for i in range(calls):
            started = time.perf_counter()
            await mcp.call_tool("s", "echo", {"message": f"m{i}"})
            samples.append(time.perf_counter() - started)
    return samples


async def _calls_sdk(target: Any, calls: int) -> list[float]:
    samples: list[float] = []
    async with Client(target) as client:
        await client.call_tool("echo", {"message": "warm-up"})
        for i in range(calls):
            started = time.perf_counter()
            await client.call_tool("echo", {"message": f"m{i}"})
            samples.append(time.perf_counter() - started)
    return samples


async def bench_calls(calls: int) -> None:
    print(f"one `echo` call to our toolbox server ({calls} calls):")
    stdio = {"s": _table("toolbox")}
    print(_summary("stdio, McpConnectionManager", await _calls_manager(stdio, calls)))
    params = StdioServerParameters(command=sys.executable, args=[str(TOOLBOX)])
    print(_summary("stdio, bare mcp.Client", await _calls_sdk(params, calls)))
    async with serve_asgi(build_server().streamable_http_app()) as base:
        http = {"s": {"url": f"{base}/mcp"}}
        print(_summary("HTTP, McpConnectionManager", await _calls_manager(http, calls)))
        print(_summary("HTTP, bare mcp.Client", await _calls_sdk(f"{base}/mcp", calls)))


async def main(args: argparse.Namespace) -> None:
    await bench_startup(args.server, args.rounds)
    await bench_calls(args.calls)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", choices=["toolbox", "everything"], default="everything")
    anyio.run(main, parser.parse_args())
