"""What a patch costs inside a turn: the time from the model's response carrying an `apply_patch` call to the next
request (the call's output), for `pycodex exec` and Codex's `codex exec`, against the scripted model server.

The same exchange with an `exec_command {"cmd": "true", "login": false}` call is printed beside it: a tool round
trip whose tool does nearly nothing (the first command of a session, so the sandbox's start-up is in it; pycodex
applies patches in-process, Codex in a helper process). HOME, CODEX_HOME and the work tree are under ~/.cache,
outside the temp directory (Codex refuses to run sandboxed under a CODEX_HOME there).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

from tests.support.model_server import ScriptedModelServer, custom_tool_call, exec_call, message

PROVIDER = 'model_providers.mock={{name="mock", base_url="{url}", env_key="MOCK_API_KEY", wire_api="responses"}}'


@contextlib.contextmanager
def bench_root() -> Generator[Path]:
    base = Path.home() / ".cache"
    base.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="pycodex-bench-", dir=base))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _command(tool: list[str], url: str) -> list[str]:
    return [*tool, "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write", "-m", "gpt-5.5",
            "-c", PROVIDER.format(url=url), "-c", "model_provider=mock", "go"]  # fmt: skip


def _round_trip(tool: list[str], call: dict[str, Any], tree: dict[str, str], root: Path) -> tuple[float, str]:
    """Seconds from the request that got `call` to the next one, and the call's output."""
    home, work = root / "codex-home", root / "work"
    for path in (home, work):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
    for name, text in tree.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"MOCK_API_KEY": "sk-bench", "CODEX_HOME": str(home)})
    with ScriptedModelServer([{"items": [call]}, {"items": [message("done")]}]) as server:
        proc = subprocess.run(_command(tool, server.base_url), cwd=work, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        requests = server.requests
    if proc.returncode != 0 or len(requests) < 2:
        raise SystemExit(f"{tool[0]} failed ({proc.returncode}): {proc.stderr[-1500:]}")
    outputs = [i for i in requests[-1].body["input"] if str(i.get("type", "")).endswith("_call_output")]
    return requests[-1].received_at - requests[0].received_at, str(outputs[-1].get("output"))


def in_agent(tools: dict[str, list[str]], tree: dict[str, str], patch: str, runs: int) -> None:
    """Print the median in-turn time of `patch` for each tool, beside a near-empty command's round trip."""
    print(f"\nin a turn (exec, workspace-write): {runs} runs, median; model response → next request")
    medians: dict[str, float] = {}
    with bench_root() as root:
        for name, tool in tools.items():
            patch_times: list[float] = []
            true_times: list[float] = []
            for run in range(runs + 1):
                seconds, output = _round_trip(tool, custom_tool_call("apply_patch", patch, "p1"), tree, root)
                if "Success." not in output:
                    raise SystemExit(f"{name}: the patch did not apply: {output[:500]}")
                # Without a login shell: the first command of a session would pay for the profile (or its snapshot).
                baseline, _ = _round_trip(tool, exec_call("true", "e1", login=False), tree, root)
                if run:  # the first run warms caches
                    patch_times.append(seconds)
                    true_times.append(baseline)
            medians[name] = statistics.median(patch_times)
            print(f"  {name:8} apply_patch (50 chunks, 20,000 lines) {medians[name] * 1000:7.1f} ms   "
                  f"exec `true` {statistics.median(true_times) * 1000:7.1f} ms")  # fmt: skip
    if len(medians) == 2:
        ours, theirs = medians.values()
        print(f"  ratio (pycodex/codex) apply_patch in a turn {ours / theirs:.2f}")
