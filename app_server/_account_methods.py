"""account/read, account/login/start (API key) and account/logout: the login `pycodex login` keeps, through the
engine's credential store (file, keyring, auto or ephemeral as `cli_auth_credentials_store` says)."""

from __future__ import annotations

import os
from typing import Any

import anyio

import agent

from ._connection import Connection, Reply
from ._misc_methods import base_config
from ._wire import Params
from .errors import InvalidParamsError

_CHATGPT = (
    "signing in with ChatGPT (or with Amazon Bedrock) is not supported by pycodex: it needs the provider's own "
    'sign-in servers; log in with `{"type": "apiKey", "apiKey": ...}` instead'
)


def _store(config: agent.Config) -> agent.AuthStore:
    return agent.AuthStore(config.codex_home, config.toml.cli_auth_credentials_store)


def _stored_api_key(config: agent.Config) -> bool:
    """Whether the credential store holds an API key login that `forced_login_method` lets pycodex use (an
    unreadable store counts as none)."""
    try:
        auth = _store(config).load()
    except agent.AuthStoreError:
        return False
    forced = config.toml.forced_login_method
    if auth is None or not auth.api_key or forced == "chatgpt":
        return False
    return forced != "api" or auth.auth_mode == "apikey"


async def account_read(conn: Connection, params: Params) -> dict[str, Any]:
    config = await base_config(conn)
    needs_key = config.provider.id == "openai"
    in_env = bool(os.environ.get("OPENAI_API_KEY", "").strip() or os.environ.get("CODEX_API_KEY", "").strip())
    has_key = in_env or await anyio.to_thread.run_sync(_stored_api_key, config)
    account = {"type": "apiKey"} if has_key else None
    return {"account": account, "requiresOpenaiAuth": needs_key and not has_key}


async def login_start(conn: Connection, params: Params) -> Reply:
    kind = params.str("type")
    if kind != "apiKey":
        raise InvalidParamsError(
            f"Invalid params for account/login/start: {_CHATGPT} (got type `{kind}`)", field="type"
        )
    key = params.str("apiKey").strip()
    if not key:
        raise InvalidParamsError("Invalid params for account/login/start: `apiKey` is empty", field="apiKey")
    config = await base_config(conn)
    if config.toml.forced_login_method == "chatgpt":
        raise InvalidParamsError(
            'Invalid params for account/login/start: API key login is disabled (forced_login_method = "chatgpt")',
            field="type",
        )
    store = _store(config)
    try:
        await anyio.to_thread.run_sync(store.save_api_key, key)
    except agent.AuthStoreError as exc:
        raise InvalidParamsError(f"cannot save the API key: {exc}") from None

    async def after() -> None:
        await conn.notify("account/login/completed", {"loginId": None, "success": True, "error": None})
        await conn.notify("account/updated", {"authMode": "apikey", "planType": None})

    return Reply({"type": "apiKey"}, after)


async def logout(conn: Connection, params: Params) -> Reply:
    config = await base_config(conn)
    store = _store(config)
    try:
        await anyio.to_thread.run_sync(store.delete)
    except agent.AuthStoreError as exc:
        raise InvalidParamsError(f"cannot remove the stored login: {exc}") from None

    async def after() -> None:
        await conn.notify("account/updated", {"authMode": None, "planType": None})

    return Reply({}, after)
