"""`spawn` under a policy: exit codes, output, clean-up after the sandbox, refusal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest

import sandbox._confine
from sandbox import ReadOnly, SandboxUnavailableError, WorkspaceWrite, detect, spawn
from sandbox._detect import SandboxReport

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandbox"),
]


def need_backend() -> None:
    if not detect().can_confine:
        pytest.skip(f"nothing can confine here: {'; '.join(detect().not_enforced)}")


async def run(argv: list[str], cwd: Path, policy: ReadOnly | WorkspaceWrite) -> tuple[int, str, tuple[str, ...]]:
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            proc = await spawn(argv, cwd=cwd, env=dict(os.environ), policy=policy, task_group=tg)
            code = await proc.wait()
            proc.close()
            return code, proc.take_output().decode(), proc.sandbox_warnings
    raise AssertionError("unreachable: fail_after raises TimeoutError rather than falling through")


async def test_exit_codes_pass_through_and_signals_become_128_plus_n(tmp_path: Path) -> None:
    need_backend()
    assert (await run(["sh", "-c", "exit 7"], tmp_path, ReadOnly()))[0] == 7
    assert (await run(["sh", "-c", "kill -TERM $$"], tmp_path, ReadOnly()))[0] == 143


async def test_a_denied_write_reports_the_kernels_error_and_leaves_no_trace(tmp_path: Path) -> None:
    need_backend()
    code, output, _ = await run(["sh", "-c", "echo hi > f"], tmp_path, ReadOnly())
    assert code != 0 and ("Read-only file system" in output or "Permission denied" in output)
    assert os.listdir(tmp_path) == []


async def test_the_codex_placeholder_is_gone_once_the_command_has_exited(tmp_path: Path) -> None:
    if detect().backend != "bubblewrap":
        pytest.skip("placeholders are a bubblewrap mechanism")
    code, output, _ = await run(["sh", "-c", "test -d .codex && mkdir .codex/x"], tmp_path, WorkspaceWrite())
    assert code == 1 and "Read-only file system" in output
    assert not (tmp_path / ".codex").exists()


async def test_refuses_to_run_a_confined_policy_when_nothing_can_enforce_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nothing = SandboxReport(platform="linux", backend="none", not_enforced=("no namespaces, no Landlock",))
    monkeypatch.setattr(sandbox._confine, "detect", lambda: nothing)
    async with anyio.create_task_group() as tg:
        with pytest.raises(SandboxUnavailableError, match="no namespaces, no Landlock"):
            await spawn(["true"], cwd=tmp_path, env={}, policy=ReadOnly(), task_group=tg)
    assert os.listdir(tmp_path) == []


async def test_a_missing_working_directory_is_reported(tmp_path: Path) -> None:
    async with anyio.create_task_group() as tg:
        with pytest.raises(FileNotFoundError, match="working directory does not exist"):
            await spawn(["true"], cwd=tmp_path / "nope", env={}, policy=ReadOnly(), task_group=tg)
