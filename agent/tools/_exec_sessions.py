"""`exec_command` and `write_stdin`: commands that may outlive one tool call, kept as numbered sessions.

Every command runs through `sandbox.spawn`. The output text is Codex's (`Chunk ID`, `Wall time`, exit or session
line, `Original token count`, `Output:`), because models are trained on it.
"""

from __future__ import annotations

import random
import secrets
import shlex
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.abc

import sandbox

from .._protocol import EventMsg, ExecCommandBegin, ExecCommandEnd, ExecCommandOutputDelta, Warning
from ._truncate import approx_tokens, format_exec_output

DEFAULT_YIELD_MS = 10_000
MIN_YIELD_MS = 250
MAX_YIELD_MS = 30_000
WRITE_YIELD_MS = 250
MIN_POLL_MS = 5_000
DEFAULT_MAX_OUTPUT_TOKENS = 10_000
MAX_SESSIONS = 64
AGGREGATE_CAP_BYTES = 1024 * 1024
KILL_WAIT_S = 2.0  # how long killed commands get to report their end

Emit = Callable[[EventMsg], Awaitable[None]]


class ExecToolError(Exception):
    """A message for the model instead of a command result."""


@dataclass
class _Running:
    process: sandbox.Process
    call_id: str
    command: tuple[str, ...]
    cwd: Path
    started: float
    aggregate: bytearray = field(default_factory=bytearray)
    ended: bool = False


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _number(args: Mapping[str, Any], key: str) -> float | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExecToolError(f"failed to parse function arguments: `{key}` must be a number")
    return float(value)


def render_chunk(*, wall: float, output: str, exit_code: int | None, session_id: int | None, max_tokens: int) -> str:
    """The text a model receives for one chunk of a command's output."""
    lines = [f"Chunk ID: {secrets.token_hex(3)}", f"Wall time: {wall:.4f} seconds"]
    if exit_code is not None:
        lines.append(f"Process exited with code {exit_code}")
    elif session_id is not None:
        lines.append(f"Process running with session ID {session_id}")
    lines.append(f"Original token count: {approx_tokens(output)}")
    lines.append("Output:")
    return "\n".join(lines) + "\n" + format_exec_output(output, max_tokens)


