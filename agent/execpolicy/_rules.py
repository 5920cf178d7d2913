"""Rules and their matches: prefix rules over argv, and network rules kept for a future proxy."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ._decision import Decision
from ._words import debug_str, debug_str_list

PatternToken = tuple[str, ...]
"""The strings one position of a pattern accepts: a single token, or several alternatives."""


@dataclass(frozen=True, slots=True)
class PrefixPattern:
    """A command prefix: an exact first token, then one `PatternToken` per following position.

    With `canonical_matching`, tokens compare case-insensitively (a rule for `git` also matches `GIT`).
    """

    first: str
    rest: tuple[PatternToken, ...] = ()
    canonical_matching: bool = False

    def __len__(self) -> int:
        return len(self.rest) + 1

    @property
    def program_key(self) -> str:
        """The key a policy files this pattern under (lower-cased for canonical matching)."""
        return self.first.lower() if self.canonical_matching else self.first

    def matches_prefix(self, command: Sequence[str]) -> tuple[str, ...] | None:
        """The matched prefix of `command` (its own tokens), or None when the pattern does not match."""
        if len(command) < len(self):
            return None
        if self.canonical_matching:
            if command[0].lower() != self.first.lower():
                return None
            for alternatives, token in zip(self.rest, command[1:], strict=False):
                lowered = token.lower()
                if all(alternative.lower() != lowered for alternative in alternatives):
                    return None
        else:
            if command[0] != self.first:
                return None
            for alternatives, token in zip(self.rest, command[1:], strict=False):
                if token not in alternatives:
                    return None
        return tuple(command[: len(self)])

    def debug(self) -> str:
        rest = ", ".join(
            f"Single({debug_str(token[0])})" if len(token) == 1 else f"Alts({debug_str_list(token)})"
            for token in self.rest
        )
        canonical = "true" if self.canonical_matching else "false"
        return f"PrefixPattern {{ canonical_matching: {canonical}, first: {debug_str(self.first)}, rest: [{rest}] }}"


@dataclass(frozen=True, slots=True)
class PrefixRule:
    """`prefix_rule(...)`: commands starting with `pattern` get `decision`."""

    pattern: PrefixPattern
    decision: Decision = Decision.ALLOW
    justification: str | None = None

    @property
    def program(self) -> str:
        """The first token this rule applies to."""
        return self.pattern.first

    def matches(self, command: Sequence[str]) -> PrefixRuleMatch | None:
        """This rule's match for `command`, or None."""
        prefix = self.pattern.matches_prefix(command)
        if prefix is None:
            return None
        return PrefixRuleMatch(matched_prefix=prefix, decision=self.decision, justification=self.justification)

    def debug(self) -> str:
        """The rule as Codex renders it in example errors (Rust `Debug`)."""
        return (
            f"PrefixRule {{ pattern: {self.pattern.debug()}, decision: {self.decision.debug_name}, "
            f"justification: {_debug_option(self.justification)} }}"
        )


@dataclass(frozen=True, slots=True)
class PrefixRuleMatch:
    """A prefix rule that matched.

    Attributes:
        matched_prefix: the command's tokens the pattern covered (with the basename in place of an absolute
            program when `resolved_program` is set).
        decision: the rule's decision.
        justification: the rule's justification, if it has one.
        resolved_program: the absolute program that was matched through its basename.
    """

    matched_prefix: tuple[str, ...]
    decision: Decision
    justification: str | None = None
    resolved_program: str | None = None

    def to_json(self) -> dict[str, object]:
        """The `prefixRuleMatch` object of `codex execpolicy check`, keys in Codex's order."""
        body: dict[str, object] = {"matchedPrefix": list(self.matched_prefix), "decision": self.decision.value}
        if self.resolved_program is not None:
            body["resolvedProgram"] = self.resolved_program
        if self.justification is not None:
            body["justification"] = self.justification
        return {"prefixRuleMatch": body}

    def debug(self) -> str:
        program = f"Some(AbsolutePathBuf({debug_str(self.resolved_program)}))" if self.resolved_program else "None"
        return (
            f"PrefixRuleMatch {{ matched_prefix: {debug_str_list(self.matched_prefix)}, "
            f"decision: {self.decision.debug_name}, resolved_program: {program}, "
            f"justification: {_debug_option(self.justification)} }}"
        )


@dataclass(frozen=True, slots=True)
class HeuristicsRuleMatch:
    """No rule matched `command`; `decision` came from the caller's heuristics."""

    command: tuple[str, ...]
    decision: Decision


RuleMatch = PrefixRuleMatch | HeuristicsRuleMatch


class NetworkProtocol(enum.StrEnum):
    """The protocols a `network_rule` can name (`https_connect` and `http-connect` mean `https`)."""

    HTTP = "http"
    HTTPS = "https"
    SOCKS5_TCP = "socks5_tcp"
    SOCKS5_UDP = "socks5_udp"

    @classmethod
    def parse(cls, raw: str) -> NetworkProtocol:
        """Parse a rule file's protocol string; raises ValueError with Codex's message otherwise."""
        if raw in ("https_connect", "http-connect"):
            return cls.HTTPS
        try:
            return cls(raw)
        except ValueError:
            raise ValueError(
                f"invalid rule: network_rule protocol {raw!r} is not one of http, https, socks5_tcp, socks5_udp"
            ) from None


@dataclass(frozen=True, slots=True)
class NetworkRule:
    """`network_rule(...)`: parsed and kept for a network proxy; not used to decide about commands."""

    host: str
    protocol: NetworkProtocol
    decision: Decision
    justification: str | None = None


def normalize_network_host(raw: str) -> str:
    """Lower-case a host and strip a trailing dot and `:port`; raises ValueError if it is not a plain host."""
    host = raw.strip()
    if not host:
        raise ValueError("invalid rule: network_rule needs a non-empty host")
    if "://" in host or any(c in host for c in "/?#"):
        raise ValueError(
            "invalid rule: network_rule host takes a bare host name or IP address, without a scheme or path"
        )
    if host.startswith("["):
        inside, bracket, rest = host[1:].partition("]")
        if not bracket:
            raise ValueError("invalid rule: network_rule host has an unclosed `[` IPv6 literal")
        port = rest.removeprefix(":")
        if rest and not (rest.startswith(":") and port.isascii() and port.isdigit()):
            raise ValueError(
                f"invalid rule: network_rule host {raw!r} has something other than a port after its IPv6 literal"
            )
        host = inside
    elif host.count(":") == 1:
        candidate, _, port = host.partition(":")
        if candidate and port.isascii() and port.isdigit():
            host = candidate
    normalized = host.rstrip(".").strip().lower()
    if not normalized:
        raise ValueError("invalid rule: network_rule needs a non-empty host")
    if "*" in normalized:
        raise ValueError("invalid rule: network_rule host must name one host; wildcards are not supported")
    if any(c.isspace() for c in normalized):
        raise ValueError("invalid rule: network_rule host contains whitespace")
    return normalized


def _debug_option(value: str | None) -> str:
    return "None" if value is None else f"Some({debug_str(value)})"
