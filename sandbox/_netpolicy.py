"""The network policy of a permission profile, and the decision it gives for one request.

Rules, as Codex's managed proxy applies them:

- allowlist first: a host no `allow` pattern matches is refused (an empty allowlist refuses everything), unless the
  session's approver says yes;
- deny wins: a host a `deny` pattern matches is refused even when an `allow` pattern matches too, and is never
  offered for approval;
- local and private addresses (loopback, RFC 1918, link-local, unique-local, `localhost`) are refused unless
  `allow_local_binding` is set or the exact IP literal or `localhost` is allowed; a hostname that *resolves* to such
  an address stays refused (the proxy checks again after resolving, and connects to the address it checked);
- `limited` mode lets only GET, HEAD and OPTIONS through. An HTTPS tunnel (CONNECT) or a SOCKS5 stream cannot be
  checked without intercepting TLS, which this proxy never does, so both are refused in limited mode.

Patterns: `*` matches every host, `*.example.com` every subdomain (not `example.com` itself), `**.example.com` the
domain and its subdomains, anything else one exact host. Hosts are compared lower-case, without a trailing dot.

Pure stdlib: the CLI uses it without pydantic or anyio.
"""

from __future__ import annotations

import ipaddress
import typing
from dataclasses import dataclass
from typing import Literal

NetworkMode = Literal["full", "limited"]
ProxyErrorCode = Literal[
    "blocked-by-allowlist",
    "blocked-by-denylist",
    "blocked-by-method-policy",
    "blocked-by-mitm-required",
    "blocked-by-policy",
]
"""Codex's `x-proxy-error` header values for a refused request."""

LIMITED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PREFIX = "blocked by the network policy"


@dataclass(frozen=True)
class Blocked:
    """A refusal: Codex's `x-proxy-error` code and a sentence that says why, naming the policy."""

    code: ProxyErrorCode
    message: str

    @property
    def short(self) -> str:
        """The reason without the host (for an HTTP reason phrase)."""
        return self.message.split(":", 1)[1].split("(", 1)[0].strip() if ":" in self.message else self.message


@dataclass(frozen=True)
class Allowed:
    """Let the request through; `rule` is the pattern (or `session`, `approved`) that allowed it."""

    rule: str


@dataclass(frozen=True)
class Ask:
    """The host is not in the allowlist: ask the session's approver (or refuse when there is none)."""

    host: str


Verdict = Allowed | Blocked | Ask


def normalize_host(host: str) -> str:
    """`host` lower-case, without brackets (IPv6) or a trailing dot."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


def pattern_matches(pattern: str, host: str) -> bool:
    """Whether `pattern` (`*`, `*.d`, `**.d` or an exact host) matches the normalised `host`."""
    pattern = normalize_host(pattern)
    if pattern == "*":
        return True
    if pattern.startswith("**."):
        base = pattern[3:]
        return host == base or host.endswith("." + base)
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def is_local_address(host: str) -> bool:
    """Whether `host` is `localhost` or an IP literal that is loopback, private, link-local or otherwise not global."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def validate_pattern(pattern: str) -> str | None:
    """Why `pattern` is not a usable domain pattern, or None when it is."""
    host = normalize_host(pattern)
    if not host:
        return "an empty pattern"
    if host == "*":
        return None
    body = host[3:] if host.startswith("**.") else host[2:] if host.startswith("*.") else host
    if not body or "*" in body or "/" in body or " " in body:
        return f"`{pattern}` is not a host, `*`, `*.domain` or `**.domain`"
    return None


