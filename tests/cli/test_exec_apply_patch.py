"""The model's apply_patch tool inside `pycodex exec`: both wires, the shell interception, safety and approval."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.exec_harness import ExecRun, run_exec
from tests.support.model_server import custom_tool_call, exec_call, function_call, message

GOOD_PATCH = """*** Begin Patch
*** Add File: added.txt
+line one
+line two
*** Update File: out.txt
@@
-hi
+hello
*** End Patch
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "out.txt").write_text("hi\n")
    return work


def _outputs(run: ExecRun, request_index: int) -> list[str]:
    body = run.requests[request_index].body
    if "input" in body:
        return [str(i["output"]) for i in body["input"] if i.get("type", "").endswith("_call_output")]
    return [str(m["content"]) for m in body["messages"] if m.get("role") == "tool"]


def _normalise_wall(text: str) -> str:
    return re.sub(r"Wall time: [0-9.]+ seconds", "Wall time: X seconds", text)


@pytest.mark.parametrize("wire", ["responses", "chat"])
def test_apply_patch_tool_edits_files_and_reports_a_file_change(repo: Path, wire: str) -> None:
    call: dict[str, Any] = (
        custom_tool_call("apply_patch", GOOD_PATCH, "call_patch")
        if wire == "responses"
        else function_call("apply_patch", {"input": GOOD_PATCH}, "call_patch")
    )
    run = run_exec(
        [{"items": [call]}, {"items": [message("patched")]}],
        ["--json", "-s", "workspace-write", "edit"],
        cwd=repo,
        wire=wire,
    )
    assert run.returncode == 0, run.stderr
    assert (repo / "added.txt").read_text() == "line one\nline two\n"
    assert (repo / "out.txt").read_text() == "hello\n"
    assert _normalise_wall(_outputs(run, 1)[-1]) == (
        "Exit code: 0\nWall time: X seconds\nOutput:\nSuccess. Updated the following files:\nA added.txt\nM out.txt\n"
    )
    started = [e for e in run.events if e["type"] == "item.started" and e["item"]["type"] == "file_change"]
    completed = run.items("file_change")
    changes = [{"path": str(repo / "added.txt"), "kind": "add"}, {"path": str(repo / "out.txt"), "kind": "update"}]
    assert started[0]["item"] == {
        "id": started[0]["item"]["id"],
        "type": "file_change",
        "changes": changes,
        "status": "in_progress",
    }
    assert completed[0]["changes"] == changes and completed[0]["status"] == "completed"
    if wire == "responses":
        assert run.requests[0].body["tools"][3]["type"] == "custom"
        assert run.requests[0].body["tools"][3]["format"]["syntax"] == "lark"
    else:
        tool = [t for t in run.requests[0].body["tools"] if t["function"]["name"] == "apply_patch"][0]
        assert tool["function"]["parameters"]["required"] == ["input"]


def test_a_patch_that_does_not_fit_changes_nothing_and_explains(repo: Path) -> None:
    patch = GOOD_PATCH.replace("-hi\n+hello", "-not there\n+x")
    run = run_exec(
        [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("failed")]}],
        ["--json", "-s", "workspace-write", "edit"],
        cwd=repo,
    )
    assert run.returncode == 0, run.stderr
    output = _outputs(run, 1)[-1]
    assert output.startswith(
        f"apply_patch verification failed: Failed to find expected lines in {repo / 'out.txt'}:\nnot there"
    )
    # Transactional: the Add File before the failing hunk was not written either.
    assert not (repo / "added.txt").exists()
    assert (repo / "out.txt").read_text() == "hi\n"
    assert run.items("file_change") == []


def test_invalid_patch_text_gets_codex_parse_message(repo: Path) -> None:
    run = run_exec(
        [{"items": [custom_tool_call("apply_patch", "garbage", "p1")]}, {"items": [message("x")]}],
        ["--json", "edit"],
        cwd=repo,
    )
    assert _outputs(run, 1)[-1] == (
        "apply_patch verification failed: invalid patch: The first line of the patch must be '*** Begin Patch'"
    )


