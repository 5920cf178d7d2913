"""`--listen` addresses and WebSocket authentication settings, checked before anything starts."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from .errors import AuthConfigError, ListenError

Scheme = Literal["stdio", "ws", "unix"]


@dataclass(frozen=True)
class ListenAddress:
    scheme: Scheme
    host: str = ""
    port: int = 0
    path: Path | None = None

    @property
    def is_loopback(self) -> bool:
        if self.scheme != "ws":
            return True
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_listen(value: str, *, codex_home: Path) -> ListenAddress:
    """`stdio://`, `ws://IP:PORT` or `unix://[PATH]` (default `$CODEX_HOME/app-server.sock`)."""
    if value in ("stdio", "stdio://"):
        return ListenAddress("stdio")
    if value.startswith("unix://"):
        raw = value.removeprefix("unix://")
        return ListenAddress("unix", path=Path(raw) if raw else codex_home / "app-server.sock")
    parts = urlsplit(value)
    if parts.scheme != "ws":
        raise ListenError(f"--listen {value!r}: expected stdio://, ws://IP:PORT or unix://PATH", address=value)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        raise ListenError(
            f"--listen {value!r}: a WebSocket address is ws://IP:PORT (port 0 picks a free one)", address=value
        )
    return ListenAddress("ws", host=parts.hostname, port=port)


@dataclass(frozen=True)
class WsAuth:
    """A capability token: `Authorization: Bearer <token>` on the WebSocket upgrade, compared in constant time."""

    token_sha256: bytes

    def allows(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        digest = hashlib.sha256(token.strip().encode()).digest()
        return hmac.compare_digest(digest, self.token_sha256)


def ws_auth(mode: str | None, token_file: Path | None, token_sha256: str | None) -> WsAuth | None:
    """The authentication `--ws-auth`, `--ws-token-file` and `--ws-token-sha256` ask for (None: none)."""
    if mode is None:
        if token_file is not None or token_sha256 is not None:
            raise AuthConfigError("--ws-token-file and --ws-token-sha256 need --ws-auth capability-token")
        return None
    if mode != "capability-token":
        raise AuthConfigError(
            f"--ws-auth {mode!r} is not supported by pycodex: use capability-token (signed bearer tokens are not)"
        )
    if (token_file is None) == (token_sha256 is None):
        raise AuthConfigError("--ws-auth capability-token needs exactly one of --ws-token-file or --ws-token-sha256")
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuthConfigError(f"cannot read --ws-token-file {token_file}: {exc.strerror}") from None
        if not token:
            raise AuthConfigError(f"--ws-token-file {token_file} is empty")
        return WsAuth(hashlib.sha256(token.encode()).digest())
    assert token_sha256 is not None
    try:
        digest = bytes.fromhex(token_sha256.strip())
    except ValueError:
        digest = b""
    if len(digest) != 32:
        raise AuthConfigError("--ws-token-sha256 must be 64 hexadecimal digits (the SHA-256 of the token)")
    return WsAuth(digest)


def check_exposure(address: ListenAddress, auth: WsAuth | None) -> None:
    if address.scheme != "ws" and auth is not None:
        raise AuthConfigError("--ws-auth applies to ws:// listeners only")
    if address.scheme == "ws" and not address.is_loopback and auth is None:
        raise ListenError(
            f"refusing to listen on {address.host}, which is not a loopback address, without authentication: add "
            "--ws-auth capability-token --ws-token-file FILE",
            address=address.host,
        )
