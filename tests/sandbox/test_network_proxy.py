"""The network policy proxy with real curl and pip inside bubblewrap, against real loopback HTTP and HTTPS servers.

There is no DNS here, so the test host names are mapped to 127.0.0.1 inside the proxy (`hosts=`), and loopback is
allowed explicitly (`allow_local_binding`) wherever a test server must be reached.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from sandbox import NetworkPolicy, NetworkProxy, NetworkRequest, WorkspaceWrite, detect, spawn

from ._netservers import Served, make_cert, serve

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the network namespace bridge is Linux only"),
]

HOSTS: dict[str, str] = dict.fromkeys(
    ("pypi.test", "files.test", "evil.test", "other.test", "api.corp.test"), "127.0.0.1"
)


def need_bubblewrap() -> None:
    report = detect()
    if report.backend != "bubblewrap":
        pytest.skip(f"the proxy is enforced through bubblewrap's network namespace; backend here: {report.backend}")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed to make the HTTPS server's certificate)")
    return make_cert(tmp_path_factory.mktemp("tls"), list(HOSTS))


@pytest.fixture
def web() -> Iterator[Served]:
    with serve("web") as served:
        yield served


@pytest.fixture
def secure(tls: tuple[Path, Path]) -> Iterator[Served]:
    with serve("secure", tls=tls) as served:
        yield served


def policy(**kwargs: object) -> NetworkPolicy:
    values: dict[str, object] = {"enabled": True, "allow_local_binding": True, "profile": "test"}
    values.update(kwargs)
    return NetworkPolicy(**values)  # pyright: ignore[reportArgumentType]


async def sandboxed(proxy: NetworkProxy, script: str, cwd: Path) -> tuple[int, str]:
    """Run `sh -c script` under workspace-write with the proxy's route and variables."""
    env = {**os.environ, **proxy.route.env()}
    code, out = -1, ""
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            process = await spawn(
                ["sh", "-c", script],
                cwd=cwd,
                env=env,
                policy=WorkspaceWrite(),
                task_group=tg,
                network_proxy=proxy.route,
            )
            code = await process.wait()
            process.close()
            out = process.take_output().decode()
    return code, out


async def test_curl_reaches_an_allowed_domain_through_the_proxy_over_http_and_https(
    tmp_path: Path, web: Served, secure: Served, tls: tuple[Path, Path]
) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(allow=("pypi.test", "*.test")), hosts=HOSTS) as proxy:
        code, out = await sandboxed(
            proxy,
            f"curl -sS http://pypi.test:{web.port}/ && curl -sS --cacert {tls[0]} https://files.test:{secure.port}/"
            ' && echo "$CODEX_NETWORK_PROXY_ACTIVE $HTTPS_PROXY"',
            tmp_path,
        )
    assert code == 0, out
    assert out.splitlines() == ["hello from web", "hello from secure", f"1 http://127.0.0.1:{proxy.route.http_port}"]
    decisions = [(d.protocol, d.method, d.host, d.allowed, d.rule) for d in proxy.decisions()]
    assert decisions == [
        ("http", "GET", "pypi.test", True, "pypi.test"),
        ("https", "CONNECT", "files.test", True, "*.test"),
    ]


async def test_a_denied_domain_gets_a_403_naming_the_rule_even_when_an_allow_pattern_matches(
    tmp_path: Path, web: Served, secure: Served
) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(allow=("*.test",), deny=("evil.test",)), hosts=HOSTS) as proxy:
        code, out = await sandboxed(
            proxy,
            f"curl -sS -i http://evil.test:{web.port}/; curl -sS -o /dev/null -w 'connect %{{http_connect}}\\n' "
            f"https://evil.test:{secure.port}/",
            tmp_path,
        )
    assert "HTTP/1.1 403 Forbidden" in out and "x-proxy-error: blocked-by-denylist" in out, out
    assert "blocked by the network policy (profile `test`): domain denied (evil.test matches the deny rule" in out
    assert "connect 403" in out
    assert web.hits == [] and secure.hits == []
    assert [d.code for d in proxy.decisions()] == ["blocked-by-denylist", "blocked-by-denylist"]
    assert code != 0


async def test_an_empty_allowlist_refuses_everything_and_says_the_host_is_not_in_it(
    tmp_path: Path, web: Served
) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(), hosts=HOSTS) as proxy:
        _, out = await sandboxed(proxy, f"curl -sS -i http://pypi.test:{web.port}/", tmp_path)
    assert "x-proxy-error: blocked-by-allowlist" in out
    assert "blocked by the network policy (profile `test`): pypi.test is not in the allowlist" in out
    assert web.hits == []


