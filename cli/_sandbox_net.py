"""`pycodex sandbox linux` under a permission profile with a network table: the command behind the policy proxy.

The proxy runs on an event loop in a background thread for as long as the command runs; nobody is asked about
hosts outside the allowlist (they are refused). What the policy refused is printed on stderr once the command has
exited, so the reason is not lost when a client prints only "403".
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from sandbox import NetworkPolicy, Plan


def run_with_proxy(
    policy: NetworkPolicy,
    command: list[str],
    plan: Plan,
    *,
    env: dict[str, str],
    cwd: Path,
    settings: Any,
    start: Callable[..., int],
) -> int:
    """Start the proxy for `policy`, run `command` routed through it, report the refusals; the command's exit code."""
    from anyio.from_thread import start_blocking_portal

    from sandbox import NetworkProxy, proxy_hosts

    typer.echo(f"pycodex sandbox: {'; '.join(line.strip() for line in policy.lines())}", err=True)
    proxy = NetworkProxy(policy, hosts=proxy_hosts(os.environ))
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(proxy):
        route = proxy.route
        env.pop("CODEX_SANDBOX_NETWORK_DISABLED", None)
        env.update(route.env())
        code = start(
            command, dataclasses.replace(plan, proxy=route), env=env, cwd=cwd, allow_degraded=settings.allow_degraded
        )
        for decision in proxy.blocked_since(0):
            typer.echo(
                f"pycodex sandbox: network: {decision.method} {decision.host}:{decision.port} refused "
                f"({decision.code}): {decision.message}",
                err=True,
            )
    return code