class ExecSessions:
    """The running commands of one session, and the two tools that drive them."""

    def __init__(
        self,
        task_group: anyio.abc.TaskGroup,
        *,
        emit: Emit,
        max_output_tokens_cap: int | None = None,
        background_max_ms: int = 300_000,
        allow_degraded_sandbox: bool = False,
    ) -> None:
        self._tg = task_group
        self._emit = emit
        self._cap = max_output_tokens_cap
        self._background_max_ms = background_max_ms
        self._allow_degraded = allow_degraded_sandbox
        self._sessions: dict[int, _Running] = {}
        self._live: list[_Running] = []
        self._all_ended: anyio.Event | None = None

    def _max_tokens(self, args: Mapping[str, Any]) -> int:
        requested = _number(args, "max_output_tokens")
        tokens = int(requested) if requested is not None and requested > 0 else DEFAULT_MAX_OUTPUT_TOKENS
        return min(tokens, self._cap) if self._cap else tokens

    async def exec_command(
        self,
        call_id: str,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        policy: sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess,
        policy_cwd: Path,
        tty: bool,
        args: Mapping[str, Any],
    ) -> tuple[str, int | None]:
        """Start `argv` and return (model output, exit code or None if still running)."""
        yield_ms = _clamp(_number(args, "yield_time_ms") or DEFAULT_YIELD_MS, MIN_YIELD_MS, MAX_YIELD_MS)
        max_tokens = self._max_tokens(args)
        started = time.monotonic()
        process = await sandbox.spawn(
            argv,
            cwd=cwd,
            env=env,
            policy=policy,
            policy_cwd=policy_cwd,
            task_group=self._tg,
            tty=tty,
            allow_degraded=self._allow_degraded,
        )
        for warning in process.sandbox_warnings:
            # What the sandbox does not enforce is said with every command it concerns (issue 14), never dropped.
            await self._emit(Warning(message=warning))
        running = _Running(process, call_id, tuple(argv), cwd, started)
        self._live.append(running)
        process.on_output(lambda chunk: self._on_output(running, chunk))
        await self._emit(ExecCommandBegin(call_id=call_id, command=running.command, cwd=str(cwd), process_id=None))
        self._tg.start_soon(self._watch, running)
        await process.wait_for(yield_ms / 1000)
        return await self._chunk(running, started, max_tokens)

    async def write_stdin(self, args: Mapping[str, Any]) -> tuple[str, int | None]:
        """Write to a session (or poll it) and return (model output, exit code or None)."""
        session_number = _number(args, "session_id")
        if session_number is None:
            raise ExecToolError("failed to parse function arguments: missing field `session_id`")
        session_id = int(session_number)
        running = self._sessions.get(session_id)
        if running is None:
            raise ExecToolError(f"write_stdin failed: no running session with ID {session_id}")
        chars = args.get("chars") or ""
        if not isinstance(chars, str):
            raise ExecToolError("failed to parse function arguments: `chars` must be a string")
        max_tokens = self._max_tokens(args)
        started = time.monotonic()
        requested = _number(args, "yield_time_ms")
        if chars:
            if not running.process.tty:
                raise ExecToolError(
                    f"write_stdin failed: session {session_id} has no stdin (it was started without tty); "
                    "run the command again with tty=true to type into it"
                )
            try:
                await running.process.write(chars.encode())
            except OSError as exc:
                raise ExecToolError(f"write_stdin failed: {exc}") from None
            yield_ms = _clamp(requested or WRITE_YIELD_MS, MIN_YIELD_MS, MAX_YIELD_MS)
        else:
            yield_ms = _clamp(requested or MIN_POLL_MS, MIN_POLL_MS, self._background_max_ms)
        await running.process.wait_for(yield_ms / 1000)
        return await self._chunk(running, started, max_tokens)

    async def _chunk(self, running: _Running, started: float, max_tokens: int) -> tuple[str, int | None]:
        process = running.process
        output = process.take_output().decode("utf-8", errors="replace")
        wall = time.monotonic() - started
        if process.finished:
            code = process.returncode
            assert code is not None
            await self._end(running)
            self._forget(running)
            return render_chunk(wall=wall, output=output, exit_code=code, session_id=None, max_tokens=max_tokens), code
        session_id = self._register(running)
        text = render_chunk(wall=wall, output=output, exit_code=None, session_id=session_id, max_tokens=max_tokens)
        return text, None

    def _register(self, running: _Running) -> int:
        for number, existing in self._sessions.items():
            if existing is running:
                return number
        if len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions, key=lambda n: self._sessions[n].started)
            self._sessions.pop(oldest).process.kill()
        while True:
            number = random.randint(10_000, 99_999)
            if number not in self._sessions:
                self._sessions[number] = running
                return number

    def _forget(self, running: _Running) -> None:
        for number, existing in list(self._sessions.items()):
            if existing is running:
                del self._sessions[number]

    def _on_output(self, running: _Running, chunk: bytes) -> None:
        if len(running.aggregate) < AGGREGATE_CAP_BYTES:
            running.aggregate.extend(chunk[: AGGREGATE_CAP_BYTES - len(running.aggregate)])
        text = chunk.decode("utf-8", errors="replace")
        self._tg.start_soon(self._emit_delta, ExecCommandOutputDelta(call_id=running.call_id, chunk=text))

    async def _emit_delta(self, delta: ExecCommandOutputDelta) -> None:
        await self._emit(delta)

    async def _watch(self, running: _Running) -> None:
        await running.process.wait()
        await self._end(running)

    async def _end(self, running: _Running) -> None:
        if running.ended:
            return
        running.ended = True
        if running in self._live:
            self._live.remove(running)
        if not self._live and self._all_ended is not None:
            self._all_ended.set()
        code = running.process.returncode
        running.process.close()
        await self._emit(
            ExecCommandEnd(
                call_id=running.call_id,
                command=running.command,
                cwd=str(running.cwd),
                exit_code=code if code is not None else -1,
                aggregated_output=running.aggregate.decode("utf-8", errors="replace"),
                duration_ms=int((time.monotonic() - running.started) * 1000),
            )
        )

    async def kill_all_and_wait(self) -> None:
        """Kill every running command and wait (bounded) until each has reported its end."""
        if not self._live:
            return
        self._all_ended = anyio.Event()
        self.kill_all()
        with anyio.move_on_after(KILL_WAIT_S):
            await self._all_ended.wait()

    def kill_all(self) -> None:
        """Kill every running command (an interrupt, or the end of the session)."""
        for running in self._live:
            running.process.kill()
        self._sessions.clear()


def shell_argv(shell: str, command: str, *, login: bool) -> list[str]:
    """`[shell, -lc|-c, command]`."""
    return [shell, "-lc" if login else "-c", command]


def display_command(argv: list[str] | tuple[str, ...]) -> str:
    """The shell-quoted command line shown to people and in exec JSONL."""
    return shlex.join(argv)