async def test_a_host_resolving_to_a_local_address_is_refused_unless_local_addresses_are_allowed(
    tmp_path: Path, web: Served
) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(allow=("pypi.test",), allow_local_binding=False), hosts=HOSTS) as proxy:
        _, out = await sandboxed(proxy, f"curl -sS -i http://pypi.test:{web.port}/", tmp_path)
    assert "x-proxy-error: blocked-by-allowlist" in out
    assert "pypi.test (127.0.0.1) is a local or private address" in out
    assert web.hits == []


async def test_a_command_that_ignores_the_proxy_variables_has_no_network(tmp_path: Path, web: Served) -> None:
    need_bubblewrap()
    script = (
        f"curl -sS --noproxy '*' -m 5 http://127.0.0.1:{web.port}/; echo curl=$?; "
        f'{sys.executable} -c "import socket; s=socket.socket(); s.settimeout(5); '
        f"print(s.connect_ex(('127.0.0.1', {web.port})), s.connect_ex(('1.1.1.1', 53)))\"; "
        f'{sys.executable} -c "import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)" 2>&1 | tail -1'
    )
    async with NetworkProxy(policy(allow=("*",)), hosts=HOSTS) as proxy:
        _, out = await sandboxed(proxy, script, tmp_path)
    lines = out.splitlines()
    assert "curl=7" in lines, out
    # Loopback in the sandbox's namespace has nobody on the server's port (ECONNREFUSED); nothing else is routed.
    refused, elsewhere = lines[2].split()
    assert refused == "111" and elsewhere != "0", out
    assert lines[-1] == "PermissionError: [Errno 1] Operation not permitted", out
    assert web.hits == [] and proxy.decisions() == []


@pytest.mark.parametrize("local", [False, True], ids=["local-binding-off", "local-binding-on"])
async def test_inside_the_namespace_landlock_opens_only_the_proxy_ports_unless_local_binding_is_allowed(
    tmp_path: Path, web: Served, local: bool
) -> None:
    need_bubblewrap()
    if detect().landlock_abi < 4:
        pytest.skip("Landlock TCP rules need ABI 4; this kernel has a lower one (the namespace alone confines)")
    script = (
        f"{sys.executable} -c \"import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print('bound')\" "
        f"2>&1 | tail -1; curl -sS http://pypi.test:{web.port}/"
    )
    async with NetworkProxy(policy(allow=("pypi.test",), allow_local_binding=local), hosts=HOSTS) as proxy:
        _, out = await sandboxed(proxy, script, tmp_path)
    # Either way the forwarder bound the proxy's port and curl reached the proxy through it, which answered (the
    # server is on a local address, so it is fetched only with local addresses allowed).
    answer = "hello from web" if local else "pypi.test (127.0.0.1) is a local or private address"
    assert answer in out and len(proxy.decisions()) == 1, out
    assert out.splitlines()[0] == ("bound" if local else "PermissionError: [Errno 13] Permission denied"), out


async def test_limited_mode_lets_get_through_and_refuses_post_and_https_tunnels(
    tmp_path: Path, web: Served, secure: Served
) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(allow=("*.test",), mode="limited"), hosts=HOSTS) as proxy:
        _, out = await sandboxed(
            proxy,
            f"curl -sS http://pypi.test:{web.port}/; curl -sS -i -d hello http://pypi.test:{web.port}/; "
            f"curl -sS -o /dev/null -w 'connect %{{http_connect}}\\n' https://files.test:{secure.port}/",
            tmp_path,
        )
    assert "hello from web" in out
    assert "x-proxy-error: blocked-by-method-policy" in out
    assert "limited mode allows only GET, HEAD and OPTIONS (not POST)" in out
    assert "connect 403" in out
    assert web.hits == [("GET", "/")] and secure.hits == []
    assert [d.code for d in proxy.decisions()] == [None, "blocked-by-method-policy", "blocked-by-mitm-required"]


async def test_a_new_domain_approved_once_is_asked_about_again_and_approved_for_the_session_is_not(
    tmp_path: Path, web: Served
) -> None:
    need_bubblewrap()
    asked: list[NetworkRequest] = []
    answers = ["allow_once", "allow_session"]

    async def approver(request: NetworkRequest) -> str:
        asked.append(request)
        return answers.pop(0) if answers else "deny"

    fetch = f"curl -sS http://other.test:{web.port}/"
    async with NetworkProxy(policy(allow=("pypi.test",)), hosts=HOSTS, approver=approver) as proxy:  # pyright: ignore[reportArgumentType]
        _, out = await sandboxed(
            proxy, f"{fetch}; {fetch}; {fetch}; curl -sS -i http://api.corp.test:{web.port}/", tmp_path
        )
        assert proxy.approved_hosts == {"other.test"}
    assert out.count("hello from web") == 3, out
    assert [(r.host, r.port, r.method, r.protocol) for r in asked] == [
        ("other.test", web.port, "GET", "http"),
        ("other.test", web.port, "GET", "http"),
        ("api.corp.test", web.port, "GET", "http"),
    ]
    assert "x-proxy-error: blocked-by-policy" in out
    assert "api.corp.test is not in the allowlist and access to it was declined" in out
    assert [d.rule for d in proxy.decisions()] == ["approved (once)", "approved (session)", "session", ""]


