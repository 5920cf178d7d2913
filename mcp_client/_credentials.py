"""Where OAuth tokens for MCP servers are kept: the OS keyring, or a 0600 JSON file under `$CODEX_HOME`.

The layout is Codex's, so that tokens written by either tool can be read by the other:

* keyring: service `Codex MCP Credentials`, account `<server>|<16 hex of sha256(compact JSON of
  {"type":"http","url":<url>,"headers":{}})>`, value the JSON of `{server_name, url, client_id, token_response:
  {access_token, token_type, expires_in?, refresh_token?, scope?}, expires_at}`;
* file: `$CODEX_HOME/.credentials.json`, an object keyed by the same account string whose values are
  `{server_name, server_url, client_id, access_token, expires_at, refresh_token, scopes}` (written atomically,
  mode 0600; removed when it becomes empty).

Besides Codex's fields an entry may carry `issuer`, `client_secret`, `token_endpoint_auth_method` and
`redirect_uri` (what the client was registered with), which Codex ignores.

The secret of a client registered beforehand (`mcp add --oauth-client-secret`) is kept apart from the tokens, so
that it survives a logout: keyring service `pycodex MCP OAuth Client Secrets` under the same account, or the 0600
file `$CODEX_HOME/.pycodex-mcp-client-secrets.json` keyed the same way.

`expires_at` is in milliseconds since the epoch. Mode `auto` uses the keyring and falls back to the file when no
keyring is usable; `keyring` never falls back; `file` never touches the keyring. Secrets are `SecretStr`: they do
not show in reprs, logs or error messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Literal, cast

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import fail
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ._config import CredentialsStoreMode
from .errors import McpCredentialStoreError

KEYRING_SERVICE = "Codex MCP Credentials"
CLIENT_SECRETS_KEYRING_SERVICE = "pycodex MCP OAuth Client Secrets"
CREDENTIALS_FILE_NAME = ".credentials.json"
CLIENT_SECRETS_FILE_NAME = ".pycodex-mcp-client-secrets.json"


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to `path`, mode 0600, atomically: a temporary file beside it, synced, then renamed over it. The
    directory is created (0700) if needed. The one writer of files that may hold secrets. Raises `OSError`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_private_json(path: Path, data: Any) -> None:
    """Write `data` as pretty JSON (2 spaces) with `write_private_text`. Raises `OSError`."""
    write_private_text(path, json.dumps(data, indent=2))


def credentials_key(server_name: str, url: str) -> str:
    """The keyring account (and file key) for a server: `<name>|<first 16 hex of sha256(...)>`."""
    identity = json.dumps({"type": "http", "url": url, "headers": {}}, separators=(",", ":"), ensure_ascii=False)
    return f"{server_name}|{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


class StoredOAuthCredentials(BaseModel):
    """The OAuth state kept for one server. Secrets are masked in `repr` and `str`."""

    model_config = ConfigDict(frozen=True)

    server_name: str
    server_url: str
    client_id: str
    access_token: SecretStr
    token_type: str = "Bearer"
    expires_at: int | None = None
    """Milliseconds since the epoch, or `None` when the server gave no lifetime."""
    refresh_token: SecretStr | None = None
    scopes: list[str] = Field(default_factory=lambda: [])
    issuer: str | None = None
    client_secret: SecretStr | None = None
    token_endpoint_auth_method: str | None = None
    redirect_uri: str | None = None
    """The redirect URI the client was registered with (a new login in a session listens there again)."""

    def expires_in(self, now: float | None = None) -> int | None:
        """Seconds left before expiry (never negative), or `None` when unknown."""
        if self.expires_at is None:
            return None
        current = time.time() if now is None else now
        return max(0, int(self.expires_at / 1000 - current))

    def _keyring_value(self) -> dict[str, Any]:
        token: dict[str, Any] = {"access_token": self.access_token.get_secret_value(), "token_type": self.token_type}
        expires_in = self.expires_in()
        if expires_in is not None:
            token["expires_in"] = expires_in
        if self.refresh_token is not None:
            token["refresh_token"] = self.refresh_token.get_secret_value()
        if self.scopes:
            token["scope"] = " ".join(self.scopes)
        value: dict[str, Any] = {
            "server_name": self.server_name,
            "url": self.server_url,
            "client_id": self.client_id,
            "token_response": token,
            "expires_at": self.expires_at,
        }
        value.update(self._extras())
        return value

    def _file_value(self) -> dict[str, Any]:
        value: dict[str, Any] = {
            "server_name": self.server_name,
            "server_url": self.server_url,
            "client_id": self.client_id,
            "access_token": self.access_token.get_secret_value(),
            "expires_at": self.expires_at,
            "refresh_token": None if self.refresh_token is None else self.refresh_token.get_secret_value(),
            "scopes": list(self.scopes),
        }
        value.update(self._extras())
        return value

    def _extras(self) -> dict[str, Any]:
        extras: dict[str, Any] = {}
        if self.issuer is not None:
            extras["issuer"] = self.issuer
        if self.client_secret is not None:
            extras["client_secret"] = self.client_secret.get_secret_value()
        if self.token_endpoint_auth_method is not None:
            extras["token_endpoint_auth_method"] = self.token_endpoint_auth_method
        if self.redirect_uri is not None:
            extras["redirect_uri"] = self.redirect_uri
        return extras

    @classmethod
    def _from_keyring_value(cls, value: dict[str, Any]) -> StoredOAuthCredentials:
        token: dict[str, Any] = value.get("token_response") or {}
        scope = token.get("scope")
        return cls(
            server_name=value["server_name"],
            server_url=value["url"],
            client_id=value["client_id"],
            access_token=SecretStr(token["access_token"]),
            token_type=token.get("token_type") or "Bearer",
            expires_at=value.get("expires_at"),
            refresh_token=SecretStr(token["refresh_token"]) if token.get("refresh_token") else None,
            scopes=scope.split() if isinstance(scope, str) else [],
            issuer=value.get("issuer"),
            client_secret=SecretStr(value["client_secret"]) if value.get("client_secret") else None,
            token_endpoint_auth_method=value.get("token_endpoint_auth_method"),
            redirect_uri=value.get("redirect_uri"),
        )

    @classmethod
    def _from_file_value(cls, value: dict[str, Any]) -> StoredOAuthCredentials:
        return cls(
            server_name=value["server_name"],
            server_url=value["server_url"],
            client_id=value["client_id"],
            access_token=SecretStr(value["access_token"]),
            expires_at=value.get("expires_at"),
            refresh_token=SecretStr(value["refresh_token"]) if value.get("refresh_token") else None,
            scopes=list(value.get("scopes") or []),
            issuer=value.get("issuer"),
            client_secret=SecretStr(value["client_secret"]) if value.get("client_secret") else None,
            token_endpoint_auth_method=value.get("token_endpoint_auth_method"),
            redirect_uri=value.get("redirect_uri"),
        )


StoredIn = Literal["keyring", "file"]


class McpCredentialStore:
    """Reads and writes `StoredOAuthCredentials` (blocking I/O: call from a worker thread in async code)."""

    def __init__(
        self,
        codex_home: Path,
        mode: CredentialsStoreMode = "auto",
        *,
        keyring_backend: KeyringBackend | None = None,
    ) -> None:
        self._file = codex_home / CREDENTIALS_FILE_NAME
        self._mode: CredentialsStoreMode = mode
        self._backend = keyring_backend

    @property
    def file_path(self) -> Path:
        """The fallback file, `$CODEX_HOME/.credentials.json`."""
        return self._file

    def __repr__(self) -> str:
        return f"McpCredentialStore(mode={self._mode!r}, file={str(self._file)!r})"

    # keyring

    def _keyring(self) -> KeyringBackend | None:
        if self._mode == "file":
            return None
        backend = self._backend if self._backend is not None else keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            if self._mode == "keyring":
                raise McpCredentialStoreError(
                    'no OS keyring is available (mcp_oauth_credentials_store = "keyring"); '
                    'use "auto" or "file" to keep tokens in $CODEX_HOME/.credentials.json instead'
                )
            return None
        return backend

    def _keyring_failed(self, action: str, exc: keyring.errors.KeyringError) -> None:
        if self._mode == "keyring":
            raise McpCredentialStoreError(f"could not {action} the OS keyring: {type(exc).__name__}: {exc}") from None

    # files

    def _read_file(self, path: Path | None = None) -> dict[str, Any]:
        path = path or self._file
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise McpCredentialStoreError(f"could not read {path}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise McpCredentialStoreError(f"{path} is not valid JSON; remove it and log in again") from None
        return data if isinstance(data, dict) else {}  # pyright: ignore[reportUnknownVariableType]

    def _write_file(self, data: dict[str, Any], path: Path | None = None) -> None:
        path = path or self._file
        try:
            if not data:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                return
            write_private_json(path, data)
        except OSError as exc:
            raise McpCredentialStoreError(f"could not write {path}: {exc.strerror}") from None

    # public

    def load(self, server_name: str, url: str) -> StoredOAuthCredentials | None:
        """The stored credentials for this server and URL, or `None`."""
        key = credentials_key(server_name, url)
        backend = self._keyring()
        if backend is not None:
            try:
                raw = backend.get_password(KEYRING_SERVICE, key)
            except keyring.errors.KeyringError as exc:
                self._keyring_failed("read from", exc)
            else:
                if raw:
                    return self._parse(raw, StoredOAuthCredentials._from_keyring_value)  # pyright: ignore[reportPrivateUsage]
        if self._mode == "keyring":
            return None
        entry = self._read_file().get(key)
        if not isinstance(entry, dict):
            return None
        return self._parse(entry, StoredOAuthCredentials._from_file_value)  # pyright: ignore[reportPrivateUsage]

    def _parse(self, raw: Any, build: Any) -> StoredOAuthCredentials | None:
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
            return build(value)
        except (json.JSONDecodeError, KeyError, TypeError, ValidationError):
            return None

    def save(self, credentials: StoredOAuthCredentials) -> StoredIn:
        """Store `credentials`; returns where they went."""
        key = credentials_key(credentials.server_name, credentials.server_url)
        backend = self._keyring()
        if backend is not None:
            try:
                backend.set_password(KEYRING_SERVICE, key, json.dumps(credentials._keyring_value()))  # pyright: ignore[reportPrivateUsage]
            except keyring.errors.KeyringError as exc:
                self._keyring_failed("write to", exc)
            else:
                self._remove_file_entry(key)
                return "keyring"
        data = self._read_file()
        data[key] = credentials._file_value()  # pyright: ignore[reportPrivateUsage]
        self._write_file(data)
        return "file"

    def _remove_file_entry(self, key: str, path: Path | None = None) -> bool:
        data = self._read_file(path)
        if key not in data:
            return False
        del data[key]
        self._write_file(data, path)
        return True

    def delete(self, server_name: str, url: str) -> bool:
        """Forget this server's credentials everywhere; returns whether anything was removed."""
        return self._delete_everywhere(KEYRING_SERVICE, credentials_key(server_name, url), None)

    def _delete_everywhere(self, service: str, key: str, path: Path | None) -> bool:
        """Remove `key` from the keyring's `service` and from the file at `path` (None: the credentials file)."""
        removed = False
        backend = self._keyring()
        if backend is not None:
            try:
                if backend.get_password(service, key) is not None:
                    backend.delete_password(service, key)
                    removed = True
            except keyring.errors.KeyringError as exc:
                self._keyring_failed("delete from", exc)
        if self._mode != "keyring" and self._remove_file_entry(key, path):
            removed = True
        return removed

    # the secret of a client registered beforehand

    @property
    def client_secrets_path(self) -> Path:
        """The fallback file for client secrets, `$CODEX_HOME/.pycodex-mcp-client-secrets.json`."""
        return self._file.with_name(CLIENT_SECRETS_FILE_NAME)

    def save_client_secret(self, server_name: str, url: str, client_id: str, secret: SecretStr) -> StoredIn:
        """Keep the secret of the pre-registered client `client_id` of this server; returns where it went."""
        key = credentials_key(server_name, url)
        value = {
            "server_name": server_name,
            "server_url": url,
            "client_id": client_id,
            "client_secret": secret.get_secret_value(),
        }
        backend = self._keyring()
        if backend is not None:
            try:
                backend.set_password(CLIENT_SECRETS_KEYRING_SERVICE, key, json.dumps(value))
            except keyring.errors.KeyringError as exc:
                self._keyring_failed("write to", exc)
            else:
                self._remove_file_entry(key, self.client_secrets_path)
                return "keyring"
        data = self._read_file(self.client_secrets_path)
        data[key] = value
        self._write_file(data, self.client_secrets_path)
        return "file"

    def load_client_secret(self, server_name: str, url: str, client_id: str) -> SecretStr | None:
        """The stored secret of the pre-registered client `client_id` of this server, or `None`."""
        key = credentials_key(server_name, url)
        raw: Any = None
        backend = self._keyring()
        if backend is not None:
            try:
                text = backend.get_password(CLIENT_SECRETS_KEYRING_SERVICE, key)
            except keyring.errors.KeyringError as exc:
                self._keyring_failed("read from", exc)
            else:
                with contextlib.suppress(json.JSONDecodeError):
                    raw = json.loads(text) if text else None
        if raw is None and self._mode != "keyring":
            raw = self._read_file(self.client_secrets_path).get(key)
        if not isinstance(raw, dict):
            return None
        entry = cast("dict[str, Any]", raw)
        secret = entry.get("client_secret")
        if entry.get("client_id") != client_id or not isinstance(secret, str) or not secret:
            return None
        return SecretStr(secret)

    def delete_client_secret(self, server_name: str, url: str) -> bool:
        """Forget this server's client secret everywhere; returns whether one was stored."""
        return self._delete_everywhere(
            CLIENT_SECRETS_KEYRING_SERVICE, credentials_key(server_name, url), self.client_secrets_path
        )
