"""The MCP conformance suite's client scenarios, run against `conformance_client.py` (mcp_client's public API).

Needs node 22 (npm `node@22`, installed by .ci/setup) and `@modelcontextprotocol/conformance@0.2.0-alpha.12`,
looked for in `.ci/npm` or in the npm folder named by `PYCODEX_CONFORMANCE_DIR`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import NODE_MODULES

ADAPTER = Path(__file__).parent / "conformance_client.py"
NODE22_BIN = NODE_MODULES / ".bin"

# Known failures of the full suites (--suite all), not run here: auth/scope-step-up (a step-up inside a running
# session needs a person at a browser; the call fails with the `pycodex mcp login` message instead),
# auth/basic-cimd (warning: no client ID metadata document URL), json-schema-2020-12-preservation,
# sep-2322-client-request-state and http-custom-headers (they script tool calls a generic client does not make).


def _conformance_bin() -> Path:
    candidates = [NODE_MODULES / ".bin" / "conformance"]
    if extra := os.environ.get("PYCODEX_CONFORMANCE_DIR"):
        candidates.insert(0, Path(extra) / "node_modules" / ".bin" / "conformance")
    for candidate in candidates:
        if candidate.exists():
            return candidate
    pytest.skip(
        "@modelcontextprotocol/conformance@0.2.0-alpha.12 is not installed (.ci/setup does not install it yet; "
        "set PYCODEX_CONFORMANCE_DIR to an npm folder that has it)"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "scenario",
    [
        "initialize",
        "tools_call",
        "elicitation-sep1034-client-defaults",
        "sse-retry",
        "auth/metadata-default",
        "auth/pre-registration",
        "auth/token-endpoint-auth-basic",
        "auth/scope-from-www-authenticate",
    ],
)
def test_conformance_client_scenario_passes(scenario: str, tmp_path: Path) -> None:
    binary = _conformance_bin()
    if not (NODE22_BIN / "node").exists():
        pytest.skip(f"node 22 (npm node@22) is not installed under {NODE22_BIN} (run .ci/setup)")
    env = {**os.environ, "PATH": f"{NODE22_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(binary),
            "client",
            "--command",
            f"{sys.executable} {ADAPTER}",
            "--scenario",
            scenario,
            "--timeout",
            "60000",
            "-o",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    summary = re.findall(r"(?:Passed|Total): [^\n]*", output)
    assert done.returncode == 0, f"{scenario}: {summary}\n{output[-4000:]}"
    assert summary and ", 0 failed" in summary[-1], output[-4000:]
