"""Differential test against Codex's own applier (the `@openai/codex` binary that `.ci/setup` installs).

For generated trees and patches: where Codex applies a patch we must produce the same tree and the same summary;
where Codex fails we must fail with the same message (our diagnostics come after it) and leave the tree as it was.
Codex itself is not transactional, so its tree after a failure is not compared.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from agent.apply_patch import ApplyPatchError, apply_patch

from .patchgen import generate
from .tree import run_pycodex, snapshot, write_tree

REPO = Path(__file__).parents[3]
NPM = REPO / ".ci" / "npm" / "node_modules" / "@openai"
CANDIDATES = sorted(NPM.glob("codex-*/vendor/*/bin/codex")) if NPM.is_dir() else []
CODEX = CANDIDATES[0] if CANDIDATES else None

pytestmark = pytest.mark.skipif(
    CODEX is None,
    reason=f"Codex's binary is not installed under {NPM} (run .ci/setup, which installs @openai/codex@0.169.0)",
)

BATCHES = 40
PER_BATCH = 15


def _codex(patch: str, root: Path) -> subprocess.CompletedProcess[bytes]:
    assert CODEX is not None
    return subprocess.run(
        [str(CODEX), "--codex-run-as-apply-patch", patch], cwd=root, capture_output=True, timeout=30, check=False
    )


def _compare(seed: int, tmp_path: Path, through_command: bool) -> None:
    case = generate(random.Random(seed))
    theirs, ours = tmp_path / f"codex-{seed}", tmp_path / f"ours-{seed}"
    for root in (theirs, ours):
        root.mkdir()
        write_tree(root, case.tree)
    before = snapshot(ours)
    codex = _codex(case.patch, theirs)
    codex_stderr = codex.stderr.decode(errors="replace").replace(str(theirs), "<ROOT>")
    where = f"seed {seed}: patch {case.patch!r}, tree {case.tree!r}"
    try:
        result = apply_patch(case.patch, ours)
    except ApplyPatchError as error:
        assert codex.returncode != 0, f"{where}: Codex applied it, we failed with {error.message!r}"
        assert error.message.replace(str(ours), "<ROOT>") + "\n" == codex_stderr, where
        assert snapshot(ours) == before, f"{where}: our tree changed on failure"
    else:
        assert codex.returncode == 0, f"{where}: Codex failed with {codex_stderr!r}, we applied it"
        assert result.summary.encode() == codex.stdout, where
        assert snapshot(ours) == snapshot(theirs), where
    if through_command:
        command_root = tmp_path / f"command-{seed}"
        command_root.mkdir()
        write_tree(command_root, case.tree)
        done = run_pycodex(["apply-patch", case.patch], command_root)
        assert done.returncode == (0 if codex.returncode == 0 else 1), where
        assert done.stdout == codex.stdout, where
        ours_stderr = done.stderr.decode(errors="replace").replace(str(command_root), "<ROOT>")
        assert ours_stderr.startswith(codex_stderr.rstrip("\n")), where


@pytest.mark.parametrize("batch", range(BATCHES))
def test_generated_patches_apply_exactly_as_codex_applies_them(batch: int, tmp_path: Path) -> None:
    for offset in range(PER_BATCH):
        seed = batch * PER_BATCH + offset
        _compare(seed, tmp_path, through_command=offset == 0)


def test_the_generator_covers_successes_and_each_kind_of_failure(tmp_path: Path) -> None:
    outcomes: set[str] = set()
    for seed in range(BATCHES * PER_BATCH):
        case = generate(random.Random(seed))
        root = tmp_path / str(seed)
        root.mkdir()
        write_tree(root, case.tree)
        done = _codex(case.patch, root)
        message = done.stderr.decode(errors="replace")
        outcomes.add("ok" if done.returncode == 0 else next((k for k in KINDS if message.startswith(k)), message))
    assert outcomes == {"ok", *KINDS}


KINDS = (
    "Invalid patch: ",
    "Invalid patch hunk on line ",
    "Failed to find expected lines in ",
    "Failed to find context ",
    "Failed to read file to update ",
    "Failed to delete file ",
    "Failed to write file ",
    "No files were modified.",
)
