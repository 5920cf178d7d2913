"""Running hook commands: all the handlers of one event at once, each `<shell> -c <command>` in the session's cwd
with the event's JSON on stdin, killed when its timeout passes. Hooks run as the user and outside the sandbox (the
user wrote them, and only trusted ones run)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import anyio

from ._config import Hook


@dataclass(frozen=True)
class HookRun:
    """What one handler did."""

    hook: Hook
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    error: str | None = None
    """Why the command could not be started, when it could not."""

    @property
    def output(self) -> dict[str, Any] | None:
        """stdout as a JSON object (exit 0 only), else None."""
        text = self.stdout.strip()
        if self.exit_code != 0 or not text.startswith("{"):
            return None
        try:
            value: Any = json.loads(text)
        except ValueError:
            return None
        return cast(dict[str, Any], value) if isinstance(value, dict) else None

    @property
    def failure(self) -> str | None:
        """Why this run counts as failed (and is ignored), or None."""
        if self.error is not None:
            return f"could not start: {self.error}"
        if self.timed_out:
            return f"hook timed out after {self.hook.timeout_s}s"
        if self.exit_code == 2 and not self.stderr.strip():
            return "exited with code 2 but wrote no reason on stderr"
        if self.exit_code not in (0, 2):
            detail = self.stderr.strip().splitlines()[-1] if self.stderr.strip() else "no output on stderr"
            return f"exited with code {self.exit_code}: {detail}"
        text = self.stdout.strip()
        if self.exit_code == 0 and text[:1] in ("{", "[") and self.output is None:
            return "printed invalid JSON (expected one JSON object)"
        return None


async def run_hooks(
    hooks: Sequence[Hook], payload: Mapping[str, Any], *, cwd: Path, shell: str, env: Mapping[str, str] | None = None
) -> list[HookRun]:
    """Run `hooks` concurrently with `payload` on stdin; results in the order of `hooks`."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8", "replace")
    results: list[HookRun | None] = [None] * len(hooks)

    async def one(index: int, hook: Hook) -> None:
        results[index] = await _run_one(hook, data, cwd=cwd, shell=shell, env=env)

    async with anyio.create_task_group() as tg:
        for index, hook in enumerate(hooks):
            tg.start_soon(one, index, hook)
    return [r for r in results if r is not None]


async def _run_one(hook: Hook, data: bytes, *, cwd: Path, shell: str, env: Mapping[str, str] | None) -> HookRun:
    try:
        process = await anyio.open_process(
            [shell, "-c", hook.command],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return HookRun(hook, None, "", "", error=exc.strerror or str(exc))
    out: list[bytes] = []
    err: list[bytes] = []
    timed_out = False
    async with process:
        with anyio.move_on_after(hook.timeout_s) as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_collect, process.stdout, out)
                tg.start_soon(_collect, process.stderr, err)
                assert process.stdin is not None
                try:
                    await process.stdin.send(data)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    pass  # the hook did not read its input: allowed
                await process.stdin.aclose()
            await process.wait()
        if scope.cancelled_caught:
            timed_out = True
            # The shell and whatever it started: the hook runs in its own session.
            with anyio.CancelScope(shield=True):
                _kill_group(process.pid)
                await process.wait()
    decode = b"".join
    return HookRun(
        hook,
        None if timed_out else process.returncode,
        decode(out).decode("utf-8", "replace"),
        decode(err).decode("utf-8", "replace"),
        timed_out=timed_out,
    )


async def _collect(stream: Any, into: list[bytes]) -> None:
    if stream is None:
        return
    try:
        into.extend([chunk async for chunk in stream])
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
        return


def _kill_group(pid: int) -> None:
    import os
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
