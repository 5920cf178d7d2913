"""`pycodex acp` without typer: the plain flags parsed by hand (the fast path) and the one function both paths
call. An editor waits for the answer to `initialize`, so nothing here imports more than it needs."""

from __future__ import annotations

import sys
from typing import Any

_VALUE_FLAGS = {
    "-c": "config",
    "--config": "config",
    "-p": "profile",
    "--profile": "profile",
    "-m": "model",
    "--model": "model",
    "-s": "sandbox",
    "--sandbox": "sandbox",
    "-a": "approval_policy",
    "--ask-for-approval": "approval_policy",
}
_SWITCHES = {"--strict-config": "strict_config", "--oss": "oss"}


def parse_fast(argv: list[str]) -> dict[str, Any] | None:
    """The options of `pycodex acp ARGS` without building the typer app; None (typer decides) for anything else:
    help, an unknown option, a missing value. `tests/cli` holds this parser and typer's to the same options."""
    options: dict[str, Any] = {"config": ()}
    index = 0
    while index < len(argv):
        word = argv[index]
        name, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in _SWITCHES and not eq:
            options[_SWITCHES[name]] = True
        elif name in _VALUE_FLAGS:
            if not eq:
                index += 1
                if index >= len(argv):
                    return None
                value = argv[index]
            key = _VALUE_FLAGS[name]
            options[key] = (*options["config"], value) if key == "config" else value
        else:
            return None
        index += 1
    return options


def run(
    *,
    config: tuple[str, ...] = (),
    profile: str | None = None,
    strict_config: bool = False,
    model: str | None = None,
    sandbox: str | None = None,
    approval_policy: str | None = None,
    oss: bool = False,
) -> int:
    """Check the flags and serve ACP on stdio; the exit code (2: usage error, 130: interrupted)."""
    if sys.stdin.isatty():
        sys.stderr.write(
            "pycodex acp speaks the Agent Client Protocol on stdin/stdout: an editor starts it. See the README "
            "(section 'pycodex acp') for Zed's agent_servers setting.\n"
        )
        return 2
    if sandbox is not None or approval_policy is not None:
        # Only then: the engine's config package is imported in the background while the front answers initialize.
        from agent.config import APPROVAL_POLICIES, SANDBOX_MODES

        for value, allowed, name in (
            (sandbox, SANDBOX_MODES, "--sandbox"),
            (approval_policy, APPROVAL_POLICIES, "--ask-for-approval"),
        ):
            if value is not None and value not in allowed:
                sys.stderr.write(f"error: invalid value for {name}: {value!r} (choose from {', '.join(allowed)})\n")
                return 2
    from acp_agent import AcpOptions, run_stdio

    options = AcpOptions(
        config_overrides=config,
        profile=profile,
        strict_config=strict_config,
        model=model,
        sandbox=sandbox,
        approval_policy=approval_policy,
        oss=oss,
    )
    try:
        return run_stdio(options)
    except KeyboardInterrupt:
        return 130