async def test_two_sessions_with_different_policies_run_side_by_side(tmp_path: Path, web: Served) -> None:
    need_bubblewrap()
    fetch = f"curl -sS -w '%{{http_code}}' -o /dev/null http://pypi.test:{web.port}/ -o /dev/null http://other.test:{web.port}/"
    results: dict[str, str] = {}
    async with (
        NetworkProxy(policy(allow=("pypi.test",)), hosts=HOSTS) as first,
        NetworkProxy(policy(allow=("other.test",)), hosts=HOSTS) as second,
    ):
        assert first.route.http_port != second.route.http_port

        async def run(name: str, proxy: NetworkProxy) -> None:
            results[name] = (await sandboxed(proxy, fetch, tmp_path))[1]

        async with anyio.create_task_group() as tg:
            tg.start_soon(run, "first", first)
            tg.start_soon(run, "second", second)
    assert results == {"first": "200403", "second": "403200"}


async def test_socks5_carries_allowed_hosts_and_refuses_others(tmp_path: Path, web: Served) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(allow=("pypi.test",), socks5=True), hosts=HOSTS) as proxy:
        _, out = await sandboxed(
            proxy,
            f'curl -sS -x "$ALL_PROXY" http://pypi.test:{web.port}/; curl -sS -x "$ALL_PROXY" http://evil.test:{web.port}/;'
            " echo curl=$?",
            tmp_path,
        )
    assert proxy.route.socks_port is not None
    assert "hello from web" in out and "curl=97" in out, out
    assert [(d.protocol, d.host, d.allowed) for d in proxy.decisions()] == [
        ("socks5", "pypi.test", True),
        ("socks5", "evil.test", False),
    ]


async def test_every_decision_is_logged_without_bodies(
    tmp_path: Path, web: Served, caplog: pytest.LogCaptureFixture
) -> None:
    need_bubblewrap()
    caplog.set_level(logging.INFO, logger="sandbox.network")
    async with NetworkProxy(policy(allow=("pypi.test",)), hosts=HOSTS) as proxy:
        await sandboxed(
            proxy,
            f"curl -sS -d secret-body http://pypi.test:{web.port}/; curl -sS http://evil.test:{web.port}/",
            tmp_path,
        )
    messages = [r.getMessage() for r in caplog.records if r.name == "sandbox.network"]
    assert any(m.startswith("allow http POST pypi.test:") for m in messages), messages
    assert any(m.startswith("block http GET evil.test:") and "blocked-by-allowlist" in m for m in messages), messages
    assert not any("secret-body" in m or "hello from" in m for m in messages)


@pytest.mark.slow
async def test_pip_download_from_an_allowed_https_index_and_refused_from_a_plain_one(
    tmp_path: Path, web: Served, secure: Served, tls: tuple[Path, Path]
) -> None:
    need_bubblewrap()
    # --isolated and no PIP_*/REQUESTS_* variables: only the index given here. (This pip does not accept the test
    # certificate through --cert, which curl does, so the HTTPS index is trusted by name; it still uses CONNECT.)
    clean = "env -u PIP_CERT -u PIP_FIND_LINKS -u REQUESTS_CA_BUNDLE -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL"
    pip = f"{clean} {sys.executable} -m pip --isolated download --no-deps --no-cache-dir --retries 0 -d dl"
    async with NetworkProxy(policy(allow=("files.test",)), hosts=HOSTS) as proxy:
        code, out = await sandboxed(
            proxy,
            f"{pip} --trusted-host files.test --index-url https://files.test:{secure.port}/simple/ tinypkg && ls dl; "
            f"{pip} --trusted-host pypi.test --index-url http://pypi.test:{web.port}/simple/ tinypkg; echo pip=$?",
            tmp_path,
        )
    assert "tinypkg-1.0-py3-none-any.whl" in out.splitlines(), out
    assert (tmp_path / "dl" / "tinypkg-1.0-py3-none-any.whl").is_file()
    assert ("GET", "/files/tinypkg-1.0-py3-none-any.whl") in secure.hits
    assert web.hits == [] and "pip=1" in out, out
    assert any(d.host == "pypi.test" and d.code == "blocked-by-allowlist" for d in proxy.decisions())
    assert code == 0


async def test_the_host_header_is_the_checked_host_whatever_the_client_sends(tmp_path: Path, web: Served) -> None:
    need_bubblewrap()
    async with NetworkProxy(policy(allow=("pypi.test",)), hosts=HOSTS) as proxy:
        _, out = await sandboxed(proxy, f"curl -sS -H 'Host: evil.test' http://pypi.test:{web.port}/host", tmp_path)
    assert out.strip() == f"host pypi.test:{web.port}"
