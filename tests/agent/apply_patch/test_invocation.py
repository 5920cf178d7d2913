"""Recognising apply_patch sent as a command: the forms Codex intercepts, and nothing else."""

from __future__ import annotations

import pytest

from agent.apply_patch import IMPLICIT_INVOCATION_MESSAGE, extract_shell_invocation, is_implicit_invocation

PATCH = "*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch"


def _script(prefix: str = "", delimiter: str = "'PATCH'", suffix: str = "") -> str:
    closing = delimiter.strip("'\"")
    return f"{prefix}apply_patch <<{delimiter}\n{PATCH}\n{closing}{suffix}"


def test_a_direct_call_hands_back_the_body_unparsed() -> None:
    assert extract_shell_invocation(["apply_patch", PATCH]) == (PATCH, None)
    assert extract_shell_invocation(["applypatch", "not a patch"]) == ("not a patch", None)


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "-lc", _script()],
        ["bash", "-c", _script()],
        ["/bin/zsh", "-lc", _script()],
        ["/usr/bin/sh", "-c", _script(delimiter="EOF")],
        ["bash", "-lc", _script(delimiter='"EOF"')],
        ["bash", "-lc", _script(delimiter="'EOF'", suffix="\n\n")],
        ["bash", "-lc", "\n  " + _script()],
        ["pwsh", "-NoProfile", "-Command", _script()],
        ["powershell.exe", "-command", _script()],
        ["cmd.exe", "/c", _script()],
    ],
)
def test_a_heredoc_script_is_recognised(argv: list[str]) -> None:
    assert extract_shell_invocation(argv) == (PATCH, None)


@pytest.mark.parametrize(
    ("prefix", "workdir"),
    [
        ("cd foo && ", "foo"),
        ("cd 'foo bar' && ", "foo bar"),
        ('cd "foo bar" && ', "foo bar"),
        ("cd /abs/dir&&", "/abs/dir"),
    ],
)
def test_a_leading_cd_becomes_the_workdir(prefix: str, workdir: str) -> None:
    assert extract_shell_invocation(["bash", "-lc", _script(prefix)]) == (PATCH, workdir)


def test_the_heredoc_body_loses_its_trailing_newlines_only() -> None:
    script = "apply_patch <<'EOF'\n\n  body\n\n\nEOF"
    assert extract_shell_invocation(["bash", "-lc", script]) == ("\n  body", None)


@pytest.mark.parametrize(
    "script",
    [
        _script("cd foo; "),
        _script("cd foo || "),
        _script("cd foo | "),
        _script("echo foo && "),
        _script("cd foo && cd bar && "),
        _script("cd foo bar && "),
        _script('cd "$HOME" && '),
        _script("echo x; cd foo && "),
        _script(suffix=" && echo done"),
        _script(suffix="\necho done"),
        "apply_patch foo <<'PATCH'\n" + PATCH + "\nPATCH",
        "apply_patch <<< 'text'",
        "apply_patch <<'EOF' && echo hi\n" + PATCH + "\nEOF",
        "apply_patch <<'EOF'\n" + PATCH + "\nNOT_EOF",
        "apply_patch <<'EOF'\nEOF",
        "applypatchx <<'EOF'\n" + PATCH + "\nEOF",
        "echo apply_patch",
    ],
)
def test_anything_else_in_a_script_is_not_apply_patch(script: str) -> None:
    assert extract_shell_invocation(["bash", "-lc", script]) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["apply_patch"],
        ["apply_patch", PATCH, "extra"],
        ["python", "-c", _script()],
        ["bash", "-x", _script()],
        ["bash", "-NoProfile", "-lc", _script()],
        ["ls", "-la"],
    ],
)
def test_other_commands_are_not_apply_patch(argv: list[str]) -> None:
    assert extract_shell_invocation(argv) is None


def test_a_bare_patch_without_the_command_is_an_implicit_invocation() -> None:
    assert is_implicit_invocation([PATCH])
    assert is_implicit_invocation(["bash", "-lc", PATCH])
    assert not is_implicit_invocation(["apply_patch", PATCH])
    assert not is_implicit_invocation(["echo hi"])
    assert IMPLICIT_INVOCATION_MESSAGE == (
        'patch detected without explicit call to apply_patch. Rerun as ["apply_patch", "<patch>"]'
    )
