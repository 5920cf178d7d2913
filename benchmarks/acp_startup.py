"""How fast `pycodex acp` is ready for an editor, side by side with `@agentclientprotocol/codex-acp` (Codex's ACP
adapter, which drives Codex's app-server), both on the scripted model server and driven by the same ACP client
(the `agent-client-protocol` package).

Prints medians over several runs:
  * spawn → initialize answered: from spawning the agent to the `initialize` result;
  * session/new answered: from sending `session/new` (right after initialize) to its result;
  * prompt → first update: from sending `session/prompt` to the first `session/update` of that turn, and to the
    first `agent_message_chunk` (the model's answer).

codex-acp is looked for in .ci/codex-acp (`npm install --prefix .ci/codex-acp @agentclientprotocol/codex-acp`);
when it is missing, the line says why and only pycodex is measured.
Usage: .venv/bin/python benchmarks/acp_startup.py [--runs R]
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
from pathlib import Path
from typing import Any, cast

import anyio
from acp import Client, spawn_agent_process, text_block
from acp.schema import AllowedOutcome, RequestPermissionResponse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.model_server import ScriptedModelServer, message  # noqa: E402

CODEX_ACP = REPO / ".ci/codex-acp/node_modules/.bin/codex-acp"
CODEX_BIN = REPO / ".ci/codex-acp/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"
NODE22 = REPO / ".ci/npm/node_modules/.bin/node"


class _Client:
    def __init__(self) -> None:
        self.first_update: float | None = None
        self.first_message: float | None = None

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        now = time.perf_counter()
        if self.first_update is None:
            self.first_update = now
        if self.first_message is None and update.session_update == "agent_message_chunk":
            self.first_message = now

    async def request_permission(self, **kwargs: Any) -> RequestPermissionResponse:
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id="allow_once"))


def _provider(url: str) -> str:
    return f'model_providers.mock={{name="mock", base_url="{url}", env_key="MOCK_API_KEY", wire_api="responses"}}'


async def _one(command: list[str], env: dict[str, str], work: Path) -> tuple[float, float, float, float]:
    client = _Client()
    spawned = time.perf_counter()
    async with spawn_agent_process(
        # It answers updates and permissions: all a prompt here needs.
        cast("Client", client),
        command[0],
        *command[1:],
        env=env,
        cwd=str(work),
        transport_kwargs={"stderr": subprocess.DEVNULL},
    ) as (conn, _process):
        await conn.initialize(protocol_version=1)
        initialized = time.perf_counter()
        session = await conn.new_session(cwd=str(work), mcp_servers=[])
        created = time.perf_counter()
        client.first_update = client.first_message = None
        sent = time.perf_counter()
        await conn.prompt(session_id=session.session_id, prompt=[text_block("hello")])
        assert client.first_update is not None and client.first_message is not None
        return initialized - spawned, created - initialized, client.first_update - sent, client.first_message - sent


def _median(rows: list[tuple[float, ...]], column: int) -> float:
    return statistics.median(row[column] for row in rows) * 1000


def _report(name: str, rows: list[tuple[float, float, float, float]]) -> None:
    print(
        f"{name:9} spawn→initialize {_median(rows, 0):7.1f} ms   session/new {_median(rows, 1):7.1f} ms   "
        f"prompt→first update {_median(rows, 2):7.1f} ms   →first message chunk {_median(rows, 3):7.1f} ms"
    )


async def _measure(runs: int) -> None:
    with (
        tempfile.TemporaryDirectory(dir=REPO / ".ci") as tmp,
        ScriptedModelServer([{"items": [message("Hi there.")], "repeat": True}]) as server,
    ):
        root = Path(tmp)
        work = root / "work"
        work.mkdir()
        await anyio.run_process(["git", "init", "-q", str(work)])
        ours_home, theirs_home = root / "pycodex-home", root / "codex-home"
        ours_home.mkdir()
        theirs_home.mkdir()
        base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), "MOCK_API_KEY": "sk-bench"}
        ours_env = {**base, "CODEX_HOME": str(ours_home), "PYTHONPATH": str(REPO)}
        ours = [sys.executable, "-m", "cli", "acp", "-c", _provider(server.base_url), "-c", "model_provider=mock"]
        rows = [await _one(ours, ours_env, work) for _ in range(runs)]
        _report("pycodex", rows)

        if not CODEX_ACP.exists():
            print(
                f"codex-acp not installed at {CODEX_ACP}: run `npm install --prefix .ci/codex-acp "
                "@agentclientprotocol/codex-acp` (needs the npm registry); no comparison"
            )
            return
        (theirs_home / "config.toml").write_text(
            f'model = "gpt-5.5"\nmodel_provider = "mock"\n[model_providers.mock]\nname = "mock"\n'
            f'base_url = "{server.base_url}"\nenv_key = "MOCK_API_KEY"\nwire_api = "responses"\n',
            encoding="utf-8",
        )
        node = str(NODE22) if NODE22.exists() else (shutil.which("node") or "node")
        theirs_env = {**base, "CODEX_HOME": str(theirs_home), "CODEX_PATH": str(CODEX_BIN)}
        theirs = [node, str(CODEX_ACP)]
        try:
            rows_theirs = [await _one(theirs, theirs_env, work) for _ in range(runs)]
        except Exception as exc:  # the adapter could not run here: say why instead of a figure
            print(f"codex-acp  could not be measured: {type(exc).__name__}: {exc}")
            return
        _report("codex-acp", rows_theirs)
        ratio = _median(rows, 0) / _median(rows_theirs, 0)
        print(
            f"ratio (pycodex/codex-acp) spawn→initialize {ratio:.2f}   "
            f"prompt→first message chunk {_median(rows, 3) / _median(rows_theirs, 3):.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    anyio.run(_measure, args.runs)


if __name__ == "__main__":
    main()
