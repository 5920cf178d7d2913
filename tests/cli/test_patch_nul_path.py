"""A NUL byte in a patch path (issue 14, item 6): a clear patch error from `pycodex apply-patch` and from the model's
apply_patch tool in `pycodex exec`, never a ValueError traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cli.exec_harness import PYCODEX, REPO, run_exec
from tests.support.model_server import custom_tool_call, message

NUL_PATCH = "*** Begin Patch\n*** Add File: a\0b.txt\n+x\n*** End Patch\n"
NUL_MOVE = "*** Begin Patch\n*** Update File: out.txt\n*** Move to: c\0d.txt\n@@\n-hi\n+ho\n*** End Patch\n"
ERROR = "Invalid patch hunk on line 2: path 'a\\0b.txt' contains a NUL byte, which no file name can hold"


def test_apply_patch_command_reports_a_nul_byte_in_a_path_as_an_invalid_patch(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*PYCODEX, "apply-patch"],
        input=NUL_PATCH.encode(),
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )
    stderr = proc.stderr.decode()
    assert (proc.returncode, proc.stdout, stderr.strip()) == (1, b"", ERROR)
    assert list(tmp_path.iterdir()) == []


def test_the_apply_patch_tool_in_exec_answers_a_nul_byte_with_a_patch_error(tmp_path: Path) -> None:
    (tmp_path / "out.txt").write_text("hi\n", encoding="utf-8")
    steps = [
        {"items": [custom_tool_call("apply_patch", NUL_PATCH, "p1")]},
        {"items": [custom_tool_call("apply_patch", NUL_MOVE, "p2")]},
        {"items": [message("gave up")]},
    ]
    run = run_exec(steps, ["--json", "--skip-git-repo-check", "-s", "workspace-write", "edit"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    outputs = [str(i["output"]) for i in run.requests[-1].body["input"] if i.get("type", "").endswith("_call_output")]
    assert outputs == [
        "apply_patch verification failed: invalid hunk at line 2, path 'a\\0b.txt' contains a NUL byte, which no "
        "file name can hold",
        "apply_patch verification failed: invalid hunk at line 2, path 'c\\0d.txt' contains a NUL byte, which no "
        "file name can hold",
    ]
    assert run.events[-1]["type"] == "turn.completed"
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "hi\n"
