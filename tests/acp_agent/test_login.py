"""The `pycodex-login` auth method end to end: a key stored by `pycodex login` (auth.json) and no OPENAI_API_KEY."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from acp import RequestError, text_block

from tests.acp_agent.harness import RecordingClient, spawn
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio

STORED = "sk-stored-login-key-1234567890"


def _openai(base_url: str) -> list[str]:
    # The built-in OpenAI provider (its key: OPENAI_API_KEY, else the stored login), pointed at the scripted server.
    return ["-c", f'openai_base_url="{base_url}"']


async def test_a_key_stored_by_pycodex_login_runs_sessions_without_the_environment_variable(
    tmp_path: Path, codex_home: Path
) -> None:
    assert "OPENAI_API_KEY" not in os.environ  # conftest removed it
    (codex_home / "auth.json").write_text(json.dumps({"auth_mode": "apikey", "OPENAI_API_KEY": STORED}))
    (codex_home / "auth.json").chmod(0o600)
    client = RecordingClient()
    with ScriptedModelServer([{"items": [message("Logged in.")]}]) as server:
        async with spawn(
            client, server.base_url, codex_home=codex_home, stderr=tmp_path / "err", provider=_openai(server.base_url)
        ) as conn:
            await conn.initialize(protocol_version=1)
            await conn.authenticate(method_id="pycodex-login")
            session = await conn.new_session(cwd=str(tmp_path), mcp_servers=[])
            answer = await conn.prompt(session_id=session.session_id, prompt=[text_block("hi")])
        requests = server.requests
    assert answer.stop_reason == "end_turn"
    assert client.text() == "Logged in."
    assert [r.headers["authorization"] for r in requests] == [f"Bearer {STORED}"]
    assert STORED not in (tmp_path / "err").read_text()


async def test_without_a_stored_login_or_key_a_new_session_asks_for_authentication(
    tmp_path: Path, codex_home: Path
) -> None:
    with ScriptedModelServer([]) as server:
        async with spawn(
            RecordingClient(),
            server.base_url,
            codex_home=codex_home,
            stderr=tmp_path / "err",
            provider=[*_openai(server.base_url), "-c", "model_provider=openai"],
        ) as conn:
            await conn.initialize(protocol_version=1)
            with pytest.raises(RequestError) as refused:
                await conn.new_session(cwd=str(tmp_path), mcp_servers=[])
        requests = server.requests
    assert refused.value.code == -32000
    assert "pycodex login --with-api-key" in str(refused.value) and "OPENAI_API_KEY" in str(refused.value)
    assert requests == []


async def test_the_login_method_reads_the_store_the_agents_own_config_values_name(
    tmp_path: Path, codex_home: Path
) -> None:
    import anyio

    from acp_agent import AcpOptions
    from acp_agent._agent import PycodexAgent

    (codex_home / "auth.json").write_text(json.dumps({"auth_mode": "apikey", "OPENAI_API_KEY": STORED}))
    (codex_home / "auth.json").chmod(0o600)
    async with anyio.create_task_group() as tg:
        # `-c cli_auth_credentials_store="ephemeral"` on the agent's command line: auth.json is not the store.
        options = AcpOptions(config_overrides=('cli_auth_credentials_store="ephemeral"',))
        with pytest.raises(RequestError) as missing:
            await PycodexAgent(options, tg, env={}).authenticate(method_id="pycodex-login")
        assert missing.value.code == -32000
        await PycodexAgent(AcpOptions(), tg, env={}).authenticate(method_id="pycodex-login")
