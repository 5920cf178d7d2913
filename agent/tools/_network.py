"""The session's side of the network proxy: asking about new hosts, remembering "always", telling the model.

The proxy (in `sandbox`) calls `NetworkApprover.__call__` for a host no rule covers. Under `on-request` and
`untrusted` the question goes to the front end's approval handler as a `NetworkApprovalRequest` (with the call id of
the command that is running); under `never` and `on-failure` nobody is asked and the host is refused. "Always"
adds `"host" = "allow"` to `[permissions.<profile>.network.domains]` in the user's config.toml, keeping its comments
and layout (tomlkit). Every decision of the proxy is appended to `$CODEX_HOME/log/network.jsonl` (0600): time,
thread, host, port, method and the rule or refusal, never a path or a body.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import anyio
import anyio.abc

import sandbox

from .._protocol import EventMsg, NetworkApprovalRequest, ReviewDecision, Warning
from ..config import Config
from ._approvals import ApprovalHandler

_ANSWERS: dict[ReviewDecision, sandbox.ApprovalAnswer] = {
    "approved": "allow_once",
    "approved_for_session": "allow_session",
    "approved_execpolicy_amendment": "allow_always",
    "denied": "deny",
    "abort": "deny",
}


class NetworkApprover:
    """Answers the proxy's questions through the session's approval handler.

    `current` returns (turn id, call id) of the command most likely to have made the request (the latest one
    running), or None outside a command.
    """

    def __init__(
        self,
        config: Callable[[], Config],
        approvals: Callable[[], ApprovalHandler],
        emit: Callable[[EventMsg], Awaitable[None]],
        current: Callable[[], tuple[str, str] | None],
    ) -> None:
        self._config = config
        self._approvals = approvals
        self._emit = emit
        self._current = current

    async def __call__(self, request: sandbox.NetworkRequest) -> sandbox.ApprovalAnswer | None:
        config = self._config()
        if config.approval_policy not in ("on-request", "untrusted"):
            return None  # nobody may be asked: the host is simply not in the allowlist
        turn_id, call_id = self._current() or ("", "network")
        profile = config.permissions_profile
        where = f" of permission profile `{profile}`" if profile else ""
        question = NetworkApprovalRequest(
            call_id=call_id,
            host=request.host,
            port=request.port,
            protocol=request.protocol,
            method=request.method,
            reason=f"network access to {request.host}:{request.port} ({request.method}) is not in the allowlist{where}",
            profile=profile,
        )
        await self._emit(question)
        decision = await self._approvals().request_approval(question, turn_id)
        answer = _ANSWERS.get(decision, "deny")
        if answer == "allow_always" and profile:
            path = config.codex_home / "config.toml"
            try:
                await anyio.to_thread.run_sync(remember_domain, path, profile, request.host)
            except (OSError, ValueError) as exc:
                await self._emit(
                    Warning(message=f"could not save the network rule for {request.host} to {path}: {exc}")
                )
        return answer


def remember_domain(path: Path, profile: str, host: str) -> None:
    """Add `"host" = "allow"` to `[permissions.<profile>.network.domains]` of `path`, keeping comments (atomic)."""
    import tomlkit
    from tomlkit.items import InlineTable, Table

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    document = tomlkit.parse(text)
    node: Any = document
    for key in ("permissions", profile, "network"):
        if key not in node:
            node[key] = tomlkit.table(is_super_table=key != "network")
        node = node[key]
        if not isinstance(node, Table | InlineTable):
            raise ValueError(f"`{key}` is not a table")
    if "domains" not in node:
        node["domains"] = tomlkit.inline_table()
    domains = node["domains"]
    if not isinstance(domains, Table | InlineTable):
        raise ValueError(f"permissions.{profile}.network.domains is not a table")
    cast("dict[str, Any]", domains)[host] = "allow"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tomlkit.dumps(document))
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def blocked_note(decisions: list[sandbox.NetworkDecision]) -> str:
    """Lines for the model saying which requests of a command the proxy refused, and why."""
    seen: dict[str, None] = {}
    for decision in decisions:
        seen[
            f"network: {decision.method} {decision.host}:{decision.port} refused ({decision.code}): {decision.message}"
        ] = None
    return "\n".join(seen)


async def start_proxy(session: Any, task_group: anyio.abc.TaskGroup) -> sandbox.NetworkProxy:
    """Start the network proxy of `session` (an `agent.Session`) in its task group; stopped when it closes."""
    from sandbox import proxy_hosts

    def current() -> tuple[str, str] | None:
        turn = session._turn
        latest = session._exec.latest() if session._exec is not None else None
        if latest is None:
            return None
        return (turn.turn_id if turn is not None else "", latest[0])

    approver = NetworkApprover(lambda: session.config, lambda: session.approvals, session._emit_msg_current, current)
    audit = session.config.codex_home / "log" / "network.jsonl"

    def on_decision(decision: sandbox.NetworkDecision) -> None:
        line = audit_line(decision, thread_id=session.thread_id, profile=session.config.permissions_profile)
        task_group.start_soon(_append, audit, line)

    proxy = sandbox.NetworkProxy(
        session.config.network, approver=approver, hosts=proxy_hosts(os.environ), on_decision=on_decision
    )
    await task_group.start(proxy.serve)
    return proxy


def audit_line(decision: sandbox.NetworkDecision, *, thread_id: str, profile: str | None) -> str:
    """One line of `$CODEX_HOME/log/network.jsonl`: who asked for which host and what the policy said.

    Never a path, a query or a body: those can carry secrets."""
    record = {
        "ts": datetime.datetime.fromtimestamp(decision.at, datetime.UTC).isoformat(timespec="milliseconds"),
        "thread_id": thread_id,
        "profile": profile,
        "protocol": decision.protocol,
        "method": decision.method,
        "host": decision.host,
        "port": decision.port,
        "allowed": decision.allowed,
        "rule": decision.rule or None,
        "code": decision.code,
        "message": decision.message or None,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


async def _append(path: Path, line: str) -> None:
    # Shielded: a decision made just before the session ends is still written.
    with anyio.CancelScope(shield=True):
        try:
            await anyio.to_thread.run_sync(_append_sync, path, line)
        except OSError:
            pass  # the audit log is best effort; the decision itself already took effect and was logged


def _append_sync(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
