"""`pycodex mcp ...`: config.toml edits, Codex's texts and JSON shapes and exit codes, and the commands that start
a server (tools, call, login) against real servers."""

from __future__ import annotations

import json
import os
import pty
import socket
import stat
import sys
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl
from typer.testing import CliRunner

from cli._app import app
from tests.mcp_client.conftest import TOOLBOX, bound_socket, serve_asgi
from tests.mcp_client.servers.oauth_server import AutoApproveProvider, build_protected_server

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["mcp", *args])
    return result.exit_code, result.stdout, result.stderr


def test_add_writes_a_stdio_server_as_codex_does_with_mode_0600(codex_home: Path) -> None:
    code, out, _ = run("add", "everything", "--env", "FOO=bar", "--env", "BAZ=qux", "--", "node", "index.js", "stdio")

    assert (code, out) == (0, "Added global MCP server 'everything'.\n")
    path = codex_home / "config.toml"
    assert path.read_text(encoding="utf-8") == (
        "[mcp_servers.everything]\n"
        'command = "node"\n'
        'args = ["index.js", "stdio"]\n'
        "\n"
        "[mcp_servers.everything.env]\n"
        'BAZ = "qux"\n'
        'FOO = "bar"\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_add_keeps_comments_and_other_settings_and_replaces_a_same_named_server(codex_home: Path) -> None:
    path = codex_home / "config.toml"
    path.write_text(
        '# my settings\nmodel = "gpt-5.5"  # the best one\n\n[mcp_servers.docs]\nurl = "http://old/mcp"\n',
        encoding="utf-8",
    )

    assert run("add", "docs", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "MY_TOKEN")[0] == 0
    assert run("add", "fs", "--", "npx", "server-filesystem", ".")[0] == 0

    text = path.read_text(encoding="utf-8")
    assert text.startswith('# my settings\nmodel = "gpt-5.5"  # the best one\n')
    assert "http://old/mcp" not in text
    assert '[mcp_servers.docs]\nurl = "http://127.0.0.1:9/mcp"\nbearer_token_env_var = "MY_TOKEN"\n' in text
    assert '[mcp_servers.fs]\ncommand = "npx"\nargs = ["server-filesystem", "."]\n' in text


def test_list_json_has_codex_shape_for_both_transports(codex_home: Path) -> None:
    run("add", "everything", "--env", "FOO=bar", "--", "node", "index.js", "stdio")
    run("add", "remote", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "MY_TOKEN")

    code, out, _ = run("list", "--json")

    assert code == 0
    assert json.loads(out) == [
        {
            "name": "everything",
            "enabled": True,
            "disabled_reason": None,
            "transport": {
                "type": "stdio",
                "command": "node",
                "args": ["index.js", "stdio"],
                "env": {"FOO": "bar"},
                "env_vars": [],
                "cwd": None,
            },
            "startup_timeout_sec": None,
            "tool_timeout_sec": None,
            "auth_status": "unsupported",
        },
        {
            "name": "remote",
            "enabled": True,
            "disabled_reason": None,
            "transport": {
                "type": "streamable_http",
                "url": "http://127.0.0.1:9/mcp",
                "bearer_token_env_var": "MY_TOKEN",
                "http_headers": None,
                "env_http_headers": None,
                "http_headers_helper": None,
            },
            "startup_timeout_sec": None,
            "tool_timeout_sec": None,
            "auth_status": "bearer_token",
        },
    ]


def test_list_text_masks_env_values_and_shows_auth(codex_home: Path) -> None:
    run("add", "everything", "--env", "FOO=secret-value", "--", "node", "index.js")
    run("add", "remote", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "MY_TOKEN")

    code, out, _ = run("list")

    assert code == 0
    assert "secret-value" not in out
    lines = out.splitlines()
    assert lines[0].split() == ["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"]
    assert lines[1].split() == ["everything", "node", "index.js", "FOO=*****", "-", "enabled", "Unsupported"]
    assert lines[3].split() == ["Name", "Url", "Bearer", "Token", "Env", "Var", "Status", "Auth"]
    assert lines[4].split() == ["remote", "http://127.0.0.1:9/mcp", "MY_TOKEN", "enabled", "Bearer", "token"]


def test_get_json_adds_tool_filters_and_drops_auth_status(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(
        '[mcp_servers.fs]\ncommand = "x"\nenabled = false\nstartup_timeout_sec = 20\ntool_timeout_sec = 90.5\n'
        'enabled_tools = ["read"]\n',
        encoding="utf-8",
    )

    code, out, _ = run("get", "fs", "--json")

    assert code == 0
    shown = json.loads(out)
    assert "auth_status" not in shown
    assert (shown["enabled"], shown["enabled_tools"], shown["disabled_tools"]) == (False, ["read"], None)
    assert (shown["startup_timeout_sec"], shown["tool_timeout_sec"]) == (20.0, 90.5)


def test_unknown_names_behave_as_in_codex(codex_home: Path) -> None:
    assert run("get", "nosuch") == (1, "", "Error: No MCP server named 'nosuch' found.\n")
    assert run("remove", "nosuch") == (0, "No MCP server named 'nosuch' found.\n", "")
    assert run("login", "nosuch")[0] == 1


def test_remove_deletes_the_entry(codex_home: Path) -> None:
    run("add", "fs", "--", "x")

    assert run("remove", "fs") == (0, "Removed global MCP server 'fs'.\n", "")
    assert run("list", "--json")[1] == "[]\n"


def test_usage_mistakes_exit_2(codex_home: Path) -> None:
    code, _, err = run("add", "bad name", "--", "x")
    assert (code, err) == (
        2,
        "Error: invalid server name 'bad name' (use letters, numbers, '-', '_', ':', '@', '/', '.')\n",
    )
    assert run("add", "a")[0] == 2
    assert run("add", "a", "--url", "http://h/mcp", "--", "x")[0] == 2
    assert run("add", "a", "--env", "NOEQUALS", "--", "x")[0] == 2
    assert not (codex_home / "config.toml").exists()


def test_a_broken_config_is_reported_with_the_server_and_exit_1(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('[mcp_servers.t3]\ncommand = "x"\nurl = "http://h"\n', encoding="utf-8")

    code, _, err = run("list")

    assert code == 1
    assert err.startswith("Error: url is not supported for stdio in `mcp_servers.t3`")


def test_login_on_a_stdio_server_is_refused(codex_home: Path) -> None:
    run("add", "fs", "--", "x")

    assert run("login", "fs") == (1, "", "Error: OAuth login is only supported for streamable HTTP servers.\n")


def test_tools_and_call_start_the_server_and_show_what_the_model_would_get(codex_home: Path) -> None:
    run("add", "toolbox", "--", sys.executable, str(TOOLBOX))

    code, out, _ = run("tools", "toolbox")
    assert code == 0
    assert "mcp__toolbox__get_sum  (get-sum)  Add numbers, with a structured result" in out.splitlines()

    code, out, _ = run("call", "toolbox", "get-sum", '{"a": 1, "b": 2}')
    assert code == 0
    assert json.loads(out)["structured_content"] == {"total": 3, "terms": [1, 2]}

    code, out, _ = run("call", "toolbox", "broken")
    assert code == 1
    assert json.loads(out)["content"][0]["text"].endswith("this tool is broken on purpose")

    assert run("call", "toolbox", "echo", "{not json")[0] == 2


def test_tools_on_a_server_that_cannot_start_says_why(codex_home: Path) -> None:
    run("add", "gone", "--", "/nonexistent/server")

    code, _, err = run("tools", "gone")

    assert code == 1
    assert err == "Error: MCP client for `gone` failed to start: command not found: /nonexistent/server\n"


@pytest.mark.anyio
async def test_login_in_a_real_process_prints_the_url_and_stores_tokens(codex_home: Path) -> None:
    sock = bound_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    provider = AutoApproveProvider()
    (codex_home / "config.toml").write_text(
        f'mcp_oauth_credentials_store = "file"\n\n[mcp_servers.prot]\nurl = "{base}/mcp"\n', encoding="utf-8"
    )
    async with serve_asgi(build_protected_server(base, provider).streamable_http_app(), sock):
        command = [sys.executable, "-m", "cli", "mcp", "login", "prot", "--no-browser"]
        async with await anyio.open_process(command, cwd=REPO) as process:
            assert process.stdout is not None
            received = b""
            with anyio.fail_after(60):
                while b"/authorize?" not in received or not received.endswith(b"\n\n"):
                    received += await process.stdout.receive()
            lines = received.decode().splitlines()
            assert lines[0] == "Authorize `prot` by opening this URL in your browser:"
            async with httpx2.AsyncClient() as browser:
                redirect = await browser.get(lines[1], follow_redirects=False)
                callback = await browser.get(redirect.headers["location"])
            assert callback.text == "Authentication complete. You may close this window."
            rest = b""
            with anyio.fail_after(60):
                async for chunk in process.stdout:
                    rest += chunk
                await process.wait()

        assert process.returncode == 0
        assert rest.decode() == "Successfully logged in to MCP server 'prot'.\n"
        assert stat.S_IMODE((codex_home / ".credentials.json").stat().st_mode) == 0o600
        # The commands call anyio.run themselves, so they run on a worker thread here.
        code, out, _ = await anyio.to_thread.run_sync(run, "list", "--json")
        assert code == 0
        assert json.loads(out)[0]["auth_status"] == "o_auth"
        logged_out = await anyio.to_thread.run_sync(run, "logout", "prot")
        assert logged_out == (0, "Removed the OAuth credentials of MCP server 'prot'.\n", "")


# ---- OAuth at `mcp add --url` -----------------------------------------------------------------------------------


def test_oauth_options_are_checked_before_anything_is_written(codex_home: Path) -> None:
    assert run("add", "a", "--oauth-client-id", "c", "--", "x") == (
        2,
        "",
        "Error: --oauth-client-id is only for --url servers\n",
    )
    assert run("add", "a", "--url", "http://h/mcp", "--oauth-client-secret", "s") == (
        2,
        "",
        "Error: --oauth-client-secret needs --oauth-client-id (the client it belongs to)\n",
    )
    code, _, err = run("add", "a", "--url", "http://h/mcp", "--oauth-client-metadata-url", "http://e.com/c.json")
    assert code == 2
    assert err.startswith("Error: oauth.client_metadata_url: must be an https:// URL with a path")
    assert not (codex_home / "config.toml").exists()


def test_add_without_a_terminal_names_the_login_command_when_the_server_uses_oauth(codex_home: Path) -> None:
    async def scenario() -> tuple[int, str, str]:
        sock = bound_socket()
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with serve_asgi(build_protected_server(base, AutoApproveProvider()).streamable_http_app(), sock):
            return await anyio.to_thread.run_sync(run, "add", "prot", "--url", f"{base}/mcp")

    code, out, err = anyio.run(scenario)

    assert (code, err) == (0, "")
    assert out == (
        "Added global MCP server 'prot'.\nThe MCP server 'prot' uses OAuth. Log in with `pycodex mcp login prot`.\n"
    )
    # A server without OAuth (or out of reach) gets no such line.
    assert run("add", "plain", "--url", "http://127.0.0.1:9/mcp") == (0, "Added global MCP server 'plain'.\n", "")


@pytest.mark.anyio
async def test_a_preregistered_client_is_used_for_login_and_its_secret_stays_out_of_config(codex_home: Path) -> None:
    sock = bound_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # The client was registered with a fixed redirect URI, so the callback port is configured to match it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        callback_port = probe.getsockname()[1]
    provider = AutoApproveProvider()
    provider.clients["pre-1"] = OAuthClientInformationFull(
        client_id="pre-1",
        client_secret="s3cret-value",
        redirect_uris=[AnyUrl(f"http://127.0.0.1:{callback_port}/callback")],
        token_endpoint_auth_method="client_secret_post",
        grant_types=["authorization_code", "refresh_token"],
        scope="mcp:read mcp:write",
    )
    config_path = codex_home / "config.toml"
    config_path.write_text(
        f'mcp_oauth_credentials_store = "file"\nmcp_oauth_callback_port = {callback_port}\n', encoding="utf-8"
    )
    async with serve_asgi(build_protected_server(base, provider).streamable_http_app(), sock):
        added = await anyio.to_thread.run_sync(
            run,
            "add",
            "prot",
            "--url",
            f"{base}/mcp",
            "--oauth-client-id",
            "pre-1",
            "--oauth-client-secret",
            "s3cret-value",
        )
        logged_in = await _login_in_a_process(codex_home)

    secrets_file = codex_home / ".pycodex-mcp-client-secrets.json"
    assert added == (
        0,
        "Added global MCP server 'prot'.\n"
        f"Stored the OAuth client secret in {secrets_file}.\n"
        "The MCP server 'prot' uses OAuth. Log in with `pycodex mcp login prot`.\n",
        "",
    )
    text = config_path.read_text(encoding="utf-8")
    assert "s3cret-value" not in text
    assert '[mcp_servers.prot.oauth]\nclient_id = "pre-1"\n' in text
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    shown = (await anyio.to_thread.run_sync(run, "get", "prot"))[1]
    assert "  oauth_client_id: pre-1\n" in shown and "s3cret" not in shown
    assert logged_in == "Successfully logged in to MCP server 'prot'.\n"
    # No dynamic registration: the authorization and the tokens belong to the configured client.
    assert list(provider.clients) == ["pre-1"]
    assert [a.redirect_uri for a in provider.authorizations] == [AnyUrl(f"http://127.0.0.1:{callback_port}/callback")]
    stored = json.loads((codex_home / ".credentials.json").read_text(encoding="utf-8"))
    [entry] = stored.values()
    assert entry["client_id"] == "pre-1" and entry["access_token"] in provider.access
    # Removing the server forgets its client's secret too.
    assert run("remove", "prot") == (0, "Removed global MCP server 'prot'.\n", "")
    assert not secrets_file.exists()


async def _login_in_a_process(codex_home: Path) -> str:
    """`pycodex mcp login prot --no-browser` in a real process, with the test as the browser; what it printed last."""
    command = [sys.executable, "-m", "cli", "mcp", "login", "prot", "--no-browser"]
    async with await anyio.open_process(command, cwd=REPO) as process:
        assert process.stdout is not None
        received = b""
        with anyio.fail_after(60):
            while b"/authorize?" not in received or not received.endswith(b"\n\n"):
                received += await process.stdout.receive()
        url = received.decode().splitlines()[1]
        async with httpx2.AsyncClient() as browser:
            redirect = await browser.get(url, follow_redirects=False)
            assert (await browser.get(redirect.headers["location"])).status_code == 200
        rest = b""
        with anyio.fail_after(60):
            async for chunk in process.stdout:
                rest += chunk
            await process.wait()
    assert process.returncode == 0
    return rest.decode()


@pytest.mark.anyio
async def test_add_at_a_terminal_logs_in_to_an_oauth_server_right_away(codex_home: Path) -> None:
    sock = bound_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    provider = AutoApproveProvider()
    (codex_home / "config.toml").write_text('mcp_oauth_credentials_store = "file"\n', encoding="utf-8")
    async with serve_asgi(build_protected_server(base, provider).streamable_http_app(), sock):
        controller, terminal = pty.openpty()
        env = {**os.environ, "CODEX_HOME": str(codex_home), "PYCODEX_NO_BROWSER": "1", "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "cli", "mcp", "add", "prot", "--url", f"{base}/mcp"]
        try:
            async with await anyio.open_process(
                command, cwd=REPO, env=env, stdin=terminal, stdout=terminal, stderr=terminal
            ) as process:
                os.close(terminal)
                terminal = -1
                shown = ""
                with anyio.fail_after(60):
                    while "/authorize?" not in shown or not shown.endswith("\r\n\r\n"):
                        shown += (await anyio.to_thread.run_sync(os.read, controller, 4096)).decode()
                url = next(line for line in shown.splitlines() if "/authorize?" in line)
                async with httpx2.AsyncClient() as browser:
                    redirect = await browser.get(url, follow_redirects=False)
                    assert (await browser.get(redirect.headers["location"])).status_code == 200
                with anyio.fail_after(60):
                    await process.wait()
            rest = _read_all(controller)
        finally:
            if terminal >= 0:
                os.close(terminal)
            os.close(controller)

    assert process.returncode == 0, shown + rest
    assert shown.startswith(
        "Added global MCP server 'prot'.\r\n"
        "The MCP server 'prot' uses OAuth; logging in now.\r\n"
        "Authorize `prot` by opening this URL in your browser:\r\n"
    )
    assert rest == "Successfully logged in to MCP server 'prot'.\r\n"
    stored = json.loads((codex_home / ".credentials.json").read_text(encoding="utf-8"))
    [entry] = stored.values()
    assert entry["server_name"] == "prot" and entry["access_token"] in provider.access


def _read_all(fd: int) -> str:
    """What is left to read on a terminal whose other side has closed."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
