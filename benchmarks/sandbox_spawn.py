"""Time to run `true` under each sandbox policy, as whole processes: `pycodex sandbox linux` against Codex's
`codex sandbox` from the npm package (.ci/npm), with the ratio.

    .venv/bin/python benchmarks/sandbox_spawn.py [--runs N]

Three pycodex rows per policy: through the `pycodex` console script (typer parses the command line, and typer
imports pydantic to do so), through `cli._sandbox_cmd.main` (the typer-free parser an entry point can hand
`pycodex sandbox ...` to), and the library door alone (`sandbox.spawn` from a running process, which is how the
agent runs model commands). Runs are interleaved so that load from elsewhere on the machine hits every runner alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
CODEX = ROOT / ".ci" / "npm" / "node_modules" / ".bin" / "codex"
PYCODEX = Path(sys.executable).parent / "pycodex"
FAST = "import sys; from cli._sandbox_cmd import main; sys.exit(main(sys.argv[1:]))"
MODES = ("read-only", "workspace-write", "danger-full-access")


def timed(argv: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return elapsed


def library_runner(mode: str, cwd: Path) -> Callable[[], float]:
    """Time `sandbox.spawn` + wait for `true` inside one long-lived process (no interpreter start-up)."""
    import anyio

    import sandbox

    policy = sandbox.policy_for_mode(cast("sandbox.SandboxMode", mode))

    async def once() -> float:
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            proc = await sandbox.spawn(["true"], cwd=cwd, env=dict(os.environ), policy=policy, task_group=tg)
            await proc.wait()
            proc.close()
        return time.perf_counter() - start

    return lambda: anyio.run(once)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time `true` under each sandbox policy: pycodex vs codex.")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    parent = Path("/var/tmp") if Path("/var/tmp").is_dir() else Path.home()
    work = Path(tempfile.mkdtemp(prefix="pycodex-bench-", dir=parent))
    try:
        ws = work / "ws"
        ws.mkdir()
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
        # Codex refuses to put its helper aliases under a temporary directory, so its home lives beside the workspace.
        codex_home = work / "codex-home"
        codex_home.mkdir()
        env = {**os.environ, "CODEX_HOME": str(codex_home)}
        have_codex = CODEX.exists() and shutil.which("node") is not None
        if not have_codex:
            print(f"note: {CODEX} not found (run .ci/setup); only pycodex is timed")
        print(f"runs per cell: {args.runs} (after 2 warm-up runs); times in milliseconds, median (min)\n")
        header = f"{'policy':<20} {'runner':<34} {'median':>8} {'min':>8} {'vs codex':>9}"
        print(header)
        print("-" * len(header))
        for mode in MODES:
            runners: dict[str, Callable[[], float]] = {
                "pycodex sandbox linux": lambda m=mode: timed(
                    [str(PYCODEX), "sandbox", "linux", "-c", f"sandbox_mode={m}", "--", "true"], cwd=ws, env=env
                ),
                "cli._sandbox_cmd.main (no typer)": lambda m=mode: timed(
                    [sys.executable, "-c", FAST, "linux", "-c", f"sandbox_mode={m}", "--", "true"], cwd=ws, env=env
                ),
                "sandbox.spawn (in-process)": library_runner(mode, ws),
            }
            if have_codex:
                runners["codex sandbox"] = lambda m=mode: timed(
                    [str(CODEX), "sandbox", "-c", f"sandbox_mode={m}", "--", "true"], cwd=ws, env=env
                )
            samples: dict[str, list[float]] = {name: [] for name in runners}
            for _ in range(2):
                for run in runners.values():
                    run()
            for _ in range(args.runs):
                for name, run in runners.items():
                    samples[name].append(run() * 1000)
            codex_median = statistics.median(samples["codex sandbox"]) if have_codex else None
            for name, values in samples.items():
                median = statistics.median(values)
                ratio = f"{median / codex_median:.2f}x" if codex_median else "-"
                print(f"{mode:<20} {name:<34} {median:8.1f} {min(values):8.1f} {ratio:>9}")
            print()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
