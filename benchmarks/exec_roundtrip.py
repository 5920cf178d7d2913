"""How fast `pycodex exec` gets to the model, and what each tool round trip costs, against the scripted server.

Prints (medians over several runs):
  * start → first request: from spawning the process to the first POST arriving at the model server;
  * per round trip: (last request - first request) / N for a script of N `exec_command {"cmd": "true"}` calls,
    run as the model asks by default (a login shell), with a home whose login profile does measurable work (like
    pyenv/nvm/conda set-up: a few subprocesses, PATH changes, a few hundred shell functions). `--no-profile` uses an
    empty one. The profile's own cost (`bash -lc true`) is printed beside.
Everything runs with HOME and CODEX_HOME outside the temp directory (under ~/.cache): Codex refuses to run sandboxed
commands when CODEX_HOME is under it, which would time failing commands.
Where Codex's binary from npm is installed (`.ci/npm`, by `.ci/setup`), the same scripts run through it too and
the ratio pycodex/Codex is printed. Also printed: the floor of the stack pycodex is built on, a Python process that only
imports anyio, httpx2 and pydantic, validates one model and sends one POST (what any start-up of ours must pay on
this interpreter). Usage: .venv/bin/python benchmarks/exec_roundtrip.py [--calls N] [--runs R]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.model_server import ScriptedModelServer, exec_call, message  # noqa: E402

CODEX_BIN = REPO / ".ci/npm/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"


def _pycodex_cmd(url: str) -> list[str]:
    return [str(REPO / ".venv/bin/pycodex"), "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write",
            "-c", f'model_providers.mock={{name="mock", base_url="{url}", env_key="MOCK_API_KEY"}}',
            "-c", "model_provider=mock", "-m", "gpt-5.5", "go"]


def _codex_cmd(url: str) -> list[str]:
    return [str(CODEX_BIN), "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write", "-m", "gpt-5.5",
            "-c", f'model_providers.mock={{name="mock", base_url="{url}", env_key="MOCK_API_KEY", '
                  'wire_api="responses"}',
            "-c", "model_provider=mock", "go"]


# The least a pycodex start-up can cost: the design's event loop, HTTP client and validation library, one request.
_FLOOR_SCRIPT = """
import sys
import anyio
import httpx2
from pydantic import BaseModel


class Settings(BaseModel):
    model: str


async def main() -> None:
    settings = Settings.model_validate({"model": "gpt-5.5"})
    async with httpx2.AsyncClient() as client:
        async with client.stream("POST", sys.argv[1] + "/responses", json={"model": settings.model}) as response:
            await response.aread()


