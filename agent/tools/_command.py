"""One command, run to completion under the thread's sandbox policy (the app-server's `command/exec`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

import sandbox

from ..config import Config


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False


class _Capture:
    """The first `cap` bytes of one stream (all of it when `cap` is None); the rest is read and dropped."""

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self.data = bytearray()

    def __call__(self, chunk: bytes) -> None:
        room = len(chunk) if self.cap is None else max(0, self.cap - len(self.data))
        self.data.extend(chunk[:room])

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


async def run_command(
    config: Config,
    argv: list[str],
    *,
    cwd: Path | None = None,
    timeout_ms: int | None = None,
    sandbox_mode: sandbox.SandboxMode | None = None,
    env: Mapping[str, str | None] | None = None,
    output_cap: int | None = None,
) -> CommandResult:
    """Run `argv` confined by the config's sandbox policy (or `sandbox_mode`'s) and wait for it.

    stdout and stderr are captured apart, each cut to its first `output_cap` bytes (no cap when None); a None in
    `env` unsets that inherited variable. Raises `sandbox.SandboxError` subclasses when the sandbox cannot be set up
    and `FileNotFoundError` when `cwd` does not exist; the command is killed when `timeout_ms` passes (exit code 124).
    """
    policy: Any = config.sandbox_policy
    if sandbox_mode is not None and sandbox_mode != config.sandbox_mode:
        policy = sandbox.policy_for_mode(sandbox_mode)
    env_policy = sandbox.ShellEnvironmentPolicy.model_validate(config.toml.shell_environment_policy.model_dump())
    full_env = sandbox.build_env(env_policy, sandbox_policy=policy)
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    workdir = cwd or config.cwd
    code, timed_out = 0, False
    stdout, stderr = _Capture(output_cap), _Capture(output_cap)
    started: list[sandbox.Process] = []
    async with anyio.create_task_group() as tg:
        process = await sandbox.spawn(
            argv,
            cwd=workdir,
            env=full_env,
            policy=policy,
            policy_cwd=config.cwd,
            task_group=tg,
            allow_degraded=config.toml.sandbox_allow_degraded,
            split_stderr=True,
        )
        started.append(process)
        process.on_output(stdout)
        process.on_stderr(stderr)
        stderr(process.take_stderr())  # a failed start's message, read before the listener was there
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
    for done in started:
        done.close()
    return CommandResult(code, stdout.text(), stderr.text(), timed_out)
