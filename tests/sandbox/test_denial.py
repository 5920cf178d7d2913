"""Denial detection, with Codex's keyword list and exit-code rules."""

from __future__ import annotations

import pytest

from sandbox import DangerFullAccess, ReadOnly, WorkspaceWrite, is_likely_sandbox_denied
from sandbox._denial import DENIAL_KEYWORDS


def test_the_keyword_list_is_exactly_codexs() -> None:
    assert DENIAL_KEYWORDS == (
        "operation not permitted",
        "permission denied",
        "read-only file system",
        "seccomp",
        "sandbox",
        "landlock",
        "failed to write file",
    )


@pytest.mark.parametrize("keyword", DENIAL_KEYWORDS)
def test_any_keyword_in_any_case_means_denied(keyword: str) -> None:
    assert is_likely_sandbox_denied(ReadOnly(), 1, f"touch: x: {keyword.upper()}\n")


def test_an_unsandboxed_command_or_a_success_is_never_a_denial() -> None:
    assert not is_likely_sandbox_denied(DangerFullAccess(), 1, "Read-only file system")
    assert not is_likely_sandbox_denied(WorkspaceWrite(), 0, "Permission denied")


@pytest.mark.parametrize("code", [2, 126, 127])
def test_usage_and_not_found_exit_codes_are_not_denials_without_a_keyword(code: int) -> None:
    assert not is_likely_sandbox_denied(ReadOnly(), code, "no such file")
    assert is_likely_sandbox_denied(ReadOnly(), code, "Permission denied")


def test_death_by_sigsys_is_a_denial_on_linux_only() -> None:
    assert is_likely_sandbox_denied(ReadOnly(), 159, "", platform="linux")
    assert not is_likely_sandbox_denied(ReadOnly(), 159, "", platform="darwin")
    assert not is_likely_sandbox_denied(ReadOnly(), 1, "", platform="linux")


def test_bytes_output_is_decoded_leniently() -> None:
    assert is_likely_sandbox_denied(ReadOnly(), 1, b"\xff read-only file system")
