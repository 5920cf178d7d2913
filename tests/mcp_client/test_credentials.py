from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from pydantic import SecretStr

from mcp_client import (
    KEYRING_SERVICE,
    McpCredentialStore,
    McpCredentialStoreError,
    StoredOAuthCredentials,
    credentials_key,
)

REPO = Path(__file__).resolve().parents[2]


def _credentials(**changes: object) -> StoredOAuthCredentials:
    base = StoredOAuthCredentials(
        server_name="docs",
        server_url="https://mcp.example.com/mcp",
        client_id="client-1",
        access_token=SecretStr("access-1"),
        expires_at=int((time.time() + 3600) * 1000),
        refresh_token=SecretStr("refresh-1"),
        scopes=["read", "write"],
    )
    return base.model_copy(update=changes)


def test_the_key_is_the_server_name_and_a_hash_of_codex_compact_json() -> None:
    identity = '{"type":"http","url":"https://mcp.example.com/mcp","headers":{}}'

    assert credentials_key("docs", "https://mcp.example.com/mcp") == (
        "docs|" + hashlib.sha256(identity.encode()).hexdigest()[:16]
    )


def test_file_mode_writes_codex_layout_atomically_with_mode_0600(codex_home: Path) -> None:
    store = McpCredentialStore(codex_home, "file")

    assert store.save(_credentials()) == "file"

    path = codex_home / ".credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in codex_home.iterdir()] == [".credentials.json"]
    entry = json.loads(path.read_text(encoding="utf-8"))[credentials_key("docs", "https://mcp.example.com/mcp")]
    assert entry == {
        "server_name": "docs",
        "server_url": "https://mcp.example.com/mcp",
        "client_id": "client-1",
        "access_token": "access-1",
        "expires_at": entry["expires_at"],
        "refresh_token": "refresh-1",
        "scopes": ["read", "write"],
    }
    assert store.load("docs", "https://mcp.example.com/mcp") == _credentials(expires_at=entry["expires_at"])


def test_auto_mode_falls_back_to_the_file_when_no_keyring_is_usable(codex_home: Path) -> None:
    store = McpCredentialStore(codex_home, "auto", keyring_backend=fail.Keyring())

    assert store.save(_credentials()) == "file"
    loaded = store.load("docs", "https://mcp.example.com/mcp")
    assert loaded is not None and loaded.access_token.get_secret_value() == "access-1"


def test_keyring_mode_refuses_to_fall_back(codex_home: Path) -> None:
    store = McpCredentialStore(codex_home, "keyring", keyring_backend=fail.Keyring())

    with pytest.raises(McpCredentialStoreError, match="no OS keyring is available"):
        store.save(_credentials())
    assert not (codex_home / ".credentials.json").exists()


def test_deleting_the_last_entry_removes_the_file_and_others_are_kept(codex_home: Path) -> None:
    store = McpCredentialStore(codex_home, "file")
    store.save(_credentials())
    store.save(_credentials(server_name="other"))

    assert store.delete("docs", "https://mcp.example.com/mcp") is True
    assert store.load("other", "https://mcp.example.com/mcp") is not None
    assert store.delete("other", "https://mcp.example.com/mcp") is True
    assert store.delete("other", "https://mcp.example.com/mcp") is False
    assert not (codex_home / ".credentials.json").exists()


def test_a_corrupt_file_is_reported_without_its_contents(codex_home: Path) -> None:
    (codex_home / ".credentials.json").write_text("{not json access-1", encoding="utf-8")

    with pytest.raises(McpCredentialStoreError) as caught:
        McpCredentialStore(codex_home, "file").load("docs", "https://mcp.example.com/mcp")
    assert "access-1" not in str(caught.value)


def test_a_client_secret_is_kept_apart_from_the_tokens_in_a_0600_file(codex_home: Path) -> None:
    store = McpCredentialStore(codex_home, "file")
    url = "https://mcp.example.com/mcp"

    assert store.save_client_secret("docs", url, "client-1", SecretStr("s3cret")) == "file"
    store.save(_credentials())

    path = codex_home / ".pycodex-mcp-client-secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == {
        credentials_key("docs", url): {
            "server_name": "docs",
            "server_url": url,
            "client_id": "client-1",
            "client_secret": "s3cret",
        }
    }
    assert "s3cret" not in (codex_home / ".credentials.json").read_text(encoding="utf-8")
    secret = store.load_client_secret("docs", url, "client-1")
    assert secret is not None and secret.get_secret_value() == "s3cret"
    # A secret belongs to the client it was given for.
    assert store.load_client_secret("docs", url, "another-client") is None
    # Logging out forgets the tokens, not the client's secret.
    assert store.delete("docs", url) is True
    assert store.load_client_secret("docs", url, "client-1") is not None
    assert store.delete_client_secret("docs", url) is True
    assert store.delete_client_secret("docs", url) is False
    assert not path.exists()


