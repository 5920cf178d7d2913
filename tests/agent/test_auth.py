"""The CLI login store in-process: Codex's layout, each mode, what the OpenAI provider reads from it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

import agent
from agent.config._auth import AuthStore, keyring_account, mask_api_key, stored_api_key

KEY = "sk-test-0123456789abcdef"


class MemoryKeyring(KeyringBackend):
    priority = 1  # pyright: ignore[reportAssignmentType]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.values[(service, username)]


def test_masking_keeps_eight_and_five_characters_of_long_keys_only() -> None:
    assert mask_api_key(KEY) == "sk-test-***bcdef"
    assert mask_api_key("1234567890123") == "***"
    assert mask_api_key("12345678901234") == "12345678***01234"


def test_the_keyring_account_is_cli_and_a_hash_of_the_canonical_home(codex_home: Path) -> None:
    digest = hashlib.sha256(str(codex_home.resolve()).encode()).hexdigest()[:16]
    assert keyring_account(codex_home) == f"cli|{digest}"


def test_auto_mode_uses_the_keyring_and_removes_the_file(codex_home: Path) -> None:
    (codex_home / "auth.json").write_text('{"auth_mode":"apikey","OPENAI_API_KEY":"sk-old-0000000000"}')
    ring = MemoryKeyring()
    store = AuthStore(codex_home, "auto", keyring_backend=ring)
    assert store.save_api_key(KEY) == "keyring"
    assert not (codex_home / "auth.json").exists()
    assert json.loads(ring.values[("Codex Auth", keyring_account(codex_home))]) == {
        "auth_mode": "apikey",
        "OPENAI_API_KEY": KEY,
    }
    loaded = store.load()
    assert loaded is not None and loaded.api_key == KEY and KEY not in repr(loaded)
    assert store.delete() is True and ring.values == {}


def test_auto_mode_falls_back_to_the_file_without_a_keyring(codex_home: Path) -> None:
    store = AuthStore(codex_home, "auto", keyring_backend=fail.Keyring())
    assert store.save_api_key(KEY) == "file"
    assert json.loads((codex_home / "auth.json").read_text()) == {"auth_mode": "apikey", "OPENAI_API_KEY": KEY}
    assert AuthStore(codex_home, "auto", keyring_backend=fail.Keyring()).load() is not None


def test_keyring_mode_without_a_keyring_is_an_error_naming_the_setting(codex_home: Path) -> None:
    with pytest.raises(agent.AuthStoreError, match="cli_auth_credentials_store"):
        AuthStore(codex_home, "keyring", keyring_backend=fail.Keyring()).save_api_key(KEY)
    assert not (codex_home / "auth.json").exists()


def test_a_corrupt_auth_json_is_reported_without_its_contents(codex_home: Path) -> None:
    (codex_home / "auth.json").write_text("{not json " + KEY)
    with pytest.raises(agent.AuthStoreError) as caught:
        AuthStore(codex_home).load()
    assert "not valid JSON" in str(caught.value) and KEY not in str(caught.value)


def test_a_chatgpt_login_by_codex_is_recognised_but_not_used(codex_home: Path) -> None:
    (codex_home / "auth.json").write_text(
        json.dumps({"auth_mode": "chatgpt", "OPENAI_API_KEY": None, "tokens": {"access_token": "eyJ..."}})
    )
    loaded = AuthStore(codex_home).load()
    assert loaded is not None and loaded.auth_mode == "chatgpt"
    with pytest.raises(agent.ProviderAuthError, match="ChatGPT sign-in"):
        stored_api_key(codex_home, "file", None)


def test_forced_chatgpt_login_refuses_a_stored_api_key(codex_home: Path) -> None:
    AuthStore(codex_home).save_api_key(KEY)
    assert stored_api_key(codex_home, "file", "api") == KEY
    with pytest.raises(agent.ProviderAuthError, match="forced_login_method"):
        stored_api_key(codex_home, "file", "chatgpt")


def test_the_openai_provider_reads_the_login_only_when_the_variable_is_unset(codex_home: Path) -> None:
    AuthStore(codex_home).save_api_key(KEY)
    config = agent.load_config(env={"CODEX_HOME": str(codex_home)})
    assert config.provider.api_key({}) == KEY
    assert config.provider.api_key({"OPENAI_API_KEY": "sk-env"}) == "sk-env"
    AuthStore(codex_home).delete()
    with pytest.raises(agent.ProviderAuthError, match="pycodex login --with-api-key"):
        config.provider.api_key({})
