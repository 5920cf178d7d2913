"""Cost of secret redaction per MB of tool output (target: under 5 ms/MB).

Every tool output goes through `agent.redact_secrets` before it is written to a rollout or sent to an MCP host, so
its cost is paid on every command. Workloads of 1 MB each:

* `build log`: ASCII compiler and test-runner output, no secrets;
* `source code`: pycodex's own agent/ modules, dense in `api_key`/`token` names (every one is a candidate);
* `json + ls`: `ls -la` listings and JSON documents, a secret-named field every 40 lines;
* `non-ascii`: the build log with accented and box-drawing characters (the text must be encoded first);
* `many secrets`: a stress case, one secret on every fifth line (~5,000 per MB): its cost is per secret, shown
  in µs per secret.

Then the streaming redactor (`agent.SecretStream`, used for command output and message deltas sent to clients) on
the source code workload in pieces of 64 B, 4 KB and 64 KB: each piece pays a fixed cost, so small pieces cost more.

Printed side by side: pycodex's redactor (one RE2 pass, Python looks only at candidates), Codex's four patterns
with Python's `re` (what a direct port would cost, and what it misses), and detect-secrets' default plugins scanned
line by line (the maintained detector the issue suggests), when it is importable (`pip install --target .bench-deps
detect-secrets`; it is not a dependency).

    .venv/bin/python benchmarks/redaction.py [--runs 25]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
if (REPO / ".bench-deps").is_dir():
    sys.path.append(str(REPO / ".bench-deps"))

from agent import SecretStream, redact_secrets  # noqa: E402

MB = 1_000_000

CODEX_PATTERNS = [
    (re.compile(r"sk-[A-Za-z0-9]{20,}"), "[REDACTED_SECRET]"),
    (re.compile(r"(?i:\bBearer)[ \t]+[A-Za-z0-9._~+/-]{16,}=*"), "Bearer [REDACTED_SECRET]"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "[REDACTED_SECRET]"),
    (
        re.compile(r"(?i)\b(api[_-]?key|token|secret|password)\b(\s*[:=]\s*)([\"']?)[^\s\"']{8,}"),
        r"\1\2\3[REDACTED_SECRET]",
    ),
]


def codex_redact(text: str) -> str:
    for pattern, replacement in CODEX_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _fill(parts: list[str]) -> str:
    text = ""
    i = 0
    while len(text) < MB:
        text += parts[i % len(parts)]
        i += 1
    return text[:MB]


def workloads() -> dict[str, str]:
    build = [
        f"src/module_{n}.c:{n * 7 % 500}:12: warning: unused variable 'tmp_{n}' [-Wunused-variable]\n"
        f"tests/test_feature_{n}.py::test_case_{n} PASSED                                   [{n % 100:3d}%]\n"
        f"[{n:5d}/20000] Compiling CXX object lib/CMakeFiles/core.dir/file_{n}.cpp.o\n"
        for n in range(2000)
    ]
    source = [p.read_text(encoding="utf-8") for p in sorted((REPO / "agent").glob("_*.py"))]
    listing = [
        f"-rw-r--r--  1 user staff  {n * 37 % 99999:5d} Dec  1 12:{n % 60:02d} file_{n}.txt\n"
        f'{{"id": {n}, "name": "item-{n}", "enabled": true, "tags": ["a", "b"], "size": {n * 13}}}\n'
        + (f'{{"service": "s{n}", "api_key": "k{n:07d}abcdefgh"}}\n' if n % 20 == 0 else "")
        for n in range(2000)
    ]
    non_ascii = [line.replace("warning", "avertissement ✓ — é") for line in build]
    secrets = [
        f"line {n} ordinary output text here\n" * 4 + f"export SERVICE_{n}_TOKEN=tok{n:06d}abcdefghijkl\n"
        for n in range(2000)
    ]
    return {
        "build log": _fill(build),
        "source code": _fill(source),
        "json + ls": _fill(listing),
        "non-ascii": _fill(non_ascii),
        "many secrets": _fill(secrets),
    }


def detect_secrets_scanner() -> Callable[[str], object] | None:
    import importlib

    try:
        scan_module: Any = importlib.import_module("detect_secrets.core.scan")
        settings_module: Any = importlib.import_module("detect_secrets.settings")
    except ImportError:
        return None

    def scan(text: str) -> object:
        with settings_module.default_settings():
            return sum(len(list(scan_module.scan_line(line))) for line in text.splitlines())

    return scan


def measure(function: Callable[[str], object], text: str, runs: int) -> tuple[float, float]:
    """(best CPU time, median wall time) in ms. On a shared machine the wall time includes waiting for a core;
    the process's CPU time is what the work costs."""
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function(text)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return min(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    scanner = detect_secrets_scanner()
    header = f"{'workload (1 MB)':<16} {'pycodex cpu/wall ms':>24} {'Codex patterns (re)':>22}"
    if scanner is not None:
        header += f" {'detect-secrets':>16}"
    print(header)
    for name, text in workloads().items():
        ours = measure(redact_secrets, text, args.runs)
        theirs = measure(codex_redact, text, max(3, args.runs // 3))
        row = f"{name:<16} {ours[0]:>11.2f} / {ours[1]:>9.2f}  {theirs[0]:>10.2f} / {theirs[1]:>8.2f}"
        found = redact_secrets(text).count("[REDACTED_SECRET]")
        if name == "many secrets" and found:
            row += f"   ({ours[0] * 1000 / found:.1f} µs per secret, {found} secrets)"
        if scanner is not None:
            row += f" {measure(scanner, text, 1)[0]:>14.0f}"
        print(row)
    print("target: pycodex under 5 ms per MB (best CPU time of the runs / median wall time, which on a shared")
    print("machine includes waiting for a core); detect-secrets: one run, wall time")
    print()
    print("streamed (SecretStream: what front doors pay for output deltas), source code, cpu/wall ms per MB")
    source = workloads()["source code"]
    for size in (64, 4096, 65536):
        cost = measure(lambda text, size=size: streamed(text, size), source, max(3, args.runs // 3))
        print(f"{f'{size} B pieces':<16} {cost[0]:>11.2f} / {cost[1]:>9.2f}")


def streamed(text: str, size: int) -> str:
    """`text` pushed through one stream in pieces of `size` characters, then flushed."""
    stream = SecretStream()
    parts = [stream.push(text[i : i + size]) for i in range(0, len(text), size)]
    return "".join(parts) + stream.flush()


if __name__ == "__main__":
    main()
