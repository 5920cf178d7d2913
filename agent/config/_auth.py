"""The CLI login: an OpenAI API key kept where Codex keeps it, so that a login made by either tool works in both.

Storage follows `cli_auth_credentials_store` (Codex's layout):

* `file` (default): `$CODEX_HOME/auth.json`, pretty JSON `{"auth_mode": "apikey", "OPENAI_API_KEY": "sk-…"}`,
  mode 0600, written atomically (a temporary file renamed over it);
* `keyring`: the OS keyring, service `Codex Auth`, account `cli|<first 16 hex of sha256(canonical CODEX_HOME)>`,
  value the compact JSON; a successful save removes auth.json. No keyring is an error;
* `auto`: the keyring, falling back to the file when the keyring cannot be used;
* `ephemeral`: this process only; nothing is written.

ChatGPT sign-in is not supported (it needs OpenAI's servers): an auth.json written by Codex's ChatGPT login is
recognised and reported, never used. The keyring is reached the way `mcp_client` reaches it for OAuth tokens
(`keyring.get_keyring()`, the fail backend meaning "no keyring"), and the file is written by the same atomic 0600
writer (`mcp_client.write_private_json`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..errors import AgentError, ProviderAuthError
from ._providers import ProviderInfo

CredentialsStore = Literal["file", "keyring", "auto", "ephemeral"]
ForcedLoginMethod = Literal["chatgpt", "api"]
KEYRING_SERVICE = "Codex Auth"
AUTH_FILE_NAME = "auth.json"

_EPHEMERAL: dict[str, dict[str, Any]] = {}


class AuthStoreError(AgentError):
    """The credential store could not be read or written; the message says which and why (never the key)."""


@dataclass(frozen=True, repr=False)
class StoredAuth:
    """What a login left: an API key, or a ChatGPT login (which pycodex recognises but cannot use)."""

    auth_mode: str
    api_key: str | None

    def __repr__(self) -> str:
        return f"StoredAuth(auth_mode={self.auth_mode!r})"


def mask_api_key(key: str) -> str:
    """The key as `login status` shows it: the first 8 and last 5 characters, or `***` for a short key."""
    if len(key) <= 13:
        return "***"
    return f"{key[:8]}***{key[-5:]}"


def keyring_account(codex_home: Path) -> str:
    """Codex's keyring account for this CODEX_HOME: `cli|` and 16 hex digits of the canonical path's sha256."""
    try:
        canonical = str(codex_home.resolve(strict=True))
    except OSError:
        canonical = str(codex_home.absolute())
    return "cli|" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _parse(raw: Any, where: str) -> StoredAuth | None:
    data: Any = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise AuthStoreError(f"{where} is not valid JSON; run `pycodex logout` and log in again") from None
    if not isinstance(data, dict):
        raise AuthStoreError(f"{where} does not hold a login object; run `pycodex logout` and log in again")
    fields: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
    key = fields.get("OPENAI_API_KEY")
    mode = fields.get("auth_mode")
    if not isinstance(mode, str):
        mode = "chatgpt" if fields.get("tokens") else "apikey"
    return StoredAuth(auth_mode=mode, api_key=key if isinstance(key, str) and key else None)


class AuthStore:
    """Loads, saves and deletes the CLI login (blocking I/O: call from a worker thread in async code)."""

    def __init__(self, codex_home: Path, mode: CredentialsStore = "file", *, keyring_backend: Any = None) -> None:
        self.codex_home = codex_home
        self.mode: CredentialsStore = mode
        self._backend = keyring_backend

    @property
    def file_path(self) -> Path:
        return self.codex_home / AUTH_FILE_NAME

    # ---- the pieces ----------------------------------------------------------------------------------------------

    def _keyring(self) -> Any:
        """The keyring backend, or None when there is none (an error in `keyring` mode)."""
        import keyring
        from keyring.backends import fail

        backend = self._backend if self._backend is not None else keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            if self.mode == "keyring":
                raise AuthStoreError(
                    'no OS keyring is available (cli_auth_credentials_store = "keyring"); use "file" or "auto" to '
                    f"keep the login in {self.file_path}"
                )
            return None
        return backend

    def _keyring_call(self, action: str, call: Callable[[Any], Any]) -> tuple[bool, Any]:
        """(True, result) when the keyring answered; (False, None) in `auto` mode when it failed or is missing."""
        import keyring.errors

        try:
            backend = self._keyring()
            if backend is None:
                return False, None
            return True, call(backend)
        except keyring.errors.KeyringError as exc:
            if self.mode == "auto":
                return False, None
            raise AuthStoreError(f"could not {action} the OS keyring: {type(exc).__name__}: {exc}") from None

    def _load_file(self) -> StoredAuth | None:
        try:
            text = self.file_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AuthStoreError(f"could not read {self.file_path}: {exc.strerror}") from None
        return _parse(text, str(self.file_path))

    def _delete_file(self) -> bool:
        try:
            self.file_path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise AuthStoreError(f"could not remove {self.file_path}: {exc.strerror}") from None
        return True

    # ---- public --------------------------------------------------------------------------------------------------

    def load(self) -> StoredAuth | None:
        """The stored login, or None."""
        if self.mode == "ephemeral":
            data = _EPHEMERAL.get(str(self.codex_home))
            return None if data is None else _parse(data, "the in-memory login")
        if self.mode in ("keyring", "auto"):
            answered, raw = self._keyring_call(
                "read from", lambda backend: backend.get_password(KEYRING_SERVICE, keyring_account(self.codex_home))
            )
            if answered and raw:
                return _parse(raw, "the login in the OS keyring")
            if self.mode == "keyring":
                return None
        return self._load_file()

    def save_api_key(self, api_key: str) -> Literal["file", "keyring", "memory"]:
        """Store an API key login; returns where it went."""
        data = {"auth_mode": "apikey", "OPENAI_API_KEY": api_key}
        if self.mode == "ephemeral":
            _EPHEMERAL[str(self.codex_home)] = data
            return "memory"
        if self.mode in ("keyring", "auto"):
            compact = json.dumps(data, separators=(",", ":"))
            answered, _ = self._keyring_call(
                "write to",
                lambda backend: backend.set_password(KEYRING_SERVICE, keyring_account(self.codex_home), compact),
            )
            if answered:
                self._delete_file()
                return "keyring"
        from mcp_client import write_private_json

        try:
            write_private_json(self.file_path, data)
        except OSError as exc:
            raise AuthStoreError(f"could not write {self.file_path}: {exc.strerror}") from None
        return "file"

    def delete(self) -> bool:
        """Forget the login everywhere this mode looks; returns whether there was one."""
        if self.mode == "ephemeral":
            return _EPHEMERAL.pop(str(self.codex_home), None) is not None
        removed = False
        if self.mode in ("keyring", "auto"):

            def forget(backend: Any) -> bool:
                account = keyring_account(self.codex_home)
                if backend.get_password(KEYRING_SERVICE, account) is None:
                    return False
                backend.delete_password(KEYRING_SERVICE, account)
                return True

            answered, result = self._keyring_call("delete from", forget)
            removed = bool(answered and result)
        if self._delete_file():
            removed = True
        return removed


def stored_api_key(codex_home: Path, mode: CredentialsStore, forced: ForcedLoginMethod | None) -> str | None:
    """The API key of the CLI login, for the OpenAI provider when OPENAI_API_KEY is not set.

    Raises `ProviderAuthError` when the store cannot be read, when the login is a ChatGPT one (without a key, or
    with one that `forced_login_method = "api"` refuses), or when `forced_login_method = "chatgpt"` forbids API
    keys.
    """
    try:
        auth = AuthStore(codex_home, mode).load()
    except AuthStoreError as exc:
        raise ProviderAuthError(f"cannot read the stored login: {exc}") from None
    if auth is None:
        return None
    if forced == "chatgpt":
        raise ProviderAuthError(
            'forced_login_method = "chatgpt" allows only a ChatGPT sign-in, which pycodex does not support; '
            "remove the setting to use an API key"
        )
    if auth.auth_mode != "apikey":
        if forced == "api":
            # Codex logs such a login out; pycodex leaves the file alone (it may be Codex's) and refuses it.
            raise ProviderAuthError(
                f'forced_login_method = "api" allows only an API key login, but the stored login is a ChatGPT '
                f'sign-in (auth_mode "{auth.auth_mode}"): run `pycodex login --with-api-key` with an API key, or '
                "set OPENAI_API_KEY"
            )
        if auth.api_key:
            return auth.api_key
        raise ProviderAuthError(
            "the stored login is a ChatGPT sign-in (made by Codex), which pycodex cannot use: run "
            "`pycodex login --with-api-key` with an API key, or set OPENAI_API_KEY"
        )
    return auth.api_key


def with_stored_login(provider: ProviderInfo, codex_home: Path, toml: Any) -> ProviderInfo:
    """`provider` reading the CLI login when its key variable is unset (the OpenAI provider and those that set
    `requires_openai_auth`)."""
    wants = provider.id == "openai" or bool(
        getattr(toml.model_providers.get(provider.id), "requires_openai_auth", False)
    )
    if not wants or provider.experimental_bearer_token or provider.auth_command is not None:
        return provider
    mode: CredentialsStore = toml.cli_auth_credentials_store
    forced: ForcedLoginMethod | None = toml.forced_login_method

    def load() -> str | None:
        return stored_api_key(codex_home, mode, forced)

    return replace(provider, stored_key=load)
