"""`pycodex login`, `login status` and `logout` as subprocesses: Codex's texts and exit codes, each credential store,
and auth.json shared with Codex's own binary in both directions."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cli.exec_harness import PYCODEX, REPO
from tests.support.model_server import ScriptedModelServer, message

CODEX = REPO / ".ci" / "npm" / "node_modules" / ".bin" / "codex"
KEY = "sk-test-0123456789abcdef"
SAVED = "Reading API key from stdin...\nAPI key saved. Authentication is checked when you send a request.\n"
STATUS = "API key configured - sk-test-***bcdef\nAuthentication is checked when you send a request.\n"


def pycodex(
    home: Path, *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(CODEX_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run(
        [*PYCODEX, *args],
        env=env,
        cwd=cwd or home,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def codex(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    if not CODEX.exists():
        pytest.skip(f"Codex's binary is not installed at {CODEX} (npm install in .ci/npm)")
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["CODEX_HOME"] = str(home)
    done = subprocess.run(
        [str(CODEX), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    # Under the temp directory Codex warns that it will not make its helper aliases; that is not what is tested.
    done.stderr = "".join(line for line in done.stderr.splitlines(True) if not line.startswith("WARNING: proceeding"))
    return done


def test_login_status_logout_with_the_file_store_say_what_codex_says(codex_home: Path) -> None:
    none = pycodex(codex_home, "login", "status")
    assert (none.returncode, none.stderr) == (1, "Not logged in\n")

    login = pycodex(codex_home, "login", "--with-api-key", stdin=KEY + "\n")
    assert (login.returncode, login.stderr, login.stdout) == (0, SAVED, "")
    auth = codex_home / "auth.json"
    assert auth.read_text(encoding="utf-8") == '{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "' + KEY + '"\n}'
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    assert [p.name for p in codex_home.iterdir()] == ["auth.json"]  # no temporary file left behind

    status = pycodex(codex_home, "login", "status")
    assert (status.returncode, status.stderr) == (0, STATUS)
    assert KEY not in status.stdout + status.stderr

    first = pycodex(codex_home, "logout")
    assert (first.returncode, first.stderr) == (0, "Successfully logged out\n")
    assert not auth.exists()
    second = pycodex(codex_home, "logout")
    assert (second.returncode, second.stderr) == (0, "Not logged in\n")


def test_short_keys_are_masked_entirely(codex_home: Path) -> None:
    pycodex(codex_home, "login", "--with-api-key", stdin="1234567890123")
    assert pycodex(codex_home, "login", "status").stderr.splitlines()[0] == "API key configured - ***"


def test_empty_stdin_and_forced_chatgpt_login_are_refused(codex_home: Path) -> None:
    empty = pycodex(codex_home, "login", "--with-api-key", stdin="  \n")
    assert (empty.returncode, empty.stderr.splitlines()[-1]) == (1, "No API key provided via stdin.")
    forced = pycodex(codex_home, "login", "--with-api-key", "-c", 'forced_login_method="chatgpt"', stdin=KEY)
    assert forced.returncode == 1
    assert forced.stderr.splitlines()[-1] == "API key login is disabled. Use ChatGPT login instead."
    assert not (codex_home / "auth.json").exists()


def test_chatgpt_sign_in_is_reported_as_not_supported(codex_home: Path) -> None:
    for args in (["login"], ["login", "--device-auth"], ["login", "--with-access-token"]):
        done = pycodex(codex_home, *args)
        assert done.returncode == 1 and "ChatGPT is not supported" in done.stderr
    assert "ChatGPT" in pycodex(codex_home, "login", "--help").stdout


def test_a_bad_store_name_is_a_configuration_error(codex_home: Path) -> None:
    done = pycodex(codex_home, "login", "status", "-c", 'cli_auth_credentials_store="vault"')
    assert done.returncode == 1
    assert "Error loading configuration" in done.stderr and "cli_auth_credentials_store" in done.stderr


def test_the_ephemeral_store_writes_nothing_and_lasts_one_process(codex_home: Path) -> None:
    eph = ("-c", 'cli_auth_credentials_store="ephemeral"')
    login = pycodex(codex_home, "login", "--with-api-key", *eph, stdin=KEY)
    assert (login.returncode, login.stderr) == (0, SAVED)
    assert list(codex_home.iterdir()) == []
    assert pycodex(codex_home, "login", "status", *eph).returncode == 1


def test_a_key_stored_by_codex_is_used_by_pycodex_exec(codex_home: Path, tmp_path: Path) -> None:
    stored = codex(codex_home, "login", "--with-api-key", stdin="sk-from-codex-1234567890")
    assert stored.returncode == 0, stored.stderr
    assert pycodex(codex_home, "login", "status").stderr.startswith("API key configured - sk-from-***67890")
    with ScriptedModelServer([{"items": [message("hello")]}]) as server:
        done = pycodex(
            codex_home,
            "exec",
            "--skip-git-repo-check",
            "-c",
            f'openai_base_url="{server.base_url}"',
            "hi",
            cwd=tmp_path,
        )
        requests = server.requests
    assert done.returncode == 0, done.stderr
    assert requests[0].headers["authorization"] == "Bearer sk-from-codex-1234567890"


def test_a_key_stored_by_pycodex_is_read_by_codex(codex_home: Path) -> None:
    assert pycodex(codex_home, "login", "--with-api-key", stdin=KEY).returncode == 0
    status = codex(codex_home, "login", "status")
    assert (status.returncode, status.stderr) == (0, STATUS)
    assert codex(codex_home, "logout").stderr == "Successfully logged out\n"
    assert pycodex(codex_home, "login", "status").stderr == "Not logged in\n"


def test_without_any_credentials_exec_sends_nothing_and_names_both_ways_to_log_in(
    codex_home: Path, tmp_path: Path
) -> None:
    with ScriptedModelServer([{"items": [message("hello")]}]) as server:
        done = pycodex(
            codex_home,
            "exec",
            "--skip-git-repo-check",
            "-c",
            "model_provider=openai",
            "-c",
            f'openai_base_url="{server.base_url}"',
            "hi",
            cwd=tmp_path,
        )
        requests = server.requests
    assert done.returncode == 1
    assert requests == []
    assert "pycodex login --with-api-key" in done.stderr + done.stdout
    assert "OPENAI_API_KEY" in done.stderr + done.stdout


_KEYRING_SCRIPT = textwrap.dedent(
    """
    import json, subprocess, sys
    from pathlib import Path
    import keyring
    from agent.config._auth import KEYRING_SERVICE, keyring_account

    home, pycodex = Path(sys.argv[1]), sys.argv[2:]
    def run(*args, stdin=None):
        done = subprocess.run([*pycodex, *args, "-c", 'cli_auth_credentials_store="MODE"'], input=stdin,
                              capture_output=True, text=True)
        return [done.returncode, done.stderr]
    report = {"login": run("login", "--with-api-key", stdin="sk-test-0123456789abcdef")}
    report["raw"] = keyring.get_password(KEYRING_SERVICE, keyring_account(home))
    report["file"] = (home / "auth.json").exists()
    report["status"] = run("login", "status")
    report["logout"] = run("logout")
    report["after"] = keyring.get_password(KEYRING_SERVICE, keyring_account(home))
    print(json.dumps(report))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["keyring", "auto"])
