"""The escape battery: every probe under every policy (read-only, workspace-write, workspace-write with network,
danger-full-access), on each Linux backend (bubblewrap + seccomp, and Landlock + seccomp as used where bubblewrap
cannot create namespaces), started through `sandbox.spawn`, the one door model commands use."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import anyio
import pytest

import sandbox._confine
import sandbox._native
from sandbox import ShellEnvironmentPolicy, build_env, spawn

from ._arena import COMBOS, POLICIES, Arena, Combo, make_arena, report_for
from ._probes import PROBES, Probe

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the escape battery is Linux-only")

ENV_POLICY = ShellEnvironmentPolicy(exclude=("*SECRET*",))


def io_uring_enabled() -> bool:
    try:
        with open("/proc/sys/kernel/io_uring_disabled", encoding="ascii") as f:
            return f.read().strip() == "0"
    except FileNotFoundError:
        return True  # kernels before 6.6 have no switch


@pytest.fixture
def arena(monkeypatch: pytest.MonkeyPatch) -> Iterator[Arena]:
    # $TMPDIR would be a writable root of its own; the battery wants exactly the workspace and /tmp.
    monkeypatch.delenv("TMPDIR", raising=False)
    with make_arena() as made:
        yield made


async def run_probe(probe: Probe, combo: Combo, arena: Arena) -> tuple[int, str]:
    policy = POLICIES[combo.policy]
    # Landlock alone leaves protected paths writable: it runs only when a degraded sandbox is explicitly allowed.
    degraded = combo.backend == "landlock"
    base = {**os.environ, "PYCODEX_PROBE_SECRET": "hunter2"}
    env = build_env(ENV_POLICY, sandbox_policy=policy, base=base)
    argv = [sys.executable, "-I", "-S", "-c", probe.script(), *arena.args]
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            proc = await spawn(argv, cwd=arena.ws, env=env, policy=policy, task_group=tg, allow_degraded=degraded)
            code = await proc.wait()
            return code, proc.take_output().decode(errors="replace")
    raise AssertionError("unreachable: fail_after raises TimeoutError rather than falling through")


@pytest.mark.anyio
@pytest.mark.parametrize("combo", COMBOS, ids=[c.id for c in COMBOS])
@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
async def test_each_escape_probe_is_allowed_or_denied_exactly_as_the_policy_says(
    probe: Probe, combo: Combo, arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    if combo.backend == "bundled":
        # A bundled bwrap under the working directory is refused (a command could have replaced it); the test's own
        # checkout may hold its virtualenv, so look from the arena.
        monkeypatch.chdir(arena.base)
    report = report_for(combo.backend)
    monkeypatch.setattr(sandbox._confine, "detect", lambda: report)
    if combo.python_helper:
        monkeypatch.setattr(sandbox._native, "native_helper", lambda: None)
    elif combo.backend != "none" and sandbox._native.native_helper() is None:
        pytest.skip("no C compiler here built the native sandbox helper (the -python-helper combos cover this path)")
    if probe.name.startswith("tcp_connect_to_ipv6") and arena.tcp6 is None:
        pytest.skip("no IPv6 loopback (::1) on this machine")
    if probe.name == "signal_a_process_outside" and combo.backend == "landlock" and report.landlock_abi < 6:
        pytest.skip(f"Landlock ABI {report.landlock_abi} cannot scope signals (needs ABI 6)")
    if probe.name == "io_uring_setup" and combo.policy == "danger-full-access" and not io_uring_enabled():
        pytest.skip("io_uring is disabled on this kernel (kernel.io_uring_disabled != 0)")
    if probe.setup is not None:
        probe.setup(arena)

    code, output = await run_probe(probe, combo, arena)

    expected = probe.allowed(combo.backend, combo.policy)
    verdict = output.strip().splitlines()[-1] if output.strip() else ""
    if expected:
        assert (code, verdict) == (0, "ALLOWED"), output
    else:
        assert code == 3, output
        kind, _, reason = verdict.partition(" ")
        assert kind == "DENIED", output
        assert reason in probe.denied_with, f"denied for the wrong reason: {output}"
    if probe.host_check is not None:
        probe.host_check(arena, expected)


def test_the_battery_has_at_least_thirty_probes_and_covers_every_policy() -> None:
    assert len(PROBES) >= 30
    assert {c.policy for c in COMBOS} == set(POLICIES)
    assert len({p.name for p in PROBES}) == len(PROBES)
