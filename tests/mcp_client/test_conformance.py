"""The MCP conformance suite's client scenarios, run against `conformance_client.py` (mcp_client's public API).

Needs node 22 (npm `node@22`, installed by .ci/setup) and `@modelcontextprotocol/conformance@0.2.0-alpha.12`,
looked for in `.ci/npm` or in the npm folder named by `PYCODEX_CONFORMANCE_DIR`.

The suite runs once per protocol era (`--suite all --spec-version ERA`, its scenarios in parallel, as the python
SDK's own CI does); each scenario is then a test of its own that reads its checks from the run's output.

Not listed, because we do not implement them: the extension scenarios of the bare `--suite all` run —
`auth/client-credentials-jwt`, `auth/client-credentials-basic` (machine-to-machine grants),
`auth/enterprise-managed-authorization`, `auth/wif-jwt-bearer` (token exchange with an identity provider) and
`auth/dpop`, `auth/dpop-nonce` (DPoP-bound tokens) — and the `sep-2640-*` skills scenarios, which make no checks.
Known gap behind a passing scenario: in `sep-2322-client-request-state` the `mcp` SDK (2.3) rejects a 2026-07-28
tool result without `resultType` as malformed instead of taking it as complete; the scenario only checks that the
client does not retry it, so it passes, but that call fails.

The 2026-07-28 scenarios run with the server table's `protocol = "newest"` (the adapter reads the era the harness
names); the default, `handshake-first`, is what the 2025 scenarios exercise.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import NODE_MODULES

ADAPTER = Path(__file__).parent / "conformance_client.py"
NODE22_BIN = NODE_MODULES / ".bin"

AUTH = [
    "auth/metadata-default",
    "auth/metadata-var1",
    "auth/metadata-var2",
    "auth/metadata-var3",
    "auth/basic-cimd",
    "auth/scope-from-www-authenticate",
    "auth/scope-from-scopes-supported",
    "auth/scope-omitted-when-undefined",
    "auth/scope-step-up",
    "auth/scope-retry-limit",
    "auth/token-endpoint-auth-basic",
    "auth/token-endpoint-auth-post",
    "auth/token-endpoint-auth-none",
    "auth/pre-registration",
]
SCENARIOS: dict[str, list[str]] = {
    "2025-11-25": [
        "initialize",
        "tools_call",
        "elicitation-sep1034-client-defaults",
        "sse-retry",
        *AUTH,
        "json-schema-2020-12-preservation",
    ],
    "2026-07-28": [
        "tools_call",
        "request-metadata",
        *AUTH,
        "auth/resource-mismatch",
        "auth/offline-access-scope",
        "auth/offline-access-not-supported",
        "auth/authorization-server-migration",
        "auth/iss-supported",
        "auth/iss-not-advertised",
        "auth/iss-supported-missing",
        "auth/iss-wrong-issuer",
        "auth/iss-unexpected",
        "auth/iss-normalized",
        "auth/metadata-issuer-mismatch",
        "sep-2322-client-request-state",
        "http-standard-headers",
        "http-custom-headers",
        "http-invalid-tool-headers",
        "json-schema-ref-no-deref",
        "json-schema-2020-12-preservation",
    ],
    "2025-03-26": [
        "auth/2025-03-26-oauth-metadata-backcompat",
        "auth/2025-03-26-oauth-endpoint-fallback",
    ],
}
_RUN_DIR = re.compile(r"^(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")


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


class SuiteRun:
    """One `--suite all` run of an era: the harness's output and each scenario's checks."""

    def __init__(self, output: str, checks: dict[str, list[dict[str, Any]]]) -> None:
        self.output = output
        self.checks = checks


_runs: dict[str, SuiteRun] = {}


def _suite_run(era: str, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    if era in _runs:
        return _runs[era]
    binary = _conformance_bin()
    if not (NODE22_BIN / "node").exists():
        pytest.skip(f"node 22 (npm node@22) is not installed under {NODE22_BIN} (run .ci/setup)")
    out = tmp_path_factory.mktemp(f"conformance-{era}")
    env = {**os.environ, "PATH": f"{NODE22_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(binary),
            "client",
            "--command",
            f"{sys.executable} {ADAPTER}",
            "--suite",
            "all",
            "--spec-version",
            era,
            "--timeout",
            "60000",
            "-o",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    checks: dict[str, list[dict[str, Any]]] = {}
    for path in out.rglob("checks.json"):
        match = _RUN_DIR.match(path.parent.relative_to(out).as_posix())
        if match:
            checks[match["scenario"]] = json.loads(path.read_text(encoding="utf-8"))
    _runs[era] = SuiteRun(done.stdout + done.stderr, checks)
    return _runs[era]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("era", "scenario"), [(era, scenario) for era, names in SCENARIOS.items() for scenario in names]
)
def test_conformance_client_scenario_passes(era: str, scenario: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    run = _suite_run(era, tmp_path_factory)

    checks = run.checks.get(scenario)
    assert checks is not None, f"{scenario} did not run at {era}:\n{run.output[-4000:]}"
    bad = [
        f"{c['id']}: {c['status']} {c.get('errorMessage') or ''}"
        for c in checks
        if c["status"] in ("FAILURE", "WARNING")
    ]
    assert [c for c in checks if c["status"] == "SUCCESS"], f"{scenario} made no successful check"
    assert bad == [], f"{scenario} at {era}:\n" + "\n".join(bad)