anyio.run(main)
"""


def _floor_cmd(url: str) -> list[str]:
    return [sys.executable, "-c", _FLOOR_SCRIPT, url]


def measure_floor(runs: int) -> float:
    first: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        _run(_floor_cmd, [{"items": [message("warm-up")]}], home, home)
        for _ in range(runs):
            started, times = _run(_floor_cmd, [{"items": [message("ok")]}], home, home)
            first.append(times[0] - started)
    return statistics.median(first)


# What a typical developer's login profile does, in small: version managers that run a few programs, extend PATH and
# define many shell functions.
PROFILE = """\
export PYENV_ROOT="$HOME/.pyenv" NVM_DIR="$HOME/.nvm"
export PATH="$PYENV_ROOT/shims:$PYENV_ROOT/bin:$NVM_DIR/bin:$PATH"
kernel=$(uname -r); arch=$(uname -m); today=$(date +%F); here=$(command -v bash)
for tool in git python3 node; do command -v "$tool" >/dev/null 2>&1; done
eval "$(for i in $(seq 1 400); do printf 'bench_fn_%d() { echo %d; }\\n' "$i" "$i"; done)"
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
"""
BASHRC = """\
alias ll='ls -l'
export HISTSIZE=10000
complete -W "alpha beta" bench_fn_1 2>/dev/null || true
"""

_profile: dict[str, Path] = {}
"""`home`: the HOME the measured runs get (a bench home with or without a login profile)."""


@contextlib.contextmanager
def bench_dirs() -> Generator[tuple[Path, Path]]:
    """(CODEX_HOME, work directory) under ~/.cache, removed afterwards."""
    base = Path.home() / ".cache"
    base.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="pycodex-bench-", dir=base))
    try:
        (root / "codex-home").mkdir()
        (root / "work").mkdir()
        yield root / "codex-home", root / "work"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(build: Any, steps: list[dict[str, Any]], home: Path, cwd: Path) -> tuple[float, list[float]]:
    with ScriptedModelServer(steps) as server:
        # As an installed user runs it: bytecode caching on (this machine sets PYTHONDONTWRITEBYTECODE).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update({"MOCK_API_KEY": "sk-bench", "CODEX_HOME": str(home)})
        if "home" in _profile:
            env.update({"HOME": str(_profile["home"]), "SHELL": "/bin/bash"})
        started = time.time()
        proc = subprocess.run(build(server.base_url), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise SystemExit(f"run failed ({proc.returncode}): {proc.stderr[-2000:]}")
        _LAST_INPUT[:] = server.requests[-1].body.get("input", []) if server.requests else []
        return started, [r.received_at for r in server.requests]


_LAST_INPUT: list[Any] = []


def _check_commands_succeeded(build: Any) -> None:
    """Timing commands that failed (a sandbox that refused them) would be timing nothing: stop instead."""
    outputs = [str(i.get("output")) for i in _LAST_INPUT if i.get("type") == "function_call_output"]
    failed = [o for o in outputs if "Process exited with code 0" not in o]
    if not outputs or failed:
        raise SystemExit(f"{build.__name__}: a command did not succeed: {(failed or ['no output'])[0][:500]}")


def measure(build: Any, calls: int, runs: int) -> tuple[float, float]:
    first: list[float] = []
    per_call: list[float] = []
    with bench_dirs() as (home, cwd):
        _run(build, [{"items": [message("warm-up")]}], home, cwd)  # fills the bytecode cache
        for _ in range(runs):
            started, times = _run(build, [{"items": [message("ok")]}], home, cwd)
            first.append(times[0] - started)
            steps = [{"items": [exec_call("true", f"c{i}")]} for i in range(calls)]
            steps.append({"items": [message("done")]})
            _, times = _run(build, steps, home, cwd)
            per_call.append((times[-1] - times[0]) / calls)
            _check_commands_succeeded(build)
    return statistics.median(first), statistics.median(per_call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-profile", action="store_true", help="Use an empty login profile.")
    args = parser.parse_args()
    with bench_dirs() as (profile_home, _):
        if not args.no_profile:
            (profile_home / ".bash_profile").write_text(PROFILE)
            (profile_home / ".bashrc").write_text(BASHRC)
        _profile["home"] = profile_home  # an empty home with --no-profile, never the real one
        print(f"login profile: bash -lc true costs {_login_cost(profile_home) * 1000:.1f} ms here")
        _compare(args)


def _login_cost(home: Path) -> float:
    env = {**os.environ, "HOME": str(home)}
    times: list[float] = []
    for _ in range(10):
        started = time.perf_counter()
        subprocess.run(["/bin/bash", "-lc", "true"], env=env, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _compare(args: argparse.Namespace) -> None:
    ours = measure(_pycodex_cmd, args.calls, args.runs)
    print(f"pycodex  start→first request {ours[0] * 1000:7.1f} ms   per round trip {ours[1] * 1000:6.1f} ms")
    floor = measure_floor(args.runs)
    print(f"floor    start→first request {floor * 1000:7.1f} ms   (anyio, httpx2, pydantic, one POST: nothing of ours)")
    if CODEX_BIN.exists():
        theirs = measure(_codex_cmd, args.calls, args.runs)
        print(f"codex    start→first request {theirs[0] * 1000:7.1f} ms   per round trip {theirs[1] * 1000:6.1f} ms")
        print(f"ratio (pycodex/codex)  first request {ours[0] / theirs[0]:.2f}   round trip {ours[1] / theirs[1]:.2f}")
    else:
        print(f"codex binary not found at {CODEX_BIN} (run .ci/setup); no comparison")


if __name__ == "__main__":
    main()
