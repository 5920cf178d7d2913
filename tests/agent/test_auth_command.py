"""A provider's auth command (`[model_providers.<id>.auth]`): its token is kept for `refresh_interval_ms` and the
command runs again once that has passed, not before; a command that hangs past `timeout_ms` fails with a message
naming the command and the limit (end to end through `pycodex exec` too)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import anyio
import pytest

from agent import ProviderAuthError
from agent.config._providers import AuthCommandSpec
from agent.model._auth_command import CommandToken
from tests.cli.exec_harness import PYCODEX, REPO
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio

MINT = """#!/bin/sh
n=$(cat "$(dirname "$0")/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$(dirname "$0")/count"
echo "token-$n"
"""


class Clock:
    """A monotonic clock the test moves forward (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _mint(tmp_path: Path) -> Path:
    mint = tmp_path / "mint.sh"
    mint.write_text(MINT, encoding="utf-8")
    mint.chmod(0o755)
    return mint


def _runs(tmp_path: Path) -> int:
    return int((tmp_path / "count").read_text(encoding="utf-8"))


async def test_the_token_is_kept_for_its_lifetime_and_fetched_again_after_it(tmp_path: Path) -> None:
    _mint(tmp_path)
    clock = Clock()
    spec = AuthCommandSpec(command="./mint.sh", cwd=str(tmp_path), refresh_interval_ms=1000)
    token = CommandToken(spec, "gw", clock=clock)
    assert await token.get() == "token-1"
    clock.now += 0.999  # just before the end of its lifetime: the cached token, no new run
    assert await token.get() == "token-1"
    assert _runs(tmp_path) == 1
    clock.now += 0.001  # its lifetime is over: the command runs again
    assert await token.get() == "token-2"
    clock.now += 0.5
    assert await token.get() == "token-2"
    assert _runs(tmp_path) == 2


async def test_a_zero_interval_keeps_the_token_until_it_is_refused(tmp_path: Path) -> None:
    _mint(tmp_path)
    clock = Clock()
    token = CommandToken(
        AuthCommandSpec(command="./mint.sh", cwd=str(tmp_path), refresh_interval_ms=0), "gw", clock=clock
    )
    assert await token.get() == "token-1"
    clock.now += 10_000
    assert await token.get() == "token-1"
    token.invalidate()  # the server answered 401
    assert await token.get() == "token-2"


async def test_a_command_that_hangs_fails_after_timeout_ms_naming_it(tmp_path: Path) -> None:
    spec = AuthCommandSpec(command="sleep", args=("30",), timeout_ms=200)
    token = CommandToken(spec, "gw")
    with anyio.fail_after(10):  # well before the command itself would end
        with pytest.raises(ProviderAuthError) as caught:
            await token.get()
    assert str(caught.value) == (
        "the auth command of model provider `gw` (sleep) did not finish within 200 ms; check [model_providers.gw.auth]"
    )


def test_exec_reports_a_hanging_auth_command_and_sends_no_request(tmp_path: Path) -> None:
    with ScriptedModelServer([{"items": [message("never")]}]) as server:
        provider = (
            f'model_providers.gw={{name="gw", base_url="{server.base_url}", request_max_retries=0, '
            f'auth={{command="sleep", args=["30"], timeout_ms=300}}}}'
        )
        done = subprocess.run(
            [*PYCODEX, "exec", "--skip-git-repo-check", "-c", provider, "-c", "model_provider=gw", "go"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert server.requests == []
    assert done.returncode == 1
    assert "auth command of model provider `gw` (sleep) did not finish within 300 ms" in done.stdout + done.stderr
