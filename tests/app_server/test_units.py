"""Pieces of the app-server on their own: its door, the listen addresses, the token check, and the method table."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import app_server
from app_server._dispatch import CODEX_METHODS, NOT_YET
from app_server._listen import check_exposure, parse_listen, ws_auth
from app_server._server import HANDLERS
from app_server.errors import AuthConfigError, ListenError


def test_the_package_door_names_what_it_offers() -> None:
    assert app_server.__all__ == [
        "NOT_YET",
        "AppServer",
        "AppServerError",
        "AppServerOptions",
        "AuthConfigError",
        "ListenError",
        "run_app_server",
    ]


def test_every_served_or_announced_method_is_one_of_codexs() -> None:
    assert set(HANDLERS) <= CODEX_METHODS
    assert set(NOT_YET) <= CODEX_METHODS
    assert not set(HANDLERS) & set(NOT_YET)


def test_listen_addresses(tmp_path: Path) -> None:
    assert parse_listen("stdio://", codex_home=tmp_path).scheme == "stdio"
    assert parse_listen("unix://", codex_home=tmp_path).path == tmp_path / "app-server.sock"
    address = parse_listen("ws://[::1]:4500", codex_home=tmp_path)
    assert (address.host, address.port, address.is_loopback) == ("::1", 4500, True)
    assert not parse_listen("ws://192.0.2.7:1", codex_home=tmp_path).is_loopback
    with pytest.raises(ListenError):
        check_exposure(parse_listen("ws://192.0.2.7:1", codex_home=tmp_path), None)


def test_the_capability_token_is_compared_by_its_digest(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret\n", encoding="utf-8")
    auth = ws_auth("capability-token", token, None)
    assert auth is not None
    assert auth.allows("Bearer s3cret") and auth.allows("bearer s3cret")
    assert not auth.allows("Bearer s3cre") and not auth.allows("s3cret") and not auth.allows(None)
    by_digest = ws_auth("capability-token", None, hashlib.sha256(b"s3cret").hexdigest())
    assert by_digest == auth
    with pytest.raises(AuthConfigError, match="64 hexadecimal digits"):
        ws_auth("capability-token", None, "abc")
    with pytest.raises(AuthConfigError, match="need --ws-auth"):
        ws_auth(None, token, None)
