"""What spawning a sub-agent costs: from the parent's `spawn_agent` call to the child's first model request.

Measured at the scripted model server (tests/support/model_server.py), for `pycodex exec` and for Codex's binary:
the time from the moment the server finishes streaming the parent's response that holds the `spawn_agent` call to
the moment the child's first request arrives. In between: the client reads the end of the stream, runs the tool,
creates the child thread (its rollout, sandbox set-up, context) and sends its first request. Child requests are
told from the parent's by the header both send, `x-openai-subagent: collab_spawn`; the child's script is a lane of
its own on the server. The parent's follow-up request is answered after a delay, so that `exec` (which ends with
the parent's turn) stays up until the child has asked.

Both run the v1 tools (`multi_agent_v1`; Codex 0.171 offers them inline to a model it does not know, hence the
model name `bench-model`), with HOME and CODEX_HOME outside the temp directory (under ~/.cache), as
exec_roundtrip.py does. Prints the median over the runs side by side, and the ratio pycodex/Codex.
Usage: .venv/bin/python benchmarks/subagent_spawn.py [--runs R]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.exec_roundtrip import CODEX_BIN, bench_dirs  # noqa: E402
from tests.support.model_server import RecordedRequest, ScriptedModelServer, function_call, message  # noqa: E402

MODEL = "bench-model"
TASK = "List the files of this folder."
# The parent's follow-up request waits this long, so that exec is still running when the child asks.
PARENT_HOLD_S = 2.0


def _pycodex_cmd(url: str) -> list[str]:
    return [str(REPO / ".venv/bin/pycodex"), "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write",
            "-c", f'model_providers.mock={{name="mock", base_url="{url}", env_key="MOCK_API_KEY"}}',
            "-c", "model_provider=mock", "-m", MODEL, "go"]  # fmt: skip


def _codex_cmd(url: str) -> list[str]:
    return [str(CODEX_BIN), "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write", "-m", MODEL,
            "-c", f'model_providers.mock={{name="mock", base_url="{url}", env_key="MOCK_API_KEY", '
                  'wire_api="responses"}',
            "-c", "model_provider=mock", "go"]  # fmt: skip


def _is_child(request: RecordedRequest) -> bool:
    return request.headers.get("x-openai-subagent") == "collab_spawn"


def _spawn_call() -> dict[str, Any]:
    call = function_call("spawn_agent", {"message": TASK}, "call_spawn")
    call["namespace"] = "multi_agent_v1"
    return call


def _offers_spawn(request: RecordedRequest) -> bool:
    for tool in request.body.get("tools", []):
        if tool.get("name") == "spawn_agent":
            return True
        if tool.get("type") == "namespace" and any(t.get("name") == "spawn_agent" for t in tool.get("tools", [])):
            return True
    return False


def one_run(build: Any, home: Path, cwd: Path) -> float:
    """Seconds from the end of the spawn response to the child's first request; raises SystemExit with the reason
    when no child asked."""
    parent = [
        {"items": [_spawn_call()]},
        {"delay": PARENT_HOLD_S, "items": [message("spawned")]},
        {"items": [message("done")], "repeat": True},
    ]
    child = [{"items": [message("child done")], "repeat": True}]
    with ScriptedModelServer(parent, lanes=[(_is_child, child)]) as server:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update({"MOCK_API_KEY": "sk-bench", "CODEX_HOME": str(home), "HOME": str(home.parent)})
        proc = subprocess.run(build(server.base_url), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        requests = server.requests
    if proc.returncode != 0:
        raise SystemExit(f"{build.__name__}: run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    parents = [r for r in requests if not _is_child(r)]
    children = [r for r in requests if _is_child(r)]
    if not parents or not _offers_spawn(parents[0]):
        raise SystemExit(f"{build.__name__}: spawn_agent is not offered to the model")
    if not children:
        outputs = [str(i.get("output")) for r in parents for i in r.body.get("input", []) if "output" in i]
        raise SystemExit(f"{build.__name__}: no child request arrived; the spawn answered {outputs[:1]}")
    if TASK not in json.dumps(children[0].body.get("input")):
        raise SystemExit(f"{build.__name__}: the first child request does not carry the task")
    answered = parents[0].answered_at
    assert answered is not None
    return children[0].received_at - answered


def measure(build: Any, runs: int) -> float:
    times: list[float] = []
    with bench_dirs() as (home, cwd):
        one_run(build, home, cwd)  # warm-up: bytecode cache, first-run files
        times.extend(one_run(build, home, cwd) for _ in range(runs))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    started = time.time()
    label = "spawn_agent response streamed → child's first request"
    ours = measure(_pycodex_cmd, args.runs)
    print(f"pycodex  {label} {ours * 1000:7.1f} ms (median of {args.runs})")
    if not CODEX_BIN.exists():
        print(f"codex    unavailable: binary not found at {CODEX_BIN} (run .ci/setup)")
        return
    try:
        theirs = measure(_codex_cmd, args.runs)
    except SystemExit as exc:
        print(f"codex    unavailable: {exc}")
        return
    print(f"codex    {label} {theirs * 1000:7.1f} ms (median of {args.runs})")
    load = os.getloadavg()[0]
    print(
        f"ratio (pycodex/codex) {ours / theirs:.2f}   (load average {load:.1f}, {time.time() - started:.0f} s in all)"
    )


if __name__ == "__main__":
    main()
