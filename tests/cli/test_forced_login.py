"""`forced_login_method`: `"chatgpt"` refuses every API key login (exec sends no request; login and the
app-server's account/login/start refuse to save one); `"api"` refuses a ChatGPT sign-in left in auth.json by Codex,
even one that carries a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.cli.test_login import pycodex
from tests.support.model_server import ScriptedModelServer, message

KEY = "sk-test-0123456789abcdef"
CHATGPT_LOGIN = {
    "auth_mode": "chatgpt",
    "OPENAI_API_KEY": "sk-test-from-chatgpt-0123456789",
    "tokens": {"id_token": "x", "access_token": "y", "refresh_token": "z", "account_id": "a"},
    "last_refresh": "2026-01-01T00:00:00Z",
}


def _exec(codex_home: Path, tmp_path: Path, forced: str) -> tuple[int, str, int]:
    with ScriptedModelServer([{"items": [message("hello")]}]) as server:
        done = pycodex(
            codex_home,
            "exec",
            "--skip-git-repo-check",
            "-c",
            "model_provider=openai",
            "-c",
            f'openai_base_url="{server.base_url}"',
            "-c",
            f'forced_login_method="{forced}"',
            "hi",
            cwd=tmp_path,
        )
        sent = len(server.requests)
    return done.returncode, done.stdout + done.stderr, sent


def test_forced_chatgpt_login_makes_exec_refuse_a_stored_api_key(codex_home: Path, tmp_path: Path) -> None:
    (codex_home / "auth.json").write_text(json.dumps({"auth_mode": "apikey", "OPENAI_API_KEY": KEY}))
    code, output, sent = _exec(codex_home, tmp_path, "chatgpt")
    assert (code, sent) == (1, 0)  # exec's exit code for a failed turn; nothing reached the model
    assert 'forced_login_method = "chatgpt" allows only a ChatGPT sign-in' in output
    assert KEY not in output


def test_forced_api_login_makes_exec_refuse_a_chatgpt_sign_in(codex_home: Path, tmp_path: Path) -> None:
    (codex_home / "auth.json").write_text(json.dumps(CHATGPT_LOGIN))
    code, output, sent = _exec(codex_home, tmp_path, "api")
    assert (code, sent) == (1, 0)
    assert 'forced_login_method = "api" allows only an API key login' in output
    assert 'auth_mode "chatgpt"' in output
    assert (codex_home / "auth.json").exists()  # refused, not deleted: the file may be Codex's


def test_forced_api_login_uses_an_api_key_login(codex_home: Path, tmp_path: Path) -> None:
    (codex_home / "auth.json").write_text(json.dumps({"auth_mode": "apikey", "OPENAI_API_KEY": KEY}))
    code, output, sent = _exec(codex_home, tmp_path, "api")
    assert (code, sent) == (0, 1), output


@pytest.mark.anyio
async def test_app_server_refuses_an_api_key_login_when_chatgpt_is_forced(
    tmp_path: Path, codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CODEX_API_KEY", raising=False)
    (codex_home / "config.toml").write_text('forced_login_method = "chatgpt"\n')
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=tmp_path, codex_home=codex_home, schema=None) as (client, _):
            await client.initialize()
            refused = await client.request("account/login/start", {"type": "apiKey", "apiKey": KEY})
    assert refused["error"]["code"] == -32602
    assert refused["error"]["message"] == (
        'Invalid params for account/login/start: API key login is disabled (forced_login_method = "chatgpt")'
    )
    assert not (codex_home / "auth.json").exists()
    assert client.notifications("account/login/completed") == []
