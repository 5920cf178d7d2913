from __future__ import annotations

import pytest

from mcp_client import (
    McpConfigError,
    McpServerConfig,
    McpServerOAuthConfig,
    McpStdioTransport,
    McpStreamableHttpTransport,
    parse_mcp_servers,
    parse_server_config,
    validate_server_name,
)


def test_a_table_with_command_is_a_stdio_server_with_codex_defaults() -> None:
    config = parse_server_config("fs", {"command": "npx", "args": ["-y", "server"], "env": {"A": "1"}})

    assert config.transport == McpStdioTransport(command="npx", args=["-y", "server"], env={"A": "1"})
    assert (config.enabled, config.required, config.supports_parallel_tool_calls) == (True, False, False)
    assert config.startup_timeout_sec is None and config.effective_startup_timeout_sec == 30.0
    assert config.tool_timeout_sec is None and config.effective_tool_timeout_sec == 120.0


def test_a_table_with_url_is_a_streamable_http_server() -> None:
    config = parse_server_config(
        "docs",
        {
            "url": "https://mcp.example.com/mcp",
            "bearer_token_env_var": "TOKEN",
            "http_headers": {"X-A": "b"},
            "env_http_headers": {"X-Key": "KEY_VAR"},
            "scopes": ["read"],
            "oauth_resource": "https://mcp.example.com",
        },
    )

    assert config.transport == McpStreamableHttpTransport(
        url="https://mcp.example.com/mcp",
        bearer_token_env_var="TOKEN",
        http_headers={"X-A": "b"},
        env_http_headers={"X-Key": "KEY_VAR"},
    )
    assert config.scopes == ["read"]
    assert config.oauth_resource == "https://mcp.example.com"


@pytest.mark.parametrize("field", ["url", "bearer_token_env_var", "http_headers", "env_http_headers", "oauth_resource"])
def test_http_fields_on_a_stdio_server_are_rejected_with_codex_message(field: str) -> None:
    value: object = {"k": "v"} if field.endswith("headers") else "x"
    with pytest.raises(McpConfigError) as caught:
        parse_server_config("t3", {"command": "srv", field: value})

    assert caught.value.message == f"{field} is not supported for stdio in `mcp_servers.t3`"
    assert caught.value.server == "t3"


@pytest.mark.parametrize("field", ["args", "env", "env_vars", "cwd"])
def test_stdio_fields_on_an_http_server_are_rejected(field: str) -> None:
    value: object = {"k": "v"} if field == "env" else (["x"] if field in ("args", "env_vars") else "x")
    with pytest.raises(McpConfigError) as caught:
        parse_server_config("web", {"url": "http://127.0.0.1:1/mcp", field: value})

    assert caught.value.message == f"{field} is not supported for streamable_http in `mcp_servers.web`"


def test_an_inline_bearer_token_is_rejected_for_both_transports() -> None:
    with pytest.raises(McpConfigError, match="bearer_token is not supported for streamable_http"):
        parse_server_config("web", {"url": "http://h/mcp", "bearer_token": "secret"})
    with pytest.raises(McpConfigError, match="bearer_token is not supported for stdio"):
        parse_server_config("cmd", {"command": "x", "bearer_token": "secret"})


def test_a_table_without_command_or_url_is_an_invalid_transport() -> None:
    with pytest.raises(McpConfigError, match=r"^invalid transport.*in `mcp_servers.nothing`$"):
        parse_server_config("nothing", {"enabled": True})


def test_startup_timeout_ms_is_an_alias_and_seconds_win() -> None:
    assert parse_server_config("a", {"command": "x", "startup_timeout_ms": 2500}).startup_timeout_sec == 2.5
    both = parse_server_config("a", {"command": "x", "startup_timeout_ms": 2500, "startup_timeout_sec": 7})
    assert both.startup_timeout_sec == 7.0


