"""One command, run to completion under the thread's sandbox policy (the app-server's `command/exec`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

import sandbox

from ..config import Config


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output: str
    """stdout and stderr together, as the sandbox's pipe gives them."""
    timed_out: bool = False


async def run_command(
    config: Config,
    argv: list[str],
    *,
    cwd: Path | None = None,
    timeout_ms: int | None = None,
    sandbox_mode: sandbox.SandboxMode | None = None,
    env: dict[str, str] | None = None,
) -> CommandResult:
    """Run `argv` confined by the config's sandbox policy (or `sandbox_mode`'s) and wait for it.

    Raises `sandbox.SandboxError` subclasses when the sandbox cannot be set up and `FileNotFoundError` when `cwd`
    does not exist; the command is killed when `timeout_ms` passes (exit code 124).
    """
    policy: Any = config.sandbox_policy
    if sandbox_mode is not None and sandbox_mode != config.sandbox_mode:
        policy = sandbox.policy_for_mode(sandbox_mode)
    env_policy = sandbox.ShellEnvironmentPolicy.model_validate(config.toml.shell_environment_policy.model_dump())
    full_env = sandbox.build_env(env_policy, sandbox_policy=policy)
    full_env.update(env or {})
    workdir = cwd or config.cwd
    code, output, timed_out = 0, "", False
    async with anyio.create_task_group() as tg:
        process = await sandbox.spawn(
            argv,
            cwd=workdir,
            env=full_env,
            policy=policy,
            policy_cwd=config.cwd,
            task_group=tg,
            allow_degraded=config.toml.sandbox_allow_degraded,
        )
        try:
            with anyio.fail_after(timeout_ms / 1000 if timeout_ms else None):
                code = await process.wait()
        except TimeoutError:
            timed_out = True
            process.kill()
            code = 124
        finally:
            if not process.finished:
                process.kill()
        output = process.take_output().decode("utf-8", errors="replace")
    return CommandResult(code, output, timed_out)
