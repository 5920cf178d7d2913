"""What a `PreToolUse` hook that exits at once adds to a tool round trip: one hook run (shell start, JSON on stdin,
exit) measured in-process, next to the round trip of a real `exec_command` through a session on the scripted model.

    .venv/bin/python benchmarks/hooks.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import agent
from agent.hooks import Hooks, HookSet, parse_hooks
from agent.model import ScriptedModel, function_call, reply, text


async def hook_runs(runs: int, work: Path) -> list[float]:
    table = {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "exit 0"}]}]}
    hooks = Hooks(
        HookSet(tuple(parse_hooks(table, work / "hooks.json"))),
        session_id="bench",
        cwd=work,
        shell="/bin/bash",
        model="m",
        approval_policy="never",
        transcript_path=lambda: None,
        report=_quiet,
    )
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        await hooks.fire("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": "true"}}, subject="Bash")
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _quiet(*_: object) -> None:
    return None


async def round_trips(runs: int, work: Path) -> list[float]:
    config = agent.load_config(
        agent.ConfigOverrides(cwd=work, approval_policy="never", sandbox_mode="workspace-write"),
        ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"],
    )
    times: list[float] = []
    for _ in range(runs):
        model = ScriptedModel(
            [reply(function_call("exec_command", {"cmd": "true", "login": False})), reply(text("ok"))]
        )
        async with agent.Session(config, model=model, ephemeral=True) as session:
            started = time.perf_counter()
            await session.run_turn([agent.TextInput(text="go")])
            times.append((time.perf_counter() - started) * 1000)
    return times


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(dir=Path.home() / ".cache") as tmp:
        work = Path(tmp)
        await anyio.run_process(["git", "init", "-q", str(work)])
        hook = await hook_runs(runs, work)
        trip = await round_trips(runs, work)
    print(f"PreToolUse hook (exit 0), per call: median {statistics.median(hook):.1f} ms, min {min(hook):.1f} ms")
    print(f"exec_command round trip without hooks: median {statistics.median(trip):.1f} ms, min {min(trip):.1f} ms")
    print(f"overhead of the hook on a round trip: {statistics.median(hook) / statistics.median(trip):.0%}")


if __name__ == "__main__":
    (Path.home() / ".cache").mkdir(exist_ok=True)
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 15)
