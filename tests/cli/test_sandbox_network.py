"""`pycodex sandbox linux` and `pycodex sandbox status` under a permission profile with a network policy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import detect
from sandbox._route import HOSTS_ENV
from tests.sandbox._netservers import Served, serve

CONFIG = """\
default_permissions = "dev"
[permissions.dev.filesystem]
":project_roots" = "write"
[permissions.dev.network]
enabled = true
mode = "limited"
allow_local_binding = true
domains = { "*.pypi.test" = "allow", "evil.test" = "deny" }
"""


@pytest.fixture
def web() -> Iterator[Served]:
    with serve("web") as served:
        yield served


def pycodex(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, HOSTS_ENV: "files.pypi.test=127.0.0.1,evil.test=127.0.0.1"}
    return subprocess.run(
        [sys.executable, "-m", "cli", "sandbox", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.skipif(detect().backend != "bubblewrap" or not shutil.which("curl"), reason="needs bubblewrap and curl")
def test_sandbox_linux_routes_the_command_through_the_profiles_proxy(
    tmp_path: Path, codex_home: Path, web: Served
) -> None:
    (codex_home / "config.toml").write_text(CONFIG, encoding="utf-8")
    fetch = "curl -sS -o /dev/null -w '%{http_code} '"
    script = (
        f"{fetch} http://files.pypi.test:{web.port}/; {fetch} http://evil.test:{web.port}/; "
        f"{fetch} -d x http://files.pypi.test:{web.port}/; touch made.txt"
    )
    result = pycodex(tmp_path, "linux", "--", "sh", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "200 403 403 "
    assert "network: through the policy proxy (permission profile `dev`), mode limited" in result.stderr
    assert f"network: GET evil.test:{web.port} refused (blocked-by-denylist)" in result.stderr
    assert f"network: POST files.pypi.test:{web.port} refused (blocked-by-method-policy)" in result.stderr
    assert (tmp_path / "made.txt").exists()
    assert web.hits == [("GET", "/")]


def test_sandbox_status_shows_the_network_policy_in_force(tmp_path: Path, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(CONFIG, encoding="utf-8")
    text = pycodex(tmp_path, "status").stdout
    assert "network: through the policy proxy (permission profile `dev`), mode limited" in text
    assert "  allow: *.pypi.test" in text and "  deny: evil.test" in text
    data = json.loads(pycodex(tmp_path, "status", "--json").stdout)
    assert data["network"] == {
        "enabled": True,
        "profile": "dev",
        "mode": "limited",
        "allow": ["*.pypi.test"],
        "deny": ["evil.test"],
        "allow_local_binding": True,
        "enable_socks5": False,
    }
    (codex_home / "config.toml").write_text('default_permissions = "nope"\n', encoding="utf-8")
    assert "the permission profile cannot be used: default_permissions names the profile `nope`" in (
        pycodex(tmp_path, "status").stdout
    )