def test_secrets_stay_out_of_reprs() -> None:
    text = repr(_credentials()) + str(_credentials())

    assert "access-1" not in text and "refresh-1" not in text


_KEYRING_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import keyring
    from pydantic import SecretStr
    from mcp_client import KEYRING_SERVICE, McpCredentialStore, StoredOAuthCredentials, credentials_key
    from mcp_client._credentials import CLIENT_SECRETS_KEYRING_SERVICE

    home = Path(sys.argv[1])
    backend = keyring.get_keyring()
    store = McpCredentialStore(home, sys.argv[2])
    creds = StoredOAuthCredentials(
        server_name="docs", server_url="https://mcp.example.com/mcp", client_id="client-1",
        access_token=SecretStr("access-1"), expires_at=int((time.time() + 3600) * 1000),
        refresh_token=SecretStr("refresh-1"), scopes=["read"],
    )
    where = store.save(creds)
    raw = keyring.get_password(KEYRING_SERVICE, credentials_key("docs", "https://mcp.example.com/mcp"))
    loaded = store.load("docs", "https://mcp.example.com/mcp")
    deleted = store.delete("docs", "https://mcp.example.com/mcp")
    after = keyring.get_password(KEYRING_SERVICE, credentials_key("docs", "https://mcp.example.com/mcp"))
    secret_where = store.save_client_secret("docs", "https://mcp.example.com/mcp", "client-1", SecretStr("s3cret"))
    secret_raw = keyring.get_password(
        CLIENT_SECRETS_KEYRING_SERVICE, credentials_key("docs", "https://mcp.example.com/mcp")
    )
    secret = store.load_client_secret("docs", "https://mcp.example.com/mcp", "client-1")
    secret_deleted = store.delete_client_secret("docs", "https://mcp.example.com/mcp")
    print(json.dumps({
        "secret_where": secret_where, "secret_raw": json.loads(secret_raw) if secret_raw else None,
        "secret": secret.get_secret_value() if secret else None, "secret_deleted": secret_deleted,
        "secrets_file": (home / ".pycodex-mcp-client-secrets.json").exists(),
        "backend": type(backend).__module__ + "." + type(backend).__name__,
        "where": where, "raw": json.loads(raw) if raw else None,
        "loaded_token": loaded.access_token.get_secret_value() if loaded else None,
        "deleted": deleted, "after": after, "file": (home / ".credentials.json").exists(),
    }))
    """
)


def _run_under_secret_service(tmp_path: Path, codex_home: Path, mode: str) -> dict[str, Any]:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (the Debian packages dbus and gnome-keyring; .ci/setup)")
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "keyring_probe.py"
    script.write_text(_KEYRING_SCRIPT, encoding="utf-8")
    shell = (
        "echo -n test-password | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && "
        f'"{sys.executable}" "{script}" "{codex_home}" {mode}'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), XDG_RUNTIME_DIR=str(home))
    done = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", shell],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_tokens_go_to_gnome_keyring_with_codex_service_account_and_value(tmp_path: Path, codex_home: Path) -> None:
    report = _run_under_secret_service(tmp_path, codex_home, "keyring")

    assert report["backend"] == "keyring.backends.SecretService.Keyring"
    assert report["where"] == "keyring"
    raw: dict[str, Any] = report["raw"]
    assert isinstance(raw, dict)
    assert list(raw) == ["server_name", "url", "client_id", "token_response", "expires_at"]
    assert raw["token_response"]["access_token"] == "access-1"
    assert raw["token_response"]["refresh_token"] == "refresh-1"
    assert raw["token_response"]["scope"] == "read"
    assert report["loaded_token"] == "access-1"
    assert (report["deleted"], report["after"], report["file"]) == (True, None, False)
    assert KEYRING_SERVICE == "Codex MCP Credentials"
    assert report["secret_where"] == "keyring"
    assert report["secret_raw"] == {
        "server_name": "docs",
        "server_url": "https://mcp.example.com/mcp",
        "client_id": "client-1",
        "client_secret": "s3cret",
    }
    assert (report["secret"], report["secret_deleted"], report["secrets_file"]) == ("s3cret", True, False)


@pytest.mark.slow
def test_auto_mode_prefers_the_keyring_when_one_is_running(tmp_path: Path, codex_home: Path) -> None:
    report = _run_under_secret_service(tmp_path, codex_home, "auto")

    assert report["where"] == "keyring"
    assert report["file"] is False
