"""The package's public names are a decision: this list changes only on purpose."""

from __future__ import annotations

import agent.apply_patch as apply_patch_package


def test_the_package_exports_exactly_its_public_names() -> None:
    assert sorted(apply_patch_package.__all__) == sorted(
        [
            "IMPLICIT_INVOCATION_MESSAGE",
            "AddFile",
            "ApplyPatchError",
            "ApplyResult",
            "ChangeKind",
            "ContextNotFoundError",
            "DeleteError",
            "DeleteFile",
            "FileChange",
            "FileReadError",
            "Hunk",
            "LinesNotFoundError",
            "NoChangesError",
            "Patch",
            "PatchApplyError",
            "PatchParseError",
            "PatchPlan",
            "StaleFileError",
            "UpdateChunk",
            "UpdateFile",
            "WriteError",
            "WriteRoots",
            "apply_patch",
            "extract_shell_invocation",
            "is_implicit_invocation",
            "parse_patch",
            "verify_patch",
        ]
    )
    assert all(hasattr(apply_patch_package, name) for name in apply_patch_package.__all__)


def test_every_error_carries_a_stable_code() -> None:
    codes = {
        name: getattr(apply_patch_package, name).code for name in apply_patch_package.__all__ if name.endswith("Error")
    }
    assert codes == {
        "ApplyPatchError": "apply_patch_error",
        "ContextNotFoundError": "context_not_found",
        "DeleteError": "delete_failed",
        "FileReadError": "read_failed",
        "LinesNotFoundError": "lines_not_found",
        "NoChangesError": "no_changes",
        "PatchApplyError": "apply_failed",
        "PatchParseError": "invalid_patch",
        "StaleFileError": "stale_file",
        "WriteError": "write_failed",
    }
