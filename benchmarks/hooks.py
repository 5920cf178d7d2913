"""What a `PreToolUse` hook that exits at once adds to a tool round trip: the turn of a real `exec_command` call
through a session on the scripted model, with and without such a hook (runs interleaved, so the machine's load
falls on both alike), and one hook run alone (shell start, JSON on stdin, exit).

    .venv/bin/python benchmarks/hooks.py [runs]
"""

from __future__ import annotations

import json
import os
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


async def round_trip(config: agent.Config) -> float:
    model = ScriptedModel([reply(function_call("exec_command", {"cmd": "true", "login": False})), reply(text("ok"))])
    async with agent.Session(config, model=model, ephemeral=True) as session:
        started = time.perf_counter()
        await session.run_turn([agent.TextInput(text="go")])
        return (time.perf_counter() - started) * 1000


def _config(work: Path, home: Path, *, hooked: bool) -> agent.Config:
    os.environ["CODEX_HOME"] = str(home)
    if hooked:
        table = {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "exit 0"}]}]}
        (home / "hooks.json").write_text(json.dumps({"hooks": table}), encoding="utf-8")
    return agent.load_config(
        agent.ConfigOverrides(
            cwd=work, approval_policy="never", sandbox_mode="workspace-write", bypass_hook_trust=True
        ),
        ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"],
    )


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(dir=Path.home() / ".cache") as tmp:
        work, plain_home, hooked_home = Path(tmp) / "work", Path(tmp) / "plain", Path(tmp) / "hooked"
        for folder in (work, plain_home, hooked_home):
            folder.mkdir()
        await anyio.run_process(["git", "init", "-q", str(work)])
        hook = await hook_runs(runs, work)
        plain_config = _config(work, plain_home, hooked=False)
        hooked_config = _config(work, hooked_home, hooked=True)
        await round_trip(plain_config)  # warm-up: imports, first shell
        plain: list[float] = []
        hooked: list[float] = []
        for _ in range(runs):
            plain.append(await round_trip(plain_config))
            hooked.append(await round_trip(hooked_config))
    med = statistics.median
    print(f"runs: {runs} of each, interleaved")
    print(f"exec_command round trip, no hook:           median {med(plain):6.1f} ms, min {min(plain):6.1f} ms")
    print(f"exec_command round trip, PreToolUse hook:   median {med(hooked):6.1f} ms, min {min(hooked):6.1f} ms")
    print(f"one PreToolUse hook run alone (exit 0):     median {med(hook):6.1f} ms, min {min(hook):6.1f} ms")
    added = med(hooked) - med(plain)
    print(f"the hook adds to a round trip: {added:+.1f} ms median ({med(hooked) / med(plain) - 1:+.0%})")


if __name__ == "__main__":
    (Path.home() / ".cache").mkdir(exist_ok=True)
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 15)
