"""Protected paths that appear and vanish while commands start (issue 14, item 3).

Codex, running beside pycodex, creates and removes placeholders for `.git`, `.codex` and `.agents` in every writable
root during each of its commands. Here a thread does the same as fast as it can, in the workspace and in a second
writable root, while commands run through the sandbox's one door: every command must start and succeed, and the
protected paths must stay read-only for it. The roots are under pytest's tmp_path, and /tmp itself is not a writable
root here, so no other process on the machine can race these tests (nor they it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
from collections.abc import Generator
from pathlib import Path

import anyio
import pytest

import sandbox._start
from sandbox import WorkspaceWrite, detect, spawn

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux-only"),
]

COMMANDS = 40
NAMES = (".git", ".codex", ".agents")


@contextlib.contextmanager
def churning(roots: list[Path]) -> Generator[None]:
    """Until the block ends, do what Codex does beside us: create an empty placeholder at every protected name of
    `roots` that is missing, and remove again the ones it created (never one that someone else made)."""
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            made: list[Path] = []
            for root in roots:
                for name in NAMES:
                    with contextlib.suppress(OSError):
                        os.mkdir(root / name)
                        made.append(root / name)
            # Codex keeps its placeholders for the length of its command.
            stop.wait(0.002)
            for path in made:
                with contextlib.suppress(OSError):
                    os.rmdir(path)
            stop.wait(0.002)

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


async def run_commands(ws: Path, other: Path, script: str) -> list[tuple[int, str]]:
    policy = WorkspaceWrite(writable_roots=(other,), exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    results: list[tuple[int, str]] = []
    with anyio.fail_after(120):
        for _ in range(COMMANDS):
            async with anyio.create_task_group() as tg:
                proc = await spawn(["/bin/sh", "-c", script], cwd=ws, env=env, policy=policy, task_group=tg)
                code = await proc.wait()
                results.append((code, proc.take_output().decode(errors="replace")))
                proc.close()
    return results


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path]:
    if detect().backend != "bubblewrap":
        pytest.skip(f"bubblewrap cannot confine here: {detect().bwrap_problem}")
    ws, other = tmp_path / "ws", tmp_path / "other"
    ws.mkdir()
    other.mkdir()
    return ws, other


async def test_commands_start_while_protected_placeholders_come_and_go(roots: tuple[Path, Path]) -> None:
    ws, other = roots
    with churning([ws, other]):
        results = await run_commands(ws, other, "echo ok")
    failures = [output for code, output in results if (code, output) != (0, "ok\n")]
    assert failures == []


async def test_a_protected_path_stays_read_only_while_placeholders_come_and_go(roots: tuple[Path, Path]) -> None:
    ws, other = roots
    # The workspace's .codex is protected whether or not it exists; writing below it must fail every time.
    script = "mkdir -p .codex 2>/dev/null; echo x > .codex/config.toml 2>/dev/null && echo WROTE || echo denied"
    with churning([ws, other]):
        results = await run_commands(ws, other, script)
    assert {code for code, _ in results} == {0}
    assert all(output.endswith("denied\n") for _, output in results), results
    assert not (ws / ".codex" / "config.toml").exists()


async def test_without_the_retry_the_churn_breaks_commands(
    roots: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race is real here: with a single attempt, some commands fail in bubblewrap's set-up."""
    ws, other = roots
    monkeypatch.setattr(sandbox._start, "SETUP_ATTEMPTS", 1)
    with churning([ws, other]):
        results = await run_commands(ws, other, "echo ok")
    failures = [output for code, output in results if (code, output) != (0, "ok\n")]
    if not failures:
        pytest.skip("the churn did not hit the window between plan and mount in this run")
    assert all(output.startswith(("bwrap: ", "pycodex sandbox: a protected path")) for output in failures), failures


async def test_another_programs_empty_codex_cannot_be_removed_while_a_command_runs(roots: tuple[Path, Path]) -> None:
    """An empty `.codex` made by someone else (Codex's placeholder) is pinned while our command runs: its owner's
    removal fails, so the read-only mount on it cannot vanish and let the command create `.codex` afresh."""
    ws, other = roots
    (ws / ".codex").mkdir()
    script = (
        "while [ ! -e go ]; do sleep 0.01; done; mkdir -p .codex 2>/dev/null; "
        "echo x > .codex/config.toml 2>/dev/null && echo WROTE || echo denied"
    )
    policy = WorkspaceWrite(writable_roots=(other,), exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            proc = await spawn(["/bin/sh", "-c", script], cwd=ws, env=dict(os.environ), policy=policy, task_group=tg)
            with pytest.raises(OSError) as removal:
                os.rmdir(ws / ".codex")
            (ws / "go").touch()
            code = await proc.wait()
            output = proc.take_output().decode(errors="replace")
            proc.close()
            assert removal.value.errno == errno.ENOTEMPTY
            assert (code, output.splitlines()[-1]) == (0, "denied"), output
    assert (ws / ".codex").is_dir() and list((ws / ".codex").iterdir()) == []  # the pin went with the sandbox
