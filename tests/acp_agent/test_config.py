"""A session's config from what the client sends: additional directories, its MCP servers, bad values."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from acp import RequestError
from acp.schema import EnvVariable, HttpHeader, HttpMcpServer, McpServerStdio, SseMcpServer

from acp_agent import AcpOptions
from acp_agent._agent import PycodexAgent
from acp_agent._config import directory, server_table, session_config


def test_additional_directories_become_writable_roots_and_client_servers_join_the_configured_ones(
    tmp_path: Path, codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    (codex_home / "config.toml").write_text('[mcp_servers.mine]\ncommand = "my-server"\n', encoding="utf-8")
    extra = tmp_path / "extra"
    extra.mkdir()
    client_server = McpServerStdio(name="theirs", command="their-server", args=["--x"], env=[])
    config = session_config(
        AcpOptions(sandbox="workspace-write"), tmp_path, additional_directories=[extra], mcp_servers=[client_server]
    )
    assert config.cwd == tmp_path
    assert extra in config.sandbox_policy.writable_roots  # type: ignore[union-attr]
    assert set(config.mcp_servers) == {"mine", "theirs"}


def test_client_servers_map_to_config_tables_and_unsupported_transports_are_refused() -> None:
    stdio = McpServerStdio(name="s", command="run", args=["a"], env=[EnvVariable(name="K", value="v")])
    http = HttpMcpServer(type="http", name="h", url="http://127.0.0.1:9/mcp", headers=[HttpHeader(name="X", value="1")])
    assert server_table(stdio, "mcpServers[0]") == ("s", {"command": "run", "args": ["a"], "env": {"K": "v"}})
    assert server_table(http, "mcpServers[1]") == ("h", {"url": "http://127.0.0.1:9/mcp", "http_headers": {"X": "1"}})
    sse = SseMcpServer(type="sse", name="old", url="http://127.0.0.1:9/sse", headers=[])
    with pytest.raises(RequestError) as refused:
        server_table(sse, "mcpServers[2]")
    assert refused.value.code == -32602 and "sse" in str(refused.value)
    with pytest.raises(RequestError) as named:
        server_table(McpServerStdio(name="a.b", command="x", args=[], env=[]), "mcpServers[3]")
    assert "mcpServers[3].name" in str(named.value)


def test_a_directory_must_be_absolute_and_exist(tmp_path: Path) -> None:
    assert directory(str(tmp_path), "cwd") == tmp_path
    for value, words in (("rel/dir", "absolute"), (str(tmp_path / "missing"), "not a directory")):
        with pytest.raises(RequestError) as bad:
            directory(value, "cwd")
        assert bad.value.code == -32602 and words in str(bad.value)


@pytest.mark.anyio
async def test_without_any_model_provider_a_new_session_asks_for_authentication(tmp_path: Path) -> None:
    # conftest removed OPENAI_API_KEY; no local model server listens in the test environment.
    async with anyio.create_task_group() as tg:
        pyagent = PycodexAgent(AcpOptions(), tg, env={})
        with pytest.raises(RequestError) as refused:
            await pyagent.new_session(cwd=str(tmp_path))
        with pytest.raises(RequestError) as unknown_method:
            await pyagent.authenticate(method_id="password")
        with pytest.raises(RequestError) as no_key:
            await pyagent.authenticate(method_id="openai-api-key")
        assert refused.value.code == -32000 and "OPENAI_API_KEY" in str(refused.value)
        assert refused.value.data == {"authMethods": ["openai-api-key", "pycodex-login"]}
        assert unknown_method.value.code == -32602
        assert no_key.value.code == -32000


@pytest.mark.anyio
async def test_the_login_method_accepts_a_key_stored_by_pycodex_login(tmp_path: Path, codex_home: Path) -> None:
    import json

    async with anyio.create_task_group() as tg:
        pyagent = PycodexAgent(AcpOptions(), tg, env={})
        with pytest.raises(RequestError) as missing:
            await pyagent.authenticate(method_id="pycodex-login")
        assert missing.value.code == -32000 and "pycodex login --with-api-key" in str(missing.value)
        auth = {"auth_mode": "apikey", "OPENAI_API_KEY": "sk-stored-key-1234567890"}
        (codex_home / "auth.json").write_text(json.dumps(auth), encoding="utf-8")
        (codex_home / "auth.json").chmod(0o600)
        await pyagent.authenticate(method_id="pycodex-login")
