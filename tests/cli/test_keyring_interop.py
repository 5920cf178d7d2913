"""The OS keyring shared with Codex's own binary: under a private D-Bus session with gnome-keyring, a key pycodex
stores in the keyring is read and logged out by Codex, and a key Codex stores there is read by pycodex."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cli.exec_harness import REPO
from tests.cli.test_login import CODEX, KEY, STATUS

_PROBE = textwrap.dedent(
    """
    import json, subprocess, sys
    from pathlib import Path

    home, codex, pycodex = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    STORE = ["-c", 'cli_auth_credentials_store="keyring"']

    def run(argv, stdin=None):
        done = subprocess.run([*argv, *STORE], input=stdin, capture_output=True, text=True, timeout=60)
        # Under the temp directory Codex warns that it will not make its helper aliases: not what is tested.
        err = "".join(l for l in done.stderr.splitlines(True) if not l.startswith("WARNING: proceeding"))
        return [done.returncode, err]

    report = {"pycodex_login": run([*pycodex, "login", "--with-api-key"], stdin="KEY")}
    report["file_after_pycodex_login"] = (home / "auth.json").exists()
    report["codex_status"] = run([codex, "login", "status"])
    report["codex_logout"] = run([codex, "logout"])
    report["pycodex_status_after_codex_logout"] = run([*pycodex, "login", "status"])
    report["codex_login"] = run([codex, "login", "--with-api-key"], stdin="sk-codex-9876543210fedcba")
    report["file_after_codex_login"] = (home / "auth.json").exists()
    report["pycodex_status"] = run([*pycodex, "login", "status"])
    print(json.dumps(report))
    """
).replace("KEY", KEY)


@pytest.mark.slow
def test_pycodex_and_codex_share_the_login_in_the_os_keyring(tmp_path: Path, codex_home: Path) -> None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (the Debian packages dbus and gnome-keyring; .ci/setup)")
    if not CODEX.exists():
        pytest.skip(f"Codex's binary is not installed at {CODEX} (npm install in .ci/npm)")
    home = tmp_path / "home"
    home.mkdir()
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE, encoding="utf-8")
    shell = (
        "echo -n test-password | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && "
        f'"{sys.executable}" "{probe}" "{codex_home}" "{CODEX}" "{sys.executable}" -m cli'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_") and k != "OPENAI_API_KEY"}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), XDG_RUNTIME_DIR=str(home), CODEX_HOME=str(codex_home))
    done = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", shell],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["pycodex_login"][0] == 0, report["pycodex_login"][1]
    assert report["file_after_pycodex_login"] is False  # the key went to the keyring only
    assert report["codex_status"] == [0, STATUS]  # Codex finds pycodex's key under its service and account
    assert report["codex_logout"] == [0, "Successfully logged out\n"]
    assert report["pycodex_status_after_codex_logout"] == [1, "Not logged in\n"]
    assert report["codex_login"][0] == 0, report["codex_login"][1]
    assert report["file_after_codex_login"] is False
    assert report["pycodex_status"] == [
        0,
        "API key configured - sk-codex***edcba\nAuthentication is checked when you send a request.\n",
    ]