@dataclass(frozen=True)
class NetworkPolicy:
    """`[permissions.<profile>.network]` resolved: whether commands get the network through the proxy, and its rules.

    `profile` names the permission profile in messages. `socks5` starts the SOCKS5 listener as well.
    """

    enabled: bool = False
    mode: NetworkMode = "full"
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_local_binding: bool = False
    socks5: bool = False
    profile: str = ""

    def _label(self) -> str:
        return f"{PREFIX} (profile `{self.profile}`)" if self.profile else PREFIX

    def blocked(self, code: ProxyErrorCode, why: str) -> Blocked:
        """A refusal whose message names this policy."""
        return Blocked(code, f"{self._label()}: {why}")

    def _explicitly_allowed(self, host: str) -> bool:
        return any(normalize_host(p) == host for p in self.allow)

    def check_host(self, host: str, *, approved: frozenset[str] = frozenset()) -> Verdict:
        """The verdict for a connection to `host` (before resolving it); `approved` are hosts allowed this session."""
        host = normalize_host(host)
        for pattern in self.deny:
            if pattern_matches(pattern, host):
                return self.blocked("blocked-by-denylist", f"domain denied ({host} matches the deny rule `{pattern}`)")
        if is_local_address(host) and not (self.allow_local_binding or self._explicitly_allowed(host)):
            return self.local_blocked(host)
        for pattern in self.allow:
            if pattern_matches(pattern, host):
                return Allowed(pattern)
        if host in approved:
            return Allowed("session")
        return Ask(host)

    def not_in_allowlist(self, host: str) -> Blocked:
        """The refusal for a host no rule allows and nobody approved."""
        return self.blocked("blocked-by-allowlist", f"{host} is not in the allowlist")

    def local_blocked(self, host: str, address: str | None = None) -> Blocked:
        """The refusal for a local or private destination."""
        shown = f"{host} ({address})" if address and address != host else host
        return self.blocked(
            "blocked-by-allowlist",
            f"{shown} is a local or private address (allow it by its IP or set allow_local_binding = true)",
        )

    def check_address(self, host: str, address: str) -> Blocked | None:
        """After resolving `host` to `address`: the refusal when the address is local and that was not allowed."""
        host = normalize_host(host)
        if not is_local_address(address) or self.allow_local_binding:
            return None
        if self._explicitly_allowed(host) and (host == address or host == "localhost"):
            return None
        return self.local_blocked(host, address)

    def check_method(self, method: str) -> Blocked | None:
        """In limited mode, the refusal of a method other than GET, HEAD and OPTIONS."""
        if self.mode == "limited" and method.upper() not in LIMITED_METHODS:
            if method.upper() in ("CONNECT", "SOCKS5"):
                return self.blocked(
                    "blocked-by-mitm-required",
                    "limited mode allows only GET, HEAD and OPTIONS, and the methods inside an encrypted tunnel "
                    "cannot be checked",
                )
            return self.blocked(
                "blocked-by-method-policy", f"limited mode allows only GET, HEAD and OPTIONS (not {method.upper()})"
            )
        return None

    def lines(self) -> list[str]:
        """The policy for a person (`pycodex sandbox status`)."""
        if not self.enabled:
            return ["network: off (commands have no network)"]
        where = f" (permission profile `{self.profile}`)" if self.profile else ""
        out = [f"network: through the policy proxy{where}, mode {self.mode}"]
        out.append(f"  allow: {', '.join(self.allow) if self.allow else '(nothing: the allowlist is empty)'}")
        out.append(f"  deny: {', '.join(self.deny) if self.deny else '(nothing)'}")
        local = "allowed" if self.allow_local_binding else "blocked unless allowed by IP or `localhost`"
        out.append(f"  local and private addresses: {local}")
        out.append(f"  SOCKS5: {'on' if self.socks5 else 'off'}")
        return out

    def to_json(self) -> dict[str, object]:
        """The policy as plain JSON-ready data."""
        return {
            "enabled": self.enabled,
            "profile": self.profile or None,
            "mode": self.mode,
            "allow": list(self.allow),
            "deny": list(self.deny),
            "allow_local_binding": self.allow_local_binding,
            "enable_socks5": self.socks5,
        }


Protocol = Literal["http", "https", "socks5"]


class Gate(typing.Protocol):
    """What a protocol handler (`_proxy_http`, `_proxy_socks`) asks about each request: the `NetworkProxy`."""

    async def admit(self, protocol: Protocol, method: str, host: str, port: int) -> tuple[str, Blocked | None]:
        """(the address to connect to, None) or ("", the refusal)."""
        ...