def test_missing_file_to_update_is_reported_with_its_absolute_path(repo: Path) -> None:
    patch = "*** Begin Patch\n*** Update File: nonexistent.txt\n@@\n-a\n+b\n*** End Patch\n"
    run = run_exec(
        [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("x")]}],
        ["--json", "-s", "workspace-write", "edit"],
        cwd=repo,
    )
    assert _outputs(run, 1)[-1].startswith(
        f"apply_patch verification failed: Failed to read file to update {repo / 'nonexistent.txt'}: "
        "No such file or directory (os error 2)"
    )


def test_read_only_sandbox_rejects_patches_under_never(repo: Path) -> None:
    run = run_exec(
        [{"items": [custom_tool_call("apply_patch", GOOD_PATCH, "p1")]}, {"items": [message("x")]}],
        ["--json", "edit"],
        cwd=repo,
    )
    assert _outputs(run, 1)[-1] == (
        "patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings"
    )
    assert not (repo / "added.txt").exists()


@pytest.mark.parametrize(
    "target",
    ["../outside.txt", "/tmp/../etc/pycodex-probe.txt", "link/escaped.txt", ".git/config", ".codex/config.toml"],
)
def test_workspace_write_rejects_writes_outside_the_roots(repo: Path, tmp_path: Path, target: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, repo / "link")
    patch = f"*** Begin Patch\n*** Add File: {target}\n+x\n*** End Patch\n"
    # The test's directories live under /tmp, itself a writable root by default: leave it out.
    no_tmp = [
        "-c",
        "sandbox_workspace_write.exclude_slash_tmp=true",
        "-c",
        "sandbox_workspace_write.exclude_tmpdir_env_var=true",
    ]
    run = run_exec(
        [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("x")]}],
        ["--json", "-s", "workspace-write", *no_tmp, "edit"],
        cwd=repo,
    )
    assert _outputs(run, 1)[-1] == (
        "patch rejected: writing outside of the project; rejected by user approval settings"
    )
    assert not (tmp_path / "outside.txt").exists()
    assert not (outside / "escaped.txt").exists()
    assert not (repo / ".codex").exists()
    assert "x" not in (repo / ".git" / "config").read_text().splitlines()


def test_patch_sent_through_exec_command_is_applied_not_run(repo: Path) -> None:
    script = f"apply_patch <<'EOF'\n{GOOD_PATCH}EOF\n"
    run = run_exec(
        [{"items": [exec_call(script, "c1")]}, {"items": [message("done")]}],
        ["--json", "-s", "workspace-write", "edit"],
        cwd=repo,
    )
    assert run.returncode == 0, run.stderr
    assert (repo / "added.txt").read_text() == "line one\nline two\n"
    assert "Success. Updated the following files:\nA added.txt\nM out.txt\n" in _outputs(run, 1)[-1]
    assert run.items("command_execution") == []
    assert len(run.items("file_change")) == 1


def test_a_bare_patch_as_a_command_is_refused_with_codex_hint(repo: Path) -> None:
    run = run_exec(
        [{"items": [exec_call(GOOD_PATCH, "c1")]}, {"items": [message("x")]}],
        ["--json", "-s", "workspace-write", "edit"],
        cwd=repo,
    )
    assert (
        _outputs(run, 1)[-1]
        == 'patch detected without explicit call to apply_patch. Rerun as ["apply_patch", "<patch>"]'
    )
    assert not (repo / "added.txt").exists()


def test_human_mode_shows_the_patch_as_a_diff(repo: Path) -> None:
    run = run_exec(
        [{"items": [custom_tool_call("apply_patch", GOOD_PATCH, "p1")]}, {"items": [message("ok")]}],
        ["-s", "workspace-write", "edit"],
        cwd=repo,
    )
    assert run.returncode == 0, run.stderr
    assert "apply patch" in run.stderr
    assert "-hi\n+hello" in run.stderr
    assert "patch: completed" in run.stderr
