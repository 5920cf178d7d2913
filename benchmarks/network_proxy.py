"""What the network policy proxy costs: added latency per request and throughput of a 100 MB download.

A loopback origin server runs in its own process (a fixed answer for `/`, 100 MB from memory for `/big`), the proxy
in this one, and the client is curl (`-w %{time_total}`: connect, request and answer, not process start-up). Every
request opens a new connection (`Connection: close`), because the proxy closes a plain-HTTP connection after each
request. Three ways are timed:

- direct: curl on the host straight to the origin;
- proxy: curl on the host through the proxy (`-x`), i.e. the policy check, h11 and the relay;
- sandbox: curl inside bubblewrap with its own network namespace, through the forwarder and the Unix socket into
  the proxy: what a sandboxed command pays (skipped where bubblewrap cannot run).

Targets: < 2 ms added per request, > 80 % of direct throughput.

The download is timed twice: from an origin that sends as fast as loopback goes (GB/s, memory speed: the proxy's
own ceiling, where its copying competes with curl and the origin for this machine's cores), and from an origin paced
like a real link (`--link-mbps`, 1000 by default: a 1 Gbit/s connection), which is what a user's `pip install` or
`npm install` meets.

    .venv/bin/python benchmarks/network_proxy.py [--requests 200] [--megabytes 100]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import NetworkPolicy, NetworkProxy, WorkspaceWrite, detect, spawn  # noqa: E402

HOST = "origin.bench"


def serve_origin(megabytes: int, link_mbps: float) -> None:  # pragma: no cover - runs in the origin process
    """The origin server: prints its port, then answers forever (`/paced`: the body at `link_mbps` megabits/s)."""
    body = b"x" * (megabytes * 1024 * 1024)
    small = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n"
    big_head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    print(listener.getsockname()[1], flush=True)

    def answer(conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ", 2)[1]
            if target.endswith(b"/big"):
                conn.sendall(big_head)
                conn.sendall(body)
            elif target.endswith(b"/paced"):
                conn.sendall(big_head)
                rate, step, started = link_mbps * 1e6 / 8, 256 * 1024, time.monotonic()
                for offset in range(0, len(body), step):
                    conn.sendall(body[offset : offset + step])
                    ahead = started + (offset + step) / rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
            else:
                conn.sendall(small)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def curl_times(args: list[str], url: str, count: int) -> list[float]:
    """curl's `time_total` for `count` fetches of `url` (one process, a new connection each)."""
    command = ["curl", "-sS", "-H", "Connection: close", *args, "-w", "%{time_total}\\n"]
    for _ in range(count):
        command += ["-o", "/dev/null", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600).stdout
    return [float(line) for line in out.split()]


