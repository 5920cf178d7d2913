"""How a sandboxed command reaches the session's network proxy: the ports, the Unix sockets, the environment.

The proxy listens on ephemeral loopback ports of the host and on Unix sockets beside them. Under bubblewrap the
command has its own network namespace with nothing in it but loopback; a small forwarder (`_netns_bridge`) listens
there on the *same* port numbers and relays each connection to the Unix socket, which the namespace cannot stop
because it is a file. So the proxy variables below are right on both sides, and a command that ignores them finds
no network at all.

Pure stdlib (used on the `pycodex sandbox` path).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BRIDGE = str(Path(__file__).with_name("_netns_bridge.py"))

HOSTS_ENV = "PYCODEX_NETWORK_PROXY_HOSTS"
"""`name=address,name=address`: host names the proxy resolves without DNS (tests; air-gapped mirrors)."""

NO_PROXY = "localhost,127.0.0.1,::1,*.local,.local,169.254.0.0/16,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"

_HTTP_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "YARN_HTTP_PROXY",
    "YARN_HTTPS_PROXY",
    "npm_config_http_proxy",
    "npm_config_https_proxy",
    "npm_config_proxy",
    "NPM_CONFIG_HTTP_PROXY",
    "NPM_CONFIG_HTTPS_PROXY",
    "NPM_CONFIG_PROXY",
    "BUNDLE_HTTP_PROXY",
    "BUNDLE_HTTPS_PROXY",
    "PIP_PROXY",
    "DOCKER_HTTP_PROXY",
    "DOCKER_HTTPS_PROXY",
    "WS_PROXY",
    "WSS_PROXY",
)
_NO_PROXY_VARS = (
    "NO_PROXY",
    "no_proxy",
    "npm_config_noproxy",
    "NPM_CONFIG_NOPROXY",
    "YARN_NO_PROXY",
    "BUNDLE_NO_PROXY",
)


@dataclass(frozen=True)
class ProxyRoute:
    """Where the session's proxy listens: TCP ports on 127.0.0.1 and the Unix sockets that carry the same service."""

    http_port: int
    http_socket: str
    socks_port: int | None = None
    socks_socket: str | None = None
    allow_local_binding: bool = False

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def env(self) -> dict[str, str]:
        """The variables that send a command's traffic to the proxy (Codex's set, upper and lower case)."""
        env: dict[str, str] = {}
        for name in _HTTP_VARS:
            env[name] = self.http_url
            env[name.lower()] = self.http_url
        if self.socks_port is not None:
            socks = f"socks5h://127.0.0.1:{self.socks_port}"
            for name in ("ALL_PROXY", "FTP_PROXY"):
                env[name] = env[name.lower()] = socks
        for name in _NO_PROXY_VARS:
            env[name] = NO_PROXY
        env["ELECTRON_GET_USE_PROXY"] = "true"
        env["NODE_USE_ENV_PROXY"] = "1"
        env["CODEX_NETWORK_PROXY_ACTIVE"] = "1"
        env["CODEX_NETWORK_ALLOW_LOCAL_BINDING"] = "1" if self.allow_local_binding else "0"
        return env

    def landlock_args(self) -> list[str]:
        """What the Landlock helper inside bubblewrap lets through for the forwarder: its loopback ports (it binds
        them, the command connects to them), or any TCP when local binding is allowed (the namespace has nothing but
        loopback either way). Its Unix sockets need nothing: Landlock does not confine connecting to one."""
        if self.allow_local_binding:
            return ["--network"]
        ports = [self.http_port] if self.socks_port is None else [self.http_port, self.socks_port]
        return [arg for port in ports for arg in ("--tcp-port", str(port))]

    def bridge_argv(self, command: list[str]) -> list[str]:
        """`command` wrapped in the forwarder that serves the proxy ports inside the sandbox's network namespace."""
        args = [sys.executable, "-I", "-S", BRIDGE, f"{self.http_port}={self.http_socket}"]
        if self.socks_port is not None and self.socks_socket is not None:
            args.append(f"{self.socks_port}={self.socks_socket}")
        return [*args, "--", *command]


def proxy_hosts(env: Mapping[str, str]) -> dict[str, str]:
    """The host overrides of `PYCODEX_NETWORK_PROXY_HOSTS` in `env`."""
    pairs = [p.strip() for p in env.get(HOSTS_ENV, "").split(",") if p.strip()]
    return {name.strip(): address.strip() for name, _, address in (p.partition("=") for p in pairs) if address}