def test_the_keyring_store_uses_the_secret_service_with_codex_service_and_account(
    mode: str, tmp_path: Path, codex_home: Path
) -> None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (the Debian packages dbus and gnome-keyring; .ci/setup)")
    (codex_home / "auth.json").write_text('{"auth_mode":"apikey","OPENAI_API_KEY":"sk-old-file-key-123"}')
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "probe.py"
    script.write_text(_KEYRING_SCRIPT.replace("MODE", mode), encoding="utf-8")
    shell = (
        "echo -n test-password | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && "
        f'"{sys.executable}" "{script}" "{codex_home}" "{sys.executable}" -m cli'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_") and k != "OPENAI_API_KEY"}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), XDG_RUNTIME_DIR=str(home), CODEX_HOME=str(codex_home))
    done = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", shell],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["login"] == [0, SAVED], report["login"][1]
    assert json.loads(report["raw"]) == {"auth_mode": "apikey", "OPENAI_API_KEY": KEY}
    assert report["raw"] == json.dumps({"auth_mode": "apikey", "OPENAI_API_KEY": KEY}, separators=(",", ":"))
    assert report["file"] is False  # a keyring save removes auth.json, as Codex's does
    assert report["status"] == [0, STATUS]
    assert report["logout"] == [0, "Successfully logged out\n"]
    assert report["after"] is None


def test_the_keyring_store_without_a_keyring_fails_clearly(codex_home: Path) -> None:
    env_fail = ("-c", 'cli_auth_credentials_store="keyring"')
    done = subprocess.run(
        [*PYCODEX, "login", "status", *env_fail],
        env={
            **os.environ,
            "CODEX_HOME": str(codex_home),
            "PYTHONPATH": str(REPO),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        },
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error checking login status: no OS keyring is available")
