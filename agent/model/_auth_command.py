"""`[model_providers.<id>.auth]`: a command that prints a bearer token, for gateways that mint short-lived tokens.

As in Codex: `command` (found on PATH, or relative to `cwd` when it has a `/`), `args`, `timeout_ms` (5000),
`refresh_interval_ms` (300000; 0 means only after a 401) and `cwd`. The command's standard output, trimmed, is the
token; it is cached for `refresh_interval_ms` and fetched again once when the server answers 401.

Unlike Codex, which sends the request without a token when the command fails, a failing command fails the turn
with a message naming the command, its exit status and the first line of its error output (redacted).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import anyio

from .._redact import redact_secrets
from ..config._providers import AuthCommandSpec
from ..errors import ProviderAuthError


class CommandToken:
    """The token a provider's auth command prints, cached for its lifetime."""

    def __init__(self, spec: AuthCommandSpec, provider_id: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._spec = spec
        self._provider_id = provider_id
        self._clock = clock  # seconds; tests move it forward instead of waiting
        self._token: str | None = None
        self._fetched_at = 0.0
        self._lock = anyio.Lock()

    def _fresh(self) -> bool:
        if self._token is None:
            return False
        interval = self._spec.refresh_interval_ms
        return interval == 0 or (self._clock() - self._fetched_at) * 1000 < interval

    async def get(self) -> str:
        """The cached token, or a new one when it is older than `refresh_interval_ms` or was invalidated."""
        async with self._lock:
            if not self._fresh():
                self._token = await self._run()
                self._fetched_at = self._clock()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """Forget the token (the server refused it): the next `get` runs the command again."""
        self._token = None

    def _fail(self, why: str) -> ProviderAuthError:
        return ProviderAuthError(
            f"the auth command of model provider `{self._provider_id}` ({self._spec.command}) {why}; "
            f"check [model_providers.{self._provider_id}.auth]"
        )

    def _argv(self) -> tuple[list[str], Path]:
        spec = self._spec
        cwd = Path(spec.cwd).expanduser() if spec.cwd else Path.cwd()
        if "/" in spec.command:
            return [str(cwd / spec.command), *spec.args], cwd
        found = shutil.which(spec.command)
        if found is None:
            raise self._fail("was not found on PATH")
        return [found, *spec.args], cwd

    async def _run(self) -> str:
        spec = self._spec
        argv, cwd = self._argv()
        try:
            with anyio.fail_after(spec.timeout_ms / 1000):
                done = await anyio.run_process(
                    argv, cwd=cwd, check=False, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
        except TimeoutError:
            raise self._fail(f"did not finish within {spec.timeout_ms} ms") from None
        except OSError as exc:
            raise self._fail(f"could not be started: {exc.strerror or exc}") from None
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = f": {redact_secrets(lines[0])}" if lines else ""
            raise self._fail(f"exited with status {done.returncode}{detail}")
        token = done.stdout.decode("utf-8", "replace").strip()
        if not token:
            raise self._fail("printed no token")
        return token