def test_wrong_types_name_the_field_and_the_server() -> None:
    with pytest.raises(McpConfigError) as caught:
        parse_server_config("a", {"command": "x", "tool_timeout_sec": "soon"})

    assert caught.value.field == "tool_timeout_sec"
    assert caught.value.message.startswith("tool_timeout_sec: ")
    assert caught.value.message.endswith("in `mcp_servers.a`")


def test_server_names_follow_codex_rules() -> None:
    for good in ("docs", "my-server_2", "org/tool", "a.b", "x@y", "ns:name"):
        validate_server_name(good)
    with pytest.raises(McpConfigError) as caught:
        validate_server_name("bad name")
    assert caught.value.message == "invalid server name 'bad name' (use letters, numbers, '-', '_', ':', '@', '/', '.')"


def test_enabled_tools_apply_first_then_disabled_tools() -> None:
    config = parse_server_config("a", {"command": "x", "enabled_tools": ["a", "b"], "disabled_tools": ["b", "c"]})

    assert [t for t in ("a", "b", "c", "d") if config.is_tool_enabled(t)] == ["a"]
    assert parse_server_config("a", {"command": "x", "disabled_tools": ["c"]}).is_tool_enabled("d")


def test_approval_mode_is_per_tool_then_server_default_then_auto() -> None:
    config = parse_server_config(
        "a", {"command": "x", "default_tools_approval_mode": "prompt", "tools": {"echo": {"approval_mode": "approve"}}}
    )

    assert config.approval_mode_for("echo") == "approve"
    assert config.approval_mode_for("other") == "prompt"
    assert parse_server_config("a", {"command": "x"}).approval_mode_for("echo") == "auto"


def test_env_vars_accept_names_and_tables_and_unknown_keys_are_ignored() -> None:
    config = parse_server_config(
        "a",
        {
            "command": "x",
            "env_vars": ["HOME_DIR", {"name": "TOKEN", "source": "local"}],
            "experimental_environment": "x",
            "name": "legacy",
        },
    )

    assert isinstance(config.transport, McpStdioTransport)
    assert [(v.name, v.source) for v in config.transport.env_vars] == [("HOME_DIR", "local"), ("TOKEN", "local")]


def test_the_whole_table_is_parsed_and_can_be_embedded_as_a_pydantic_field() -> None:
    servers = parse_mcp_servers({"a": {"command": "x"}, "b": {"url": "http://h/mcp", "enabled": False}})

    assert list(servers) == ["a", "b"]
    assert servers["b"].enabled is False
    assert McpServerConfig.model_validate({"command": "x"}) == servers["a"]
    with pytest.raises(McpConfigError, match="must be a table"):
        parse_mcp_servers({"a": "nope"})


def test_the_oauth_table_names_a_registered_client_or_a_client_metadata_document() -> None:
    config = parse_server_config(
        "docs",
        {
            "url": "https://mcp.example.com/mcp",
            "oauth": {"client_id": "pycodex-cli", "client_metadata_url": "https://example.com/pycodex.json"},
        },
    )

    assert config.oauth == McpServerOAuthConfig(
        client_id="pycodex-cli", client_metadata_url="https://example.com/pycodex.json"
    )


@pytest.mark.parametrize("url", ["http://example.com/pycodex.json", "https://example.com/", "https://example.com"])
def test_a_client_metadata_url_must_be_https_with_a_path(url: str) -> None:
    with pytest.raises(McpConfigError) as caught:
        parse_server_config("docs", {"url": "https://mcp.example.com/mcp", "oauth": {"client_metadata_url": url}})

    assert caught.value.message == (
        "oauth.client_metadata_url: must be an https:// URL with a path (the client ID metadata document) "
        "in `mcp_servers.docs`"
    )
    assert caught.value.field == "oauth.client_metadata_url"


def test_an_oauth_table_on_a_stdio_server_is_rejected_as_codex_does() -> None:
    with pytest.raises(McpConfigError) as caught:
        parse_server_config("t3", {"command": "srv", "oauth": {"client_id": "x"}})

    assert caught.value.message == "oauth is not supported for stdio in `mcp_servers.t3`"
