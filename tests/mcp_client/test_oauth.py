from __future__ import annotations

import io
import json
import os
import stat
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

from mcp_client import (
    AuthorizationRequest,
    ConsoleAuthorization,
    McpAuthRequiredError,
    McpConnectionManager,
    McpCredentialStore,
    McpOAuthError,
    McpOAuthSettings,
    StoredOAuthCredentials,
    auth_status,
    credentials_key,
    login,
    logout,
    parse_server_config,
)

from .conftest import toolbox_table
from .oauth_support import Browser, gated_server, play_browser, protected_server, run_login

pytestmark = pytest.mark.anyio


async def test_login_discovers_registers_and_stores_tokens_with_pkce(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        browser = Browser()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: browser.follow(forge_first=True))
            result = await login(
                "prot", server.config, store=server.store, open_browser=False, on_authorization_url=browser
            )
            assert result.stored_in == "file"

        assert browser.forged_status == 400
        assert (browser.callback_status, browser.callback_body) == (
            200,
            "Authentication complete. You may close this window.",
        )
        assert browser.url is not None
        query = parse_qs(urlsplit(browser.url).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["resource"] == [f"{server.base}/mcp"]
        assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
        (registered,) = server.provider.clients.values()
        assert registered.client_name == "pycodex"
        assert registered.token_endpoint_auth_method == "none"

        stored = server.store.load("prot", f"{server.base}/mcp")
        assert stored is not None
        assert stored.access_token.get_secret_value() in server.provider.access
        assert stored.client_id == registered.client_id

        async with McpConnectionManager(
            {"prot": server.config}, codex_home=codex_home, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            assert mcp.failures == {}
            result_text = (await mcp.call_tool("prot", "whoami")).content[0]
        assert getattr(result_text, "text", None) == "authenticated"


async def test_the_credentials_file_has_codex_layout_and_mode_0600(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        await run_login(server)

    path = codex_home / ".credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    key = credentials_key("prot", f"{server.base}/mcp")
    assert list(data) == [key]
    entry = data[key]
    assert list(entry)[:7] == [
        "server_name",
        "server_url",
        "client_id",
        "access_token",
        "expires_at",
        "refresh_token",
        "scopes",
    ]
    assert entry["server_name"] == "prot"
    assert abs(entry["expires_at"] - (time.time() + 3600) * 1000) < 60_000


async def test_explicit_scopes_win_over_what_the_server_advertises(codex_home: Path) -> None:
    async with protected_server(codex_home, scopes=["mcp:read"]) as server:
        result = await run_login(server, scopes=["mcp:write"])

    assert result.scopes == ["mcp:write"]
    assert server.provider.authorizations[-1].scopes == ["mcp:write"]


async def test_configured_scopes_are_used_when_none_are_given(codex_home: Path) -> None:
    async with protected_server(codex_home, scopes=["mcp:read", "mcp:write"]) as server:
        result = await run_login(server)

    assert result.scopes == ["mcp:read", "mcp:write"]


async def test_an_expired_token_is_refreshed_before_use_and_persisted(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        await run_login(server)
        url = f"{server.base}/mcp"
        old = server.store.load("prot", url)
        assert old is not None
        server.store.save(old.model_copy(update={"expires_at": int((time.time() - 60) * 1000)}))

        async with McpConnectionManager(
            {"prot": server.config}, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            assert mcp.failures == {}
            assert not (await mcp.call_tool("prot", "whoami")).is_error

        new = server.store.load("prot", url)
        assert server.provider.refreshes == 1
        assert new is not None
        assert new.access_token.get_secret_value() != old.access_token.get_secret_value()
        assert new.expires_at is not None and new.expires_at > time.time() * 1000


async def test_a_token_inside_the_30_second_skew_is_refreshed_too(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        await run_login(server)
        url = f"{server.base}/mcp"
        old = server.store.load("prot", url)
        assert old is not None
        server.store.save(old.model_copy(update={"expires_at": int((time.time() + 10) * 1000)}))

        async with McpConnectionManager(
            {"prot": server.config}, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            assert mcp.failures == {}

        assert server.provider.refreshes == 1


async def test_a_revoked_refresh_token_asks_for_a_new_login(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        await run_login(server)
        url = f"{server.base}/mcp"
        old = server.store.load("prot", url)
        assert old is not None
        server.store.save(old.model_copy(update={"expires_at": int((time.time() - 60) * 1000)}))
        server.provider.revoke_all_refresh_tokens()

        async with McpConnectionManager(
            {"prot": server.config}, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            failure = mcp.failures["prot"]

    assert failure.message == "The prot MCP server is not logged in. Run `pycodex mcp login prot`."


async def test_a_server_that_wants_oauth_without_stored_tokens_asks_for_login(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        async with McpConnectionManager(
            {"prot": server.config}, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            failure = mcp.failures["prot"]
        status = await auth_status("prot", server.config, store=server.store)

    assert failure.message == "The prot MCP server is not logged in. Run `pycodex mcp login prot`."
    assert status == "not_logged_in"


async def test_auth_status_reports_each_kind_of_server(codex_home: Path) -> None:
    store = McpCredentialStore(codex_home, "file")
    stdio = parse_server_config("s", toolbox_table())
    bearer = parse_server_config("b", {"url": "http://127.0.0.1:9/mcp", "bearer_token_env_var": "X"})
    unreachable = parse_server_config("u", {"url": "http://127.0.0.1:9/mcp"})

    assert await auth_status("s", stdio, store=store) == "unsupported"
    assert await auth_status("b", bearer, store=store) == "bearer_token"
    assert await auth_status("u", unreachable, store=store) == "unknown"
    async with protected_server(codex_home) as server:
        await run_login(server)
        assert await auth_status("prot", server.config, store=server.store) == "o_auth"


async def test_logout_forgets_the_tokens_and_removes_the_empty_file(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        await run_login(server)
        assert await logout("prot", server.config, store=server.store) is True
        assert await logout("prot", server.config, store=server.store) is False

    assert not (codex_home / ".credentials.json").exists()


async def test_a_refused_authorization_fails_the_login_with_the_provider_error(codex_home: Path) -> None:
    async with protected_server(codex_home) as server:
        server.provider.deny = True
        browser = Browser()
        with pytest.raises(McpOAuthError, match="access_denied"):
            await run_login(server, browser)

    assert browser.callback_status == 400
    assert browser.callback_body == "OAuth error: access_denied: the user said no"


async def test_login_is_refused_for_stdio_servers(codex_home: Path) -> None:
    with pytest.raises(McpOAuthError) as caught:
        await login("s", parse_server_config("s", toolbox_table()), store=McpCredentialStore(codex_home, "file"))

    assert caught.value.message == "OAuth login is only supported for streamable HTTP servers."


async def test_login_prints_the_authorization_url_by_default(
    codex_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with protected_server(codex_home) as server:
        browser = Browser()

        async def read_stdout_like_a_person() -> None:
            with anyio.fail_after(30):
                while not (out := capsys.readouterr().out):
                    await anyio.lowlevel.checkpoint()
            browser.printed = out
            browser(out.splitlines()[1])
            await browser.follow()

        async with anyio.create_task_group() as tg:
            tg.start_soon(read_stdout_like_a_person)
            await login("prot", server.config, store=server.store, open_browser=False)

    assert browser.printed.startswith("Authorize `prot` by opening this URL in your browser:\nhttp://127.0.0.1:")
    assert browser.printed.endswith("\n\n")
    assert browser.callback_status == 200


def test_stored_credentials_never_show_secrets() -> None:
    from pydantic import SecretStr

    creds = StoredOAuthCredentials(
        server_name="s",
        server_url="http://h/mcp",
        client_id="cid",
        access_token=SecretStr("at-secret-value"),
        refresh_token=SecretStr("rt-secret-value"),
    )

    assert "secret-value" not in repr(creds)
    assert "secret-value" not in str(creds)
    assert "secret-value" not in os.fspath(str(McpCredentialStore(Path("/tmp"))))


# ---- a new login inside a running session ------------------------------------------------------------------------


class BrowserHandler:
    """An `AuthorizationHandler` with the test as the person: it follows the URL and completes the login."""

    def __init__(self) -> None:
        self.requests: list[AuthorizationRequest] = []
        self.callback_statuses: list[int] = []

    async def __call__(self, request: AuthorizationRequest) -> None:
        self.requests.append(request)

        async def browse() -> None:
            self.callback_statuses.append(await play_browser(request.url))

        async with anyio.create_task_group() as tg:
            tg.start_soon(browse)
            await request.complete(30)


def text_of(result: object) -> str | None:
    content = getattr(result, "content", [])
    return getattr(content[0], "text", None) if content else None


async def test_a_call_that_needs_more_scopes_logs_in_again_through_the_handler_and_stores_the_new_tokens(
    codex_home: Path,
) -> None:
    async with gated_server(codex_home) as server:
        await run_login(server)
        url = f"{server.base}/mcp"
        before = server.store.load("prot", url)
        assert before is not None and before.scopes == ["mcp:read"]
        handler = BrowserHandler()
        settings = McpOAuthSettings(credentials_store="file")

        async with McpConnectionManager(
            {"prot": server.config}, codex_home=codex_home, oauth=settings, authorization_handler=handler
        ) as mcp:
            assert mcp.failures == {}
            assert text_of(await mcp.call_tool("prot", "whoami")) == "authenticated"
            assert handler.requests == []
            written = await mcp.call_tool("prot", "write_note", {"text": "hi"})
            # The new token is used from then on: no second login.
            again = await mcp.call_tool("prot", "write_note", {"text": "again"})

        after = server.store.load("prot", url)

    assert (text_of(written), text_of(again)) == ("noted: hi", "noted: again")
    (request,) = handler.requests
    assert (request.server, request.reason, request.scopes) == ("prot", "insufficient_scope", ("mcp:read", "mcp:write"))
    assert handler.callback_statuses == [200]
    query = parse_qs(urlsplit(request.url).query)
    assert query["scope"] == ["mcp:read mcp:write"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["resource"] == [url]
    # The client was registered with the login's redirect URI; the new login listens there again.
    assert query["redirect_uri"] == [before.redirect_uri]
    assert server.provider.authorizations[-1].scopes == ["mcp:read", "mcp:write"]
    assert after is not None and after.scopes == ["mcp:read", "mcp:write"]
    assert after.client_id == before.client_id
    assert after.access_token.get_secret_value() != before.access_token.get_secret_value()
    assert after.access_token.get_secret_value() in server.provider.access


async def test_without_a_person_a_call_that_needs_more_scopes_fails_naming_the_scopes_and_the_command(
    codex_home: Path,
) -> None:
    async with gated_server(codex_home) as server:
        await run_login(server)
        async with McpConnectionManager(
            {"prot": server.config}, codex_home=codex_home, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            with pytest.raises(McpAuthRequiredError) as caught:
                await mcp.call_tool("prot", "write_note", {"text": "hi"})
            assert text_of(await mcp.call_tool("prot", "whoami")) == "authenticated"
        stored = server.store.load("prot", f"{server.base}/mcp")

    assert caught.value.message == (
        "The prot MCP server needs more access for this call (scopes: mcp:read mcp:write). "
        "Run `pycodex mcp login prot --scopes mcp:read,mcp:write`. (the call to `write_note` was refused)"
    )
    assert caught.value.scopes == ["mcp:read", "mcp:write"]
    assert stored is not None and stored.scopes == ["mcp:read"]
    assert len(server.provider.authorizations) == 1


async def test_a_console_without_a_terminal_declines_at_once(codex_home: Path) -> None:
    shown = io.StringIO()
    async with gated_server(codex_home) as server:
        await run_login(server)
        async with McpConnectionManager(
            {"prot": server.config},
            codex_home=codex_home,
            oauth=McpOAuthSettings(credentials_store="file"),
            authorization_handler=ConsoleAuthorization(shown),
        ) as mcp:
            with pytest.raises(McpAuthRequiredError, match=r"--scopes mcp:read,mcp:write"):
                await mcp.call_tool("prot", "write_note", {"text": "hi"})

    assert shown.getvalue() == ""


class Terminal(io.StringIO):
    """A stream a person reads: the test waits for the URL line and plays the browser."""

    def __init__(self) -> None:
        super().__init__()
        self.url_shown = anyio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "/authorize?" in self.getvalue():
            self.url_shown.set()
        return written


async def test_a_console_with_a_person_prints_the_url_and_waits_for_the_login(codex_home: Path) -> None:
    terminal = Terminal()
    statuses: list[int] = []

    async def person() -> None:
        await terminal.url_shown.wait()
        url = next(line for line in terminal.getvalue().splitlines() if "/authorize?" in line)
        statuses.append(await play_browser(url))

    async with gated_server(codex_home) as server:
        await run_login(server)
        handler = ConsoleAuthorization(terminal, interactive=True, open_browser=False, timeout_sec=30)
        async with McpConnectionManager(
            {"prot": server.config},
            codex_home=codex_home,
            oauth=McpOAuthSettings(credentials_store="file"),
            authorization_handler=handler,
        ) as mcp:
            async with anyio.create_task_group() as tg:
                tg.start_soon(person)
                with anyio.fail_after(60):
                    written = await mcp.call_tool("prot", "write_note", {"text": "hi"})
                    assert text_of(written) == "noted: hi"

    assert statuses == [200]
    lines = terminal.getvalue().splitlines()
    assert lines[0] == "The prot MCP server needs more access for this call (scopes: mcp:read mcp:write)."
    assert lines[1] == "Authorize `prot` by opening this URL in your browser (waiting 30 seconds):"
    assert lines[2].startswith(f"{server.base}/authorize?")
    assert lines[3:] == ["", "Logged in to `prot` again; continuing."]


async def test_the_tool_timeout_does_not_run_while_a_person_logs_in(codex_home: Path) -> None:
    class SlowPerson(BrowserHandler):
        async def __call__(self, request: AuthorizationRequest) -> None:
            # Longer than the tool's whole timeout: only the person's time, which the call's clock does not count.
            await anyio.sleep(1.5)
            await super().__call__(request)

    async with gated_server(codex_home, tool_timeout_sec=1.0) as server:
        await run_login(server)
        async with McpConnectionManager(
            {"prot": server.config},
            codex_home=codex_home,
            oauth=McpOAuthSettings(credentials_store="file"),
            authorization_handler=SlowPerson(),
        ) as mcp:
            written = await mcp.call_tool("prot", "write_note", {"text": "hi"})

    assert text_of(written) == "noted: hi"


async def test_a_token_revoked_mid_session_asks_the_handler_for_a_new_login(codex_home: Path) -> None:
    async with gated_server(codex_home) as server:
        await run_login(server)
        handler = BrowserHandler()
        async with McpConnectionManager(
            {"prot": server.config},
            codex_home=codex_home,
            oauth=McpOAuthSettings(credentials_store="file"),
            authorization_handler=handler,
        ) as mcp:
            server.provider.access.clear()
            server.provider.revoke_all_refresh_tokens()
            answer = await mcp.call_tool("prot", "whoami")

    assert text_of(answer) == "authenticated"
    (request,) = handler.requests
    assert (request.reason, request.scopes) == ("reauthorize", ("mcp:read",))


async def test_a_declined_new_login_after_revocation_gives_codex_login_message(codex_home: Path) -> None:
    async with gated_server(codex_home) as server:
        await run_login(server)
        async with McpConnectionManager(
            {"prot": server.config}, codex_home=codex_home, oauth=McpOAuthSettings(credentials_store="file")
        ) as mcp:
            server.provider.access.clear()
            server.provider.revoke_all_refresh_tokens()
            with pytest.raises(McpAuthRequiredError) as caught:
                await mcp.call_tool("prot", "whoami")

    assert caught.value.message == (
        "The prot MCP server is not logged in. Run `pycodex mcp login prot`. (the call to `whoami` was refused)"
    )
