"""The shell snapshot: the user's login environment, captured once per session and replayed before each command.

A login shell (`bash -lc`) sources the user's profile on every call; with pyenv, nvm or conda that is 80-120 ms and
a hundred processes per command. As Codex does, the first command of a session runs the login shell once to
capture what the profile set up: the environment variables it added or changed (and those it removed), its shell
functions and aliases. Each later command runs `bash -c` on top of that file.

- In a sandboxed session the capture starts with the first turn, while its first model request is under way (what a
  command would have paid on the first call); a command that comes first waits for it. With full access it waits
  for the first command: a session that ends first kills the capture, and a profile killed half-way outside the
  sandbox can leave its lock files behind.
- The capture runs exactly where a command would (the same sandbox, environment and directory), so the profile
  runs no more freely than before.
- The snapshot is refreshed when it is stale: a profile file changed, it is older than `MAX_AGE_S`, or the file no
  longer holds what was written (something in the sandbox edited it). A command that asks for a login shell
  explicitly (`login: true`) runs one for real and marks the snapshot stale.
- It is only used for commands confined like the session; a command that runs outside the sandbox (approved
  escalation, an allow rule) gets a real login shell, so a file a sandboxed command could touch never runs outside.
- Only bash is snapshotted; other shells keep `-lc`. `features.shell_snapshot = false` turns it off.
- The file (`$CODEX_HOME/shell_snapshots/<thread>.sh`, 0600 in a 0700 directory) holds only what the profile
  changed, less what `shell_environment_policy` keeps from commands (by default names with KEY, SECRET or TOKEN:
  a token the profile exports is neither written to the file nor passed on), and is deleted when the session ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.abc

import sandbox

if TYPE_CHECKING:
    from ..config import Config

MAX_AGE_S = 30 * 60
CAPTURE_TIMEOUT_S = 10.0
MAX_CAPTURE_BYTES = 8 * 1024 * 1024
_MARK = "__pycodex_snapshot_7f3a__"
_PROFILE_FILES = (".bash_profile", ".bash_login", ".profile", ".bashrc")
_SYSTEM_PROFILES = (Path("/etc/profile"), Path("/etc/bash.bashrc"))
_SKIP = frozenset({"PWD", "OLDPWD", "SHLVL", "_", "SHELLOPTS", "BASHOPTS", "BASH_EXECUTION_STRING"})
_CAPTURE = (
    f"printf '\\n%s\\n' {_MARK}; env -0; printf '\\n%s\\n' {_MARK}; declare -f; alias -p; "
    "shopt -q expand_aliases && echo 'shopt -s expand_aliases'; true"
)


def _signature(env: Mapping[str, str]) -> tuple[float, ...]:
    home = Path(env.get("HOME", "~")).expanduser()
    stamps: list[float] = []
    for path in (*(home / name for name in _PROFILE_FILES), *_SYSTEM_PROFILES):
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            stamps.append(0.0)
    return tuple(stamps)


def _allowed(names: dict[str, str], policy: sandbox.ShellEnvironmentPolicy | None) -> set[str]:
    """The names `shell_environment_policy` lets through (its excludes, the default ones unless
    `ignore_default_excludes`, and `include_only`): what the profile exports goes through the same filter as what
    pycodex's own environment passes on, so `export MY_API_TOKEN=…` in a .bashrc does not reach the commands."""
    if policy is None:
        return set(names)
    kept = sandbox.compose_env(
        names,
        inherit="all",
        ignore_default_excludes=policy.ignore_default_excludes,
        exclude=policy.exclude,
        include_only=policy.include_only,
    )
    return set(kept)


def render(
    output: bytes, base_env: Mapping[str, str], policy: sandbox.ShellEnvironmentPolicy | None = None
) -> str | None:
    """The snapshot script from the capture's output, or None when the output is not a capture. With `policy`, the
    variables it would keep from a command are left out (never written to the file)."""
    text = output.decode("utf-8", "replace")
    parts = text.split(f"\n{_MARK}\n")
    if len(parts) < 3:
        return None
    environment, definitions = parts[1], parts[2]
    lines = ["# pycodex shell snapshot: what the login profile set up (deleted when the session ends)"]
    captured: dict[str, str] = {}
    for entry in environment.split("\0"):
        name, sep, value = entry.partition("=")
        if sep and name.isidentifier() and name not in _SKIP:
            captured[name] = value
    allowed = _allowed(captured, policy)
    for name, value in sorted(captured.items()):
        if base_env.get(name) != value and name in allowed:
            lines.append(f"export {name}={shlex.quote(value)}")
    lines.extend(f"unset {name}" for name in sorted(base_env) if name not in captured and name not in _SKIP)
    lines.append(definitions.rstrip("\r\n"))
    return "\n".join(lines) + "\n"


