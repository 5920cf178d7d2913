"""The battery's core probes again as an unprivileged user (uid 65534), with every target left writable to that user
on the host, so that each denial is the sandbox's and not ordinary file permissions'. Runs when the tests run as
root (which can switch users); an unprivileged test run already is this case and uses the full battery."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox._confine import confine_plan
from sandbox._plan import plan_for_mode

from ._arena import Arena, make_arena, report_for
from ._probes import PROBES

NOBODY = 65534
PYTHON = Path("/usr/bin/python3")
CASES = {
    # probe name: allowed under workspace-write?
    "write_new_file_in_workspace": True,
    "write_outside_by_absolute_path": False,
    "write_outside_through_dotdot": False,
    "write_git_config": False,
    "create_missing_codex_directory": False,
    "tcp_connect_to_loopback_listener": False,
    "signal_a_process_outside": False,
}


@pytest.fixture
def open_arena(monkeypatch: pytest.MonkeyPatch) -> Iterator[Arena]:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user (unprivileged runs use the full battery)")
    if shutil.which("setpriv") is None or not PYTHON.exists():
        pytest.skip("needs setpriv (util-linux) and /usr/bin/python3 to run probes as another user")
    monkeypatch.delenv("TMPDIR", raising=False)
    with make_arena() as arena:
        for path in [arena.base, *arena.base.rglob("*")]:
            if not path.is_symlink() and not path.is_socket():
                path.chmod(0o777 if path.is_dir() else 0o666)
        yield arena


@pytest.mark.parametrize("backend", ["bubblewrap", "landlock"])
@pytest.mark.parametrize("name", list(CASES))
def test_an_unprivileged_user_is_confined_like_root(open_arena: Arena, name: str, backend: str) -> None:
    report = report_for(backend)
    probe = next(p for p in PROBES if p.name == name)
    if backend == "landlock" and name in ("write_git_config", "create_missing_codex_directory"):
        pytest.skip("Landlock cannot keep protected paths read-only (a documented gap of that backend)")
    if backend == "landlock" and report.landlock_abi < 6 and name == "signal_a_process_outside":
        pytest.skip(f"Landlock ABI {report.landlock_abi} cannot scope signals (needs ABI 6)")
    # The outsider runs as root; an unprivileged user could never signal it, so it would prove nothing.
    open_arena.outsider.kill()
    open_arena.outsider.wait()
    outsider = subprocess.Popen(
        ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups", "--", "sleep", "300"],
        cwd=open_arena.out,
    )
    try:
        args = [*open_arena.args]
        args[2] = str(outsider.pid)
        command = [str(PYTHON), "-I", "-S", "-c", probe.script(), *args]
        plan = plan_for_mode("workspace-write", open_arena.ws)
        confined = confine_plan(command, plan, cwd=open_arena.ws, report=report, allow_degraded=backend == "landlock")
        # The helper (the Landlock backend, or the layer inside bubblewrap) runs under the test's interpreter, which
        # may live where uid 65534 cannot read it.
        confined.argv = [str(PYTHON) if arg == sys.executable else arg for arg in confined.argv]
        switch = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups", "--"]
        result = subprocess.run(
            [*switch, *confined.argv],
            cwd=open_arena.ws,
            pass_fds=confined.pass_fds,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        confined.release()
    finally:
        outsider.kill()
        outsider.wait()
    verdict = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    if CASES[name]:
        assert verdict == "ALLOWED", result
    else:
        kind, _, reason = verdict.partition(" ")
        assert kind == "DENIED" and reason in probe.denied_with, result
    if probe.host_check is not None:
        probe.host_check(open_arena, CASES[name])
