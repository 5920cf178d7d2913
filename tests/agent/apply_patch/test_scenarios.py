"""The scenario suite: each folder under fixtures/scenarios holds an input tree, a patch, and either the expected
tree plus stdout, or the expected error (and then the tree must come out byte-identical: we are transactional)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.apply_patch import ApplyPatchError, apply_patch

from .tree import FIXTURES, copy_tree, files_only, run_pycodex, snapshot

SCENARIOS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())

# Scenarios also run through the real `pycodex apply-patch` process: successes, parse errors, apply errors,
# the heredoc wrapper, CRLF text and the rollback case.
THROUGH_THE_COMMAND = {
    "002_multiple_operations",
    "006_rejects_missing_lines",
    "013_rejects_invalid_hunk_header",
    "015_failure_after_success_is_rolled_back",
    "024_heredoc_wrapper",
    "026_crlf_file_keeps_crlf",
    "036_delete_then_add_same_path",
    "042_paths_are_printed_as_written",
    "044_rejects_missing_end_marker",
    "053_failure_in_second_file_leaves_first_untouched",
}


def _expected_tree(folder: Path) -> dict[str, bytes]:
    expected = folder / "expected"
    return files_only(snapshot(expected)) if expected.is_dir() else {}


def _prepare(name: str, tmp_path: Path) -> tuple[Path, Path, str, dict[str, bytes]]:
    folder = FIXTURES / name
    root = tmp_path / "tree"
    copy_tree(folder / "input", root)
    return folder, root, (folder / "patch.txt").read_bytes().decode(), snapshot(root)


def test_the_suite_has_at_least_forty_scenarios() -> None:
    assert len(SCENARIOS) >= 40


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_applied_by_the_library_gives_the_expected_tree_and_text(name: str, tmp_path: Path) -> None:
    folder, root, patch, before = _prepare(name, tmp_path)
    error_file = folder / "expected_error.txt"
    if error_file.exists():
        with pytest.raises(ApplyPatchError) as caught:
            apply_patch(patch, root)
        assert str(caught.value) + "\n" == error_file.read_text(encoding="utf-8").replace("<ROOT>", str(root))
        assert snapshot(root) == before
    else:
        result = apply_patch(patch, root)
        assert result.summary == (folder / "expected_stdout.txt").read_text(encoding="utf-8")
    assert files_only(snapshot(root)) == _expected_tree(folder)


@pytest.mark.parametrize("name", sorted(THROUGH_THE_COMMAND))
def test_scenario_applied_by_the_pycodex_command_prints_and_exits_like_codex(name: str, tmp_path: Path) -> None:
    folder, root, patch, before = _prepare(name, tmp_path)
    done = run_pycodex(["apply-patch", patch], root)
    error_file = folder / "expected_error.txt"
    if error_file.exists():
        assert (done.returncode, done.stdout) == (1, b"")
        assert done.stderr.decode() == error_file.read_text(encoding="utf-8").replace("<ROOT>", str(root))
        assert snapshot(root) == before
    else:
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout == (folder / "expected_stdout.txt").read_bytes()
    assert files_only(snapshot(root)) == _expected_tree(folder)
