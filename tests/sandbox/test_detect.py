"""Detection: what this machine can enforce, said plainly, and refusing to run a confined policy unconfined."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import SandboxUnavailableError, detect
from sandbox._confine import confine_plan
from sandbox._detect import SandboxReport, bundled_bwrap, find_bwrap, probe
from sandbox._plan import Plan

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux detection")
NOTHING = SandboxReport(
    platform="linux",
    backend="none",
    bwrap_path="/usr/bin/bwrap",
    bwrap_problem="bwrap: No permissions to create new namespace",
    not_enforced=("no filesystem confinement",),
)


@linux_only
def test_this_machine_reports_a_backend_and_says_what_it_enforces() -> None:
    report = detect()
    assert report is detect()  # probed once per process
    text = "\n".join(report.lines())
    assert f"backend for confined policies: {report.backend}" in text
    if report.backend == "bubblewrap":
        assert report.bwrap_usable and "protected paths (.git, .codex, .agents) read-only" in text
    data = report.to_json()
    assert data["can_confine"] == report.can_confine and data["landlock_abi"] == report.landlock_abi
    json.dumps(data)


@linux_only
def test_without_bubblewrap_the_landlock_backend_is_chosen_and_its_gaps_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From a directory that holds no pycodex installation: with the virtualenv inside the working directory (as in
    # a CI clone) the report names that reason instead, which tests/sandbox/test_bundled_bwrap.py covers.
    monkeypatch.chdir(tmp_path)
    report = probe(bwrap=None)
    if report.landlock_abi < 1:
        pytest.skip("kernel has no Landlock")
    assert (report.backend, report.bwrap_problem) == ("landlock", "not installed")
    assert any("protected paths" in gap for gap in report.not_enforced)
    assert any("metadata" in gap for gap in report.not_enforced)


@linux_only
def test_a_bubblewrap_that_cannot_create_namespaces_is_reported_with_its_own_words(tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    report = probe(bwrap=str(fake))
    assert not report.bwrap_usable
    assert report.bwrap_problem == "bwrap: No permissions to create new namespace"
    assert report.backend in ("landlock", "none")


@linux_only
def test_inside_a_sandbox_that_forbids_user_namespaces_detection_falls_back_to_landlock() -> None:
    bwrap = find_bwrap()
    if detect().backend != "bubblewrap" or bwrap is None:
        pytest.skip("needs a working bubblewrap to build the namespace-less environment")
    code = (
        "from sandbox._detect import probe, find_bwrap; r = probe(bwrap=find_bwrap()); print(r.backend, r.bwrap_usable)"
    )
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-user", "--unshare-pid"]
    argv += ["--disable-userns", "--", sys.executable, "-c", code]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    expected = "landlock" if detect().landlock_abi >= 1 else "none"
    assert result.stdout.split() == [expected, "False"]


def test_a_confined_plan_is_refused_when_nothing_can_enforce_it() -> None:
    with pytest.raises(SandboxUnavailableError) as info:
        confine_plan(["true"], Plan(False, False), cwd=Path("/"), report=NOTHING)
    assert info.value.missing == "user namespaces for bubblewrap and Landlock"
    assert "Refusing to run it unconfined" in str(info.value)
    assert "sandbox_allow_degraded = true" in str(info.value)


def test_danger_full_access_needs_no_sandbox_even_when_none_exists() -> None:
    confined = confine_plan(["true"], Plan(True, True), cwd=Path("/"), report=NOTHING)
    assert (confined.argv, confined.backend) == (["true"], "none")


@linux_only
def test_allowing_a_degraded_run_applies_the_seccomp_filter_and_says_so(tmp_path: Path) -> None:
    report = dataclasses.replace(NOTHING, seccomp=True)
    confined = confine_plan(
        [sys.executable, "-c", "import socket; socket.socket()"],
        Plan(False, False),
        cwd=tmp_path,
        allow_degraded=True,
        report=report,
    )
    assert confined.backend == "seccomp-only"
    assert confined.warnings and "degraded" in confined.warnings[0]
    result = subprocess.run(confined.argv, pass_fds=confined.pass_fds, capture_output=True, text=True, timeout=60)
    confined.release()
    assert result.returncode == 1 and "PermissionError" in result.stderr


def test_a_degraded_run_with_nothing_at_all_runs_bare_and_warns() -> None:
    confined = confine_plan(["true"], Plan(False, False), cwd=Path("/"), allow_degraded=True, report=NOTHING)
    assert confined.argv == ["true"] and "nothing is applied" in confined.warnings[0]


def test_a_bwrap_inside_the_working_directory_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text('#!/bin/sh\nexec "$@"\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}.")
    assert find_bwrap() in (None, bundled_bwrap())


def test_macos_reports_seatbelt_when_sandbox_exec_exists_and_refuses_otherwise() -> None:
    report = probe(bwrap=None, platform="darwin")
    assert report.backend == ("seatbelt" if Path("/usr/bin/sandbox-exec").exists() else "none")
    assert probe(bwrap=None, platform="sunos").backend == "none"
