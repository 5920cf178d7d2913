"""`pycodex exec` under a permission profile with a network policy: nobody to ask, so unlisted hosts are refused and
the model is told why; listed hosts are reached through the proxy from inside the sandbox."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import detect
from sandbox._route import HOSTS_ENV
from tests.cli.exec_harness import run_exec
from tests.sandbox._netservers import Served, serve
from tests.support.model_server import exec_call, message

pytestmark = pytest.mark.skipif(
    detect().backend != "bubblewrap" or not shutil.which("curl"), reason="needs bubblewrap's network namespace and curl"
)


@pytest.fixture
def web() -> Iterator[Served]:
    with serve("web") as served:
        yield served


def test_exec_reaches_allowed_hosts_and_reports_refused_ones_to_the_model(
    tmp_path: Path, codex_home: Path, web: Served
) -> None:
    (codex_home / "config.toml").write_text(
        'default_permissions = "dev"\n'
        '[permissions.dev.filesystem]\n":project_roots" = "write"\n'
        "[permissions.dev.network]\nenabled = true\nallow_local_binding = true\n"
        'domains = { "pypi.test" = "allow" }\n',
        encoding="utf-8",
    )
    fetch = f"curl -sS -w ' %{{http_code}}' http://pypi.test:{web.port}/ http://other.test:{web.port}/"
    steps = [{"items": [exec_call(fetch, "c1", login=False)]}, {"items": [message("done")]}]
    run = run_exec(
        steps,
        ["--json", "--skip-git-repo-check", "go"],
        cwd=tmp_path,
        env={"CODEX_HOME": str(codex_home), HOSTS_ENV: "pypi.test=127.0.0.1,other.test=127.0.0.1"},
    )
    assert run.returncode == 0, run.stderr
    output = next(str(i["output"]) for i in run.requests[-1].body["input"] if i.get("type") == "function_call_output")
    assert "hello from web" in output and " 403" in output
    assert f"network: GET other.test:{web.port} refused (blocked-by-allowlist)" in output
    assert "other.test is not in the allowlist" in output
    assert web.hits == [("GET", "/")]
