"""The network policy's rules, permission profiles read from TOML tables, the proxy variables, the proxied filter."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox import NetworkPolicy, ProfileError, permission_profile
from sandbox._netpolicy import Allowed, Ask, Blocked, is_local_address, pattern_matches
from sandbox._route import NO_PROXY, ProxyRoute, proxy_hosts
from sandbox._seccomp import AARCH64, RET_ALLOW, X86_64, Arch, build_filter

from .test_seccomp import EPERM, run_bpf


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("*", "anything.example", True),
        ("example.com", "example.com", True),
        ("example.com", "www.example.com", False),
        ("*.example.com", "www.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "badexample.com", False),
        ("**.example.com", "example.com", True),
        ("**.example.com", "x.example.com", True),
        ("Example.COM.", "example.com", True),
    ],
)
def test_domain_patterns(pattern: str, host: str, matches: bool) -> None:
    assert pattern_matches(pattern, host) is matches


def test_deny_wins_over_allow_and_an_empty_allowlist_asks_about_everything() -> None:
    policy = NetworkPolicy(enabled=True, allow=("*.example.com",), deny=("bad.example.com",), profile="p")
    assert policy.check_host("ok.example.com") == Allowed("*.example.com")
    denied = policy.check_host("BAD.example.com.")
    assert isinstance(denied, Blocked) and denied.code == "blocked-by-denylist"
    assert denied.message == (
        "blocked by the network policy (profile `p`): domain denied (bad.example.com matches the deny rule "
        "`bad.example.com`)"
    )
    assert NetworkPolicy(enabled=True).check_host("example.com") == Ask("example.com")
    assert policy.check_host("other.org", approved=frozenset({"other.org"})) == Allowed("session")


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "localhost"])
def test_local_and_private_addresses_are_refused_unless_allowed(host: str) -> None:
    assert is_local_address(host)
    verdict = NetworkPolicy(enabled=True, allow=("*",)).check_host(host)
    assert (
        isinstance(verdict, Blocked)
        and verdict.code == "blocked-by-allowlist"
        and "local or private" in verdict.message
    )
    assert NetworkPolicy(enabled=True, allow=(host,)).check_host(host) == Allowed(host)
    assert NetworkPolicy(enabled=True, allow=("*",), allow_local_binding=True).check_host(host) == Allowed("*")


def test_a_name_resolving_to_a_local_address_stays_refused() -> None:
    policy = NetworkPolicy(enabled=True, allow=("internal.corp", "127.0.0.1"))
    refusal = policy.check_address("internal.corp", "10.0.0.5")
    assert refusal is not None and "internal.corp (10.0.0.5) is a local or private address" in refusal.message
    assert policy.check_address("127.0.0.1", "127.0.0.1") is None
    assert policy.check_address("example.org", "93.184.216.34") is None
    assert not is_local_address("93.184.216.34")


def test_limited_mode_allows_only_get_head_and_options() -> None:
    policy = NetworkPolicy(enabled=True, mode="limited")
    assert [policy.check_method(m) for m in ("GET", "head", "OPTIONS")] == [None, None, None]
    post = policy.check_method("POST")
    assert post is not None and post.code == "blocked-by-method-policy"
    tunnel = policy.check_method("CONNECT")
    assert tunnel is not None and tunnel.code == "blocked-by-mitm-required"
    assert NetworkPolicy(enabled=True).check_method("DELETE") is None


def test_a_profile_maps_filesystem_entries_onto_the_sandbox_modes() -> None:
    tables: dict[str, object] = {
        "ro": {"filesystem": {":root": "read", "/etc": "read"}},
        "ws": {"filesystem": {":project_roots": {".": "write"}, "/tmp": "write", "~/cache": "write"}},
        "all": {"filesystem": {":root": "write"}},
        "none": {},
    }
    assert permission_profile(tables, "ro").mode == "read-only"
    assert permission_profile(tables, "none").mode == "read-only"
    ws = permission_profile(tables, "ws")
    assert (ws.mode, ws.exclude_slash_tmp, ws.exclude_tmpdir_env_var) == ("workspace-write", False, True)
    assert ws.writable_roots == (Path("~/cache").expanduser(),) and ws.warnings == ()
    assert permission_profile(tables, "all").mode == "danger-full-access"


def test_a_profile_refuses_what_it_cannot_enforce_and_warns_about_what_it_ignores() -> None:
    with pytest.raises(ProfileError) as raised:
        permission_profile({"x": {"filesystem": {":root": "write"}, "network": {"enabled": True}}}, "x")
    assert raised.value.key == "permissions.x.filesystem"
    profile = permission_profile(
        {"x": {"network": {"enabled": True, "unix_sockets": {"/s": "allow"}, "colour": 1}, "extra": {}}}, "x"
    )
    assert profile.warnings == (
        "unknown configuration key `permissions.x.extra` (ignored)",
        "unknown configuration key `permissions.x.network.colour` (ignored)",
        "`permissions.x.network.unix_sockets` is ignored: Unix socket rules are not supported",
    )


def test_the_route_sets_codexs_proxy_variables() -> None:
    env = ProxyRoute(http_port=4000, http_socket="/s", socks_port=4001, socks_socket="/t").env()
    for name in ("HTTP_PROXY", "https_proxy", "npm_config_proxy", "PIP_PROXY", "YARN_HTTPS_PROXY", "WSS_PROXY"):
        assert env[name] == "http://127.0.0.1:4000", name
    assert env["ALL_PROXY"] == env["all_proxy"] == "socks5h://127.0.0.1:4001"
    assert env["NO_PROXY"] == env["no_proxy"] == NO_PROXY
    assert env["CODEX_NETWORK_PROXY_ACTIVE"] == "1" and env["CODEX_NETWORK_ALLOW_LOCAL_BINDING"] == "0"
    assert "ALL_PROXY" not in ProxyRoute(http_port=4000, http_socket="/s").env()
    assert proxy_hosts({"PYCODEX_NETWORK_PROXY_HOSTS": "a.test=127.0.0.1, b.test=::1,broken"}) == {
        "a.test": "127.0.0.1",
        "b.test": "::1",
    }


@pytest.mark.parametrize("arch", [pytest.param(X86_64, id="x86_64"), pytest.param(AARCH64, id="aarch64")])
def test_the_proxied_filter_allows_inet_sockets_and_nothing_more_exotic(arch: Arch) -> None:
    program = build_filter(network=False, proxied=True, arch=arch)

    def verdict(name: str, *args: int) -> int:
        return run_bpf(program, arch=arch.audit_arch, nr=arch.numbers[name], args=args)

    for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
        assert verdict("socket", family) == RET_ALLOW
    for family in (socket.AF_NETLINK, socket.AF_PACKET):
        assert verdict("socket", family) == EPERM
    assert verdict("socketpair", socket.AF_INET) == EPERM
    assert verdict("connect") == RET_ALLOW and verdict("bind") == RET_ALLOW
    assert verdict("ptrace") == EPERM


def test_a_proxied_plan_runs_the_forwarder_in_a_new_network_namespace_under_bubblewrap() -> None:
    from sandbox._confine import confine_plan
    from sandbox._detect import SandboxReport
    from sandbox._plan import Plan
    from sandbox._route import BRIDGE

    route = ProxyRoute(http_port=4000, http_socket="/run/p/http.sock")
    plan = Plan(full_write=False, network=False, proxy=route)
    report = SandboxReport(platform="linux", backend="bubblewrap", bwrap_path="/usr/bin/bwrap", bwrap_usable=True)
    confined = confine_plan(["curl", "x"], plan, cwd=Path("/"), report=report)
    try:
        assert "--unshare-net" in confined.argv
        tail = confined.argv[confined.argv.index("--chdir") + 3 :]  # past "--chdir", "/", "--"
        assert tail[1:] == ["-I", "-S", BRIDGE, "4000=/run/p/http.sock", "--", "curl", "x"]
    finally:
        confined.release()


def test_under_bubblewrap_the_landlock_helper_starts_the_forwarder_and_opens_only_the_proxy_ports() -> None:
    from sandbox._confine import confine_plan
    from sandbox._detect import SandboxReport
    from sandbox._native import helper_argv
    from sandbox._plan import Plan
    from sandbox._route import BRIDGE

    route = ProxyRoute(http_port=4000, http_socket="/run/p/http.sock", socks_port=4001, socks_socket="/run/p/s.sock")
    report = SandboxReport(
        platform="linux", backend="bubblewrap", bwrap_path="/usr/bin/bwrap", bwrap_usable=True, landlock_abi=4
    )
    for local, opens in ((False, ["--tcp-port", "4000", "--tcp-port", "4001"]), (True, ["--network"])):
        plan = Plan(full_write=False, network=False, proxy=replace(route, allow_local_binding=local))
        confined = confine_plan(["curl", "x"], plan, cwd=Path("/"), report=report, ready_fd=9)
        try:
            tail = confined.argv[confined.argv.index("--chdir") + 3 :]
            helper = tail[: tail.index("--") + 1]
            # bubblewrap, then the helper (guard, Landlock, the ready byte), then the forwarder, then the command.
            prefix = helper_argv()
            assert helper[: len(prefix)] == prefix and helper[len(prefix) : len(prefix) + 2] == ["--ready-fd", "9"]
            assert [a for a in helper if a in ("--tcp-port", "--network", "4000", "4001")] == opens
            forwarder = tail[len(helper) :]
            assert forwarder[1:] == [
                "-I", "-S", BRIDGE, "4000=/run/p/http.sock", "4001=/run/p/s.sock", "--", "curl", "x"
            ]  # fmt: skip
            assert 9 in confined.pass_fds
        finally:
            confined.release()


def test_without_bubblewrap_a_proxied_plan_gets_no_network_and_says_so() -> None:
    from sandbox._confine import PROXY_NEEDS_NETNS, confine_plan
    from sandbox._detect import SandboxReport
    from sandbox._plan import Plan

    plan = Plan(full_write=False, network=False, proxy=ProxyRoute(http_port=4000, http_socket="/s"))
    report = SandboxReport(platform="linux", backend="landlock", landlock_abi=4, seccomp=True)
    confined = confine_plan(["curl", "x"], plan, cwd=Path("/"), report=report, backend="landlock")
    try:
        assert PROXY_NEEDS_NETNS in confined.warnings
        assert "--network" not in confined.argv and "4000=/s" not in confined.argv
    finally:
        confined.release()