class ShellSnapshot:
    """The login environment of one session's shell (see the module docstring)."""

    def __init__(
        self, path: Path, *, enabled: bool = True, env_policy: sandbox.ShellEnvironmentPolicy | None = None
    ) -> None:
        self.path = path
        self.enabled = enabled
        self._env_policy = env_policy
        self._digest: str | None = None
        self._taken_at = 0.0
        self._signature: tuple[float, ...] = ()
        self._lock = anyio.Lock()
        self._failed = False

    @classmethod
    def for_session(
        cls, config: Config, thread_id: str, env_policy: sandbox.ShellEnvironmentPolicy | None
    ) -> ShellSnapshot:
        """The snapshot of one session: `$CODEX_HOME/shell_snapshots/<thread>.sh`, on unless
        `features.shell_snapshot = false`, filtered by the session's `shell_environment_policy`."""
        return cls(
            config.codex_home / "shell_snapshots" / f"{thread_id}.sh",
            enabled=config.toml.features.get("shell_snapshot", True),
            env_policy=env_policy,
        )

    def wraps(self, shell: str) -> bool:
        """Whether commands of `shell` can run on a snapshot."""
        return self.enabled and not self._failed and os.path.basename(shell) == "bash"

    def mark_stale(self) -> None:
        """Capture again before the next command (a login shell was asked for explicitly)."""
        self._digest = None

    def _fresh(self, env: Mapping[str, str]) -> bool:
        if self._digest is None or time.monotonic() - self._taken_at > MAX_AGE_S:
            return False
        if _signature(env) != self._signature:
            return False
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest() == self._digest
        except OSError:
            return False

    async def argv(
        self,
        shell: str,
        command: str,
        *,
        tg: anyio.abc.TaskGroup,
        cwd: Path,
        env: Mapping[str, str],
        policy: sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess,
        policy_cwd: Path,
        allow_degraded: bool,
    ) -> list[str] | None:
        """`[shell, -c, ". SNAPSHOT; COMMAND"]`, capturing first when needed; None to run a login shell instead."""
        if not await self.prepare(
            shell, tg=tg, cwd=cwd, env=env, policy=policy, policy_cwd=policy_cwd, allow_degraded=allow_degraded
        ):
            return None
        return [shell, "-c", f". {shlex.quote(str(self.path))}\n{command}"]

    async def prepare(
        self,
        shell: str,
        *,
        tg: anyio.abc.TaskGroup,
        cwd: Path,
        env: Mapping[str, str],
        policy: sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess,
        policy_cwd: Path,
        allow_degraded: bool,
    ) -> bool:
        """Capture the snapshot unless a fresh one is there (the session calls this as it starts, so that the first
        command finds it ready); False when it cannot be had (login shells for the session)."""
        async with self._lock:
            if self._failed:
                return False
            if not self._fresh(env):
                script = await self._capture(shell, tg, cwd, env, policy, policy_cwd, allow_degraded)
                try:
                    if script is None:
                        raise OSError("the login profile could not be captured")
                    await anyio.to_thread.run_sync(self._write, script)
                except OSError:
                    # No capture, or nowhere to keep it ($CODEX_HOME read-only): login shells for the session.
                    self._failed = True
                    return False
                self._signature = _signature(env)
                self._taken_at = time.monotonic()
        return True

    async def _capture(
        self,
        shell: str,
        tg: anyio.abc.TaskGroup,
        cwd: Path,
        env: Mapping[str, str],
        policy: sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess,
        policy_cwd: Path,
        allow_degraded: bool,
    ) -> str | None:
        process = await sandbox.spawn(
            [shell, "-lc", _CAPTURE],
            cwd=cwd,
            env=env,
            policy=policy,
            policy_cwd=policy_cwd,
            task_group=tg,
            allow_degraded=allow_degraded,
        )
        output = bytearray()
        process.on_output(output.extend)  # all of it: the process keeps only the ends of long output
        try:
            with anyio.move_on_after(CAPTURE_TIMEOUT_S):
                code = await process.wait()
                if code != 0 or len(output) > MAX_CAPTURE_BYTES:
                    return None
                return render(bytes(output), env, self._env_policy)
            return None
        finally:
            # Reaped here: the capture starts with the session, which may close (and cancel it) mid-capture.
            process.kill_and_reap()
            process.close()

    def _write(self, script: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = script.encode("utf-8")
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        self._digest = hashlib.sha256(data).hexdigest()

    def remove(self) -> None:
        """Delete the file (the session ends); a file that cannot be deleted must not fail the session's end."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


async def prefetch_snapshot(
    snapshot: ShellSnapshot, shell: str, tg: anyio.abc.TaskGroup, config: Config, env: Mapping[str, str]
) -> None:
    """Capture the login environment as a session starts, as its first command confined like the session would."""
    if not snapshot.wraps(shell):
        return
    try:
        await snapshot.prepare(
            shell,
            tg=tg,
            cwd=config.cwd,
            env=env,
            policy=config.sandbox_policy,
            policy_cwd=config.cwd,
            allow_degraded=config.toml.sandbox_allow_degraded,
        )
    except (sandbox.SandboxUnavailableError, sandbox.SandboxSetupError, OSError):
        return  # the first command meets the same problem and reports it
