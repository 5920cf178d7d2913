"""`pycodex execpolicy check` as a whole process, against outputs captured from `codex execpolicy check`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PYCODEX = REPO / ".venv" / "bin" / "pycodex"

TEST_RULES = """# Starlark-style execpolicy rules
prefix_rule(
    pattern = ["git", "status"],
    decision = "allow",
    justification = "read-only git",
    match = [["git", "status"], "git status --short"],
    not_match = [["git", "commit"]],
)
prefix_rule(
    pattern = ["git", ["push", "fetch"]],
    decision = "prompt",
    justification = "network git",
)
prefix_rule(
    pattern = ["rm", "-rf"],
    decision = "forbidden",
    justification = "never rm -rf",
)
prefix_rule(pattern = ["ls"])
"""

OVERLAP_RULES = """prefix_rule(pattern = ["git"], decision = "prompt")
prefix_rule(pattern = ["git", "status"], decision = "allow")
prefix_rule(pattern = [["npm", "pnpm"], "install"], decision = "forbidden", justification = "no installs")
"""

HOST_RULES = """host_executable(name = "git", paths = ["/usr/bin/git"])
prefix_rule(pattern = ["git", "status"], decision = "allow")
"""


def pycodex(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYCODEX), "execpolicy", "check", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    (tmp_path / "test.rules").write_text(TEST_RULES, encoding="utf-8")
    (tmp_path / "overlap.rules").write_text(OVERLAP_RULES, encoding="utf-8")
    (tmp_path / "host.rules").write_text(HOST_RULES, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        (
            ["--rules", "test.rules", "git", "status"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow",'
            '"justification":"read-only git"}}],"decision":"allow"}\n',
        ),
        (
            ["--rules", "test.rules", "git", "push", "origin"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","push"],"decision":"prompt",'
            '"justification":"network git"}}],"decision":"prompt"}\n',
        ),
        (
            ["--rules", "test.rules", "rm", "-rf", "/"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["rm","-rf"],"decision":"forbidden",'
            '"justification":"never rm -rf"}}],"decision":"forbidden"}\n',
        ),
        (
            ["--rules", "test.rules", "ls", "-la"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["ls"],"decision":"allow"}}],"decision":"allow"}\n',
        ),
        (["--rules", "test.rules", "echo", "hi"], '{"matchedRules":[]}\n'),
        (
            ["-r", "overlap.rules", "git", "status"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git"],"decision":"prompt"}},'
            '{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow"}}],"decision":"prompt"}\n',
        ),
        (
            ["-r", "overlap.rules", "pnpm", "install", "x"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["pnpm","install"],"decision":"forbidden",'
            '"justification":"no installs"}}],"decision":"forbidden"}\n',
        ),
        (["--rules", "host.rules", "/usr/bin/git", "status"], '{"matchedRules":[]}\n'),
        (
            ["--resolve-host-executables", "--rules", "host.rules", "/usr/bin/git", "status"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow",'
            '"resolvedProgram":"/usr/bin/git"}}],"decision":"allow"}\n',
        ),
        (["--resolve-host-executables", "--rules", "host.rules", "/opt/git", "status"], '{"matchedRules":[]}\n'),
        (
            ["-r", "test.rules", "-r", "overlap.rules", "git", "status"],
            '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow",'
            '"justification":"read-only git"}},{"prefixRuleMatch":{"matchedPrefix":["git"],"decision":"prompt"}},'
            '{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow"}}],"decision":"prompt"}\n',
        ),
        (["-r", "test.rules", "--", "-x", "--y"], '{"matchedRules":[]}\n'),
        (["-r", "test.rules", "echo", "--pretty"], '{"matchedRules":[]}\n'),
    ],
)
def test_check_prints_codex_compact_json_and_exits_0(rules_dir: Path, args: list[str], stdout: str) -> None:
    result = pycodex(rules_dir, *args)

    assert (result.returncode, result.stdout, result.stderr) == (0, stdout, "")


def test_pretty_indents_by_two_spaces(rules_dir: Path) -> None:
    result = pycodex(rules_dir, "--pretty", "--rules", "test.rules", "git", "push")

    assert result.returncode == 0
    assert result.stdout == (
        "{\n"
        '  "matchedRules": [\n'
        "    {\n"
        '      "prefixRuleMatch": {\n'
        '        "matchedPrefix": [\n'
        '          "git",\n'
        '          "push"\n'
        "        ],\n"
        '        "decision": "prompt",\n'
        '        "justification": "network git"\n'
        "      }\n"
        "    }\n"
        "  ],\n"
        '  "decision": "prompt"\n'
        "}\n"
    )


def test_non_ascii_justifications_are_printed_as_utf8(tmp_path: Path) -> None:
    (tmp_path / "u.rules").write_text('prefix_rule(pattern=["a"], justification="é\\t\\u0001 ✓")', encoding="utf-8")

    result = pycodex(tmp_path, "-r", "u.rules", "a")

    assert result.stdout == (
        '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["a"],"decision":"allow",'
        '"justification":"é\\t\\u0001 ✓"}}],"decision":"allow"}\n'
    )


@pytest.mark.parametrize(
    ("name", "rules", "reason"),
    [
        (
            "badmatch.rules",
            'prefix_rule(pattern = ["git", "status"], match = [["git", "log"]])\n',
            "    expected every example to match at least one rule. rules: "
            '["PrefixRule { pattern: PrefixPattern { canonical_matching: false, first: \\"git\\", '
            'rest: [Single(\\"status\\")] }, decision: Allow, justification: None }"]; '
            'unmatched examples: ["git log"]\n',
        ),
        (
            "badnotmatch.rules",
            'prefix_rule(pattern = ["git"], not_match = ["git status"])\n',
            '    expected example to not match rule `PrefixRuleMatch { matched_prefix: ["git"], decision: Allow, '
            "resolved_program: None, justification: None }`: git status\n",
        ),
        (
            "baddecision.rules",
            'prefix_rule(pattern = ["git"], decision = "deny")\n',
            "    starlark error: Traceback (most recent call last):\n"
            "      * baddecision.rules:1, in <module>\n"
            '          prefix_rule(pattern = ["git"], decision = "deny")\n'
            "    error: invalid decision: deny\n"
            "     --> baddecision.rules:1:1\n"
            "      |\n"
            '    1 | prefix_rule(pattern = ["git"], decision = "deny")\n'
            "      | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
            "      |\n"
            "    \n",
        ),
    ],
)
def test_an_invalid_policy_is_reported_on_stderr_with_exit_1(
    tmp_path: Path, name: str, rules: str, reason: str
) -> None:
    (tmp_path / name).write_text(rules, encoding="utf-8")

    result = pycodex(tmp_path, "--rules", name, "git", "status")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"Error: failed to parse policy at {name}\n\nCaused by:\n{reason}"


def test_a_syntax_error_names_the_file_and_position(tmp_path: Path) -> None:
    (tmp_path / "syntax.rules").write_text('prefix_rule(pattern = ["git"\n', encoding="utf-8")

    result = pycodex(tmp_path, "--rules", "syntax.rules", "git", "status")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(
        "Error: failed to parse policy at syntax.rules\n\nCaused by:\n    starlark error: error: Parse error: "
    )
    assert "    --> syntax.rules:1:1\n" in result.stderr
    assert result.stderr.endswith("\n    \n")


def test_a_missing_rules_file_is_a_read_error(rules_dir: Path) -> None:
    result = pycodex(rules_dir, "-r", "test.rules", "-r", "nonexist.rules", "git", "status")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: failed to read policy at nonexist.rules\n\nCaused by:\n    No such file or directory (os error 2)\n"
    )


@pytest.mark.parametrize(
    ("args", "missing"),
    [(["git", "status"], "'--rules' / '-r'"), (["-r", "test.rules"], "'COMMAND'")],
)
def test_missing_rules_or_command_is_a_usage_error(rules_dir: Path, args: list[str], missing: str) -> None:
    result = pycodex(rules_dir, *args)

    assert result.returncode == 2
    assert missing in result.stderr
