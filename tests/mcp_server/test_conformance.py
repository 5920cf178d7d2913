"""The MCP conformance suite's server scenarios against `pycodex mcp-server --listen`, on both protocol eras.

Needs node 22 (npm `node@22`) and `@modelcontextprotocol/conformance@0.2.0-alpha.12`, looked for in `.ci/npm` or in
the npm folder named by `PYCODEX_CONFORMANCE_DIR`. The scenarios skipped are listed, with the reason for each, in
`conformance_baseline.yml`; every other scenario must pass (and a listed one that starts passing fails the run).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .harness import REPO
from .test_http import http_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

NODE_MODULES = REPO / ".ci" / "npm" / "node_modules"
BASELINE = Path(__file__).with_name("conformance_baseline.yml")


def _tool(name: str, env_var: str) -> Path:
    candidates = [NODE_MODULES / ".bin" / name]
    if extra := os.environ.get(env_var):
        candidates.insert(0, Path(extra) / "node_modules" / ".bin" / name)
    for candidate in candidates:
        if candidate.exists():
            return candidate
    pytest.skip(f"{name} is not installed in .ci/npm (run .ci/setup) nor in ${env_var}")


def node22_env() -> dict[str, str]:
    bin_dir = NODE_MODULES / ".bin"
    if not (bin_dir / "node").exists():
        pytest.skip(f"node 22 (npm node@22) is not installed under {bin_dir} (run .ci/setup)")
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.mark.parametrize(("spec", "suite"), [("2025-11-25", "active"), ("2026-07-28", "all")])
async def test_conformance_server_scenarios_pass_except_the_listed_fixtures(
    spec: str, suite: str, codex_home: Path, tmp_path: Path
) -> None:
    binary = _tool("conformance", "PYCODEX_CONFORMANCE_DIR")
    env = node22_env()
    async with http_server(codex_home) as url:
        command = [str(binary), "server", "--url", url, "--suite", suite, "--spec-version", spec]
        command += ["--expected-failures", str(BASELINE), "-o", str(tmp_path / "out")]
        done = await _run(command, env)
    summary = done.stdout[done.stdout.find("=== SUMMARY ===") :]
    assert done.returncode == 0, summary + done.stderr[-3000:]


async def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import anyio

    return await anyio.to_thread.run_sync(
        lambda: subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    )
