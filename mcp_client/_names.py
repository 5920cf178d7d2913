"""Model-visible names for MCP tools, as Codex allocates them.

Each tool gets a namespace `mcp__<server>__` and a name (the raw tool name); both are sanitised (every character
outside `[A-Za-z0-9_]` becomes `_`). The flat name is namespace + name, at most 64 bytes. When two different raw
identities sanitise to the same namespace or name, the colliding part gets `_` + the first 12 hex digits of the
SHA-1 of the raw identity (for a namespace, inserted before its trailing `__`); a name that would still be too long
or taken is truncated to make room for the suffix, retrying with `identity\\0<n>` until it is unique.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

MCP_TOOL_PREFIX = "mcp__"
MCP_TOOL_DELIMITER = "__"
MAX_TOOL_NAME_BYTES = 64
_HASH_LEN = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def sanitize_tool_name(value: str) -> str:
    """Replace every character outside `[A-Za-z0-9_]` with `_` (an empty result becomes `_`)."""
    cleaned = _UNSAFE.sub("_", value)
    return cleaned or "_"


@dataclass(frozen=True, slots=True)
class QualifiedToolName:
    """Where one raw MCP tool lands in the model's tool list."""

    server: str
    """The configured server name."""
    tool: str
    """The raw tool name, used on the wire."""
    namespace: str
    """The flat namespace, with its trailing `__` (`mcp__everything__`)."""
    name: str
    """The sanitised tool part (`get_sum`)."""

    @property
    def qualified(self) -> str:
        """The flat model-visible name: `mcp__<server>__<tool>`."""
        return self.namespace + self.name

    @property
    def responses_namespace(self) -> str:
        """The namespace of the Responses wire's namespaced tools: `mcp__<server>` (no trailing `__`)."""
        return self.namespace.removesuffix(MCP_TOOL_DELIMITER)


def _suffix(identity: str) -> str:
    return "_" + hashlib.sha1(identity.encode()).hexdigest()[:_HASH_LEN]


def _namespace_with_hash(namespace: str, identity: str) -> str:
    if namespace.endswith(MCP_TOOL_DELIMITER):
        return namespace.removesuffix(MCP_TOOL_DELIMITER) + _suffix(identity) + MCP_TOOL_DELIMITER
    return namespace + _suffix(identity)


def _fit_with_hash(namespace: str, name: str, identity: str) -> tuple[str, str]:
    suffix = _suffix(identity)
    room = MAX_TOOL_NAME_BYTES - len(namespace.encode())
    if room >= len(suffix):
        return namespace, name[: room - len(suffix)] + suffix
    return namespace[: MAX_TOOL_NAME_BYTES - len(suffix)], suffix


def _unique(namespace: str, name: str, identity: str, used: set[str]) -> tuple[str, str]:
    flat = namespace + name
    if len(flat.encode()) <= MAX_TOOL_NAME_BYTES and flat not in used:
        used.add(flat)
        return namespace, name
    attempt = 0
    while True:
        seed = identity if attempt == 0 else f"{identity}\0{attempt}"
        candidate = _fit_with_hash(namespace, name, seed)
        flat = candidate[0] + candidate[1]
        if flat not in used:
            used.add(flat)
            return candidate
        attempt += 1


def qualify_tools(tools: Iterable[tuple[str, str]]) -> list[QualifiedToolName]:
    """Allocate unique model-visible names for `(server, raw tool name)` pairs.

    Duplicated pairs are dropped. The result is sorted by raw identity, so it does not depend on the order in
    which servers answered.
    """
    seen: set[str] = set()
    candidates: list[tuple[str, str, str, str, str, str]] = []
    for server, tool in tools:
        raw_namespace = f"{MCP_TOOL_PREFIX}{server}{MCP_TOOL_DELIMITER}"
        namespace_identity = f"{server}\0{raw_namespace}\0"
        tool_identity = f"{namespace_identity}\0{tool}\0{tool}"
        if tool_identity in seen:
            continue
        seen.add(tool_identity)
        candidates.append(
            (
                server,
                tool,
                sanitize_tool_name(raw_namespace),
                sanitize_tool_name(tool),
                namespace_identity,
                tool_identity,
            )
        )

    identities_by_namespace: dict[str, set[str]] = {}
    for _, _, namespace, _, namespace_identity, _ in candidates:
        identities_by_namespace.setdefault(namespace, set()).add(namespace_identity)
    step: list[tuple[str, str, str, str, str, str]] = []
    for server, tool, namespace, name, namespace_identity, tool_identity in candidates:
        if len(identities_by_namespace[namespace]) > 1:
            namespace = _namespace_with_hash(namespace, namespace_identity)
        step.append((server, tool, namespace, name, namespace_identity, tool_identity))

    identities_by_name: dict[tuple[str, str], set[str]] = {}
    for _, _, namespace, name, _, tool_identity in step:
        identities_by_name.setdefault((namespace, name), set()).add(tool_identity)
    final: list[tuple[str, str, str, str, str]] = []
    for server, tool, namespace, name, _, tool_identity in step:
        if len(identities_by_name[(namespace, name)]) > 1:
            name = name + _suffix(tool_identity)
        final.append((tool_identity, server, tool, namespace, name))

    final.sort(key=lambda item: item[0])
    used: set[str] = set()
    result: list[QualifiedToolName] = []
    for tool_identity, server, tool, namespace, name in final:
        namespace, name = _unique(namespace, name, tool_identity, used)
        result.append(QualifiedToolName(server=server, tool=tool, namespace=namespace, name=name))
    return result


def split_qualified_name(qualified: str) -> tuple[str, str] | None:
    """Split `mcp__<server>__<tool>` back into its two parts, or `None` if it is not such a name.

    This is a best-effort reverse of the plain form; the lookup the agent should use is the table that
    `qualify_tools` returned, since sanitising and hashing are not reversible.
    """
    if not qualified.startswith(MCP_TOOL_PREFIX):
        return None
    server, sep, tool = qualified[len(MCP_TOOL_PREFIX) :].partition(MCP_TOOL_DELIMITER)
    if not sep or not server or not tool:
        return None
    return server, tool