async def sandbox_times(proxy: NetworkProxy, url: str, count: int) -> list[float]:
    """The same fetches from inside bubblewrap, through the forwarder into the proxy."""
    script = ["curl", "-sS", "-H", "Connection: close", "-w", "%{time_total}\\n"]
    for _ in range(count):
        script += ["-o", "/dev/null", url]
    env = {**os.environ, **proxy.route.env()}
    code, out = -1, ""
    with tempfile.TemporaryDirectory() as cwd:
        async with anyio.create_task_group() as tg:
            process = await spawn(
                script, cwd=Path(cwd), env=env, policy=WorkspaceWrite(), task_group=tg, network_proxy=proxy.route
            )
            code = await process.wait()
            out = process.take_output().decode()
            process.close()
    if code != 0:
        raise RuntimeError(f"curl in the sandbox failed ({code}): {out[-500:]}")
    return [float(line) for line in out.split()]


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def measure(port: int, requests: int, megabytes: int, rounds: int, link_mbps: float) -> None:
    policy = NetworkPolicy(enabled=True, allow=(HOST,), allow_local_binding=True, profile="bench")
    small, big = f"http://{HOST}:{port}/", f"http://{HOST}:{port}/big"
    in_sandbox = detect().backend == "bubblewrap"
    latency: dict[str, list[float]] = {}
    speed: dict[str, list[float]] = {}
    cpu_req: dict[str, list[float]] = {}
    cpu_big: dict[str, list[float]] = {}
    paced: dict[str, list[float]] = {}
    per_round = max(1, requests // rounds)
    async with NetworkProxy(policy, hosts={HOST: "127.0.0.1"}) as proxy:
        paths: list[tuple[str, Callable[[str, int], Awaitable[list[float]]], str, str]] = [
            ("direct", _host([]), f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/big"),
            ("proxy", _host(["-x", proxy.route.http_url]), small, big),
        ]
        if in_sandbox:
            paths.append(("sandbox", functools.partial(sandbox_times, proxy), small, big))
        await _host([])(paths[0][2], 20)  # warm-up
        # Rounds alternate the paths, and each path keeps its best round: this machine's load comes and goes, and
        # the best round is the one least disturbed by it.
        for _ in range(rounds):
            for name, fetch, url, target in paths:
                cpu = time.process_time()
                latency.setdefault(name, []).append(ms(await fetch(url, per_round)))
                cpu_req.setdefault(name, []).append((time.process_time() - cpu) / per_round * 1000)
                cpu = time.process_time()
                speed.setdefault(name, []).append(megabytes / (await fetch(target, 1))[0])
                cpu_big.setdefault(name, []).append((time.process_time() - cpu) * 1000)
                slow = target.replace("/big", "/paced")
                paced.setdefault(name, []).append(megabytes / (await fetch(slow, 1))[0])
    base_ms, base_mbs = min(latency["direct"]), max(speed["direct"])
    print(f"{rounds} rounds of {per_round} requests (best round's median), {megabytes} MB download (best of {rounds})")
    head = ("path", "latency ms", "added ms", "MB/s", "of direct", "CPU ms/req", "CPU ms/dl")
    print("".join(f"{h:<10}" if i == 0 else f"{h:>12}" for i, h in enumerate(head)))
    for name, _, _, _ in paths:
        lat, mbs = min(latency[name]), max(speed[name])
        cpu_r, cpu_d = statistics.median(cpu_req[name]), statistics.median(cpu_big[name])
        cells = (f"{lat:.3f}", f"{lat - base_ms:.3f}", f"{mbs:.0f}", f"{mbs / base_mbs:.0%}")
        cells += (f"{cpu_r:.3f}", f"{cpu_d:.1f}")
        print(f"{name:<10}" + "".join(f"{c:>12}" for c in cells))
    print("CPU = this process (the proxy), not curl or the origin; the sandbox row adds the forwarder's hand-over")
    base_paced = max(paced["direct"])
    print(f"from an origin paced at {link_mbps:g} Mbit/s (a real link), {megabytes} MB (best of {rounds}):")
    for name, _, _, _ in paths:
        mbs = max(paced[name])
        print(f"{name:<10}{mbs:>12.0f} MB/s{mbs / base_paced:>12.0%} of direct")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if not in_sandbox:
        print(f"(sandbox row skipped: backend here is {detect().backend}, the forwarder needs bubblewrap)")
    print("targets: < 2 ms added per request, > 80% of direct throughput")


def _host(args: list[str]) -> Callable[[str, int], Awaitable[list[float]]]:
    async def fetch(url: str, count: int) -> list[float]:
        return await anyio.to_thread.run_sync(curl_times, args, url, count)

    return fetch


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--link-mbps", type=float, default=1000.0, help="the paced origin's rate (megabits/s)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_origin(args.megabytes, args.link_mbps)
        return
    if shutil.which("curl") is None:
        sys.exit("curl is needed")
    origin = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--megabytes", str(args.megabytes), "--link-mbps", str(args.link_mbps)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert origin.stdout is not None
        port = int(origin.stdout.readline())
        anyio.run(measure, port, args.requests, args.megabytes, args.rounds, args.link_mbps)
    finally:
        origin.kill()
        origin.wait()


if __name__ == "__main__":
    main()
