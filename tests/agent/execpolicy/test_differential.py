"""Differential tests: the same rules and commands through Codex's own `codex execpolicy check` and through ours.

Codex's binary comes from the npm package `.ci/setup` installs. Our side runs in-process (`check_command` +
`format_check_output`, which is all the command does); `test_check_cli.py` covers the process boundary.
Deliberate differences are left out of the corpus: Codex 0.169 also resolves relative programs (`./git`) through
`--resolve-host-executables`; we resolve absolute paths only, as Codex 0.125 did.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent.execpolicy import (
    PolicyParseError,
    PolicyReadError,
    check_command,
    format_check_output,
    format_error_report,
)

REPO = Path(__file__).resolve().parents[3]
NPM_BIN = REPO / ".ci" / "npm" / "node_modules" / ".bin" / "codex"
# The native binary behind the npm wrapper starts ten times faster; use it when the platform package is there.
NATIVE = sorted((REPO / ".ci" / "npm" / "node_modules" / "@openai").glob("codex-*/vendor/*/bin/codex"))
CODEX = NATIVE[0] if NATIVE else NPM_BIN

pytestmark = pytest.mark.skipif(
    not CODEX.exists(), reason=f"Codex's binary is not installed at {NPM_BIN} (run .ci/setup to install it)"
)

MAIN_RULES = r"""
prefix_rule(pattern=["git", "status"], justification="read-only git", match=["git status -s"], not_match=["git commit"])
prefix_rule(pattern=["git"], decision="prompt")
prefix_rule(pattern=["git", ["push", "fetch"], "origin"], decision="prompt", justification='network "git" \\ é')
prefix_rule(pattern=[["npm", "pnpm", "yarn"], ["install", "i", "add"]], decision="forbidden", justification="no")
prefix_rule(pattern=["rm", "-rf"], decision="forbidden")
prefix_rule(pattern=["rm"], decision="prompt")
prefix_rule(pattern=["ls"])
prefix_rule(["cargo", "test"], "allow")
prefix_rule(pattern=["cargo"], decision="prompt", justification="builds run code\nsecond line\t!")
prefix_rule(pattern=["GIT", ["LOG", "Show"]], canonical_matching=True, decision="forbidden")
prefix_rule(pattern=["make"], match=[["make"], "make all"], not_match=["cmake"])
host_executable(name="python3", paths=["/usr/bin/python3", "/usr/local/bin/python3"])
prefix_rule(pattern=["python3", "-m", "pytest"])
network_rule(host="example.com", protocol="https", decision="allow", justification="docs")
def read_only(tool):
    prefix_rule(pattern=[tool], justification=f"{tool} reads")
for tool in ["cat", "head"]:
    read_only(tool)
"""

SECOND_RULES = """
host_executable(name="python3", paths=["/opt/python3"])
prefix_rule(pattern=["ls", "-la"], decision="prompt")
prefix_rule(pattern=["echo"], decision="allow")
"""

COMMANDS = [
    ["git", "status"],
    ["git", "status", "--short"],
    ["git", "push", "origin", "main"],
    ["git", "push", "upstream"],
    ["git", "fetch", "origin"],
    ["git", "log"],
    ["Git", "Log", "-p"],
    ["git", "show"],
    ["GIT"],
    ["npm", "i", "left-pad"],
    ["yarn", "add"],
    ["pnpm", "run", "x"],
    ["rm", "-rf", "/"],
    ["rm", "x"],
    ["rm"],
    ["ls"],
    ["ls", "-la"],
    ["cargo", "test", "--all"],
    ["cargo", "build"],
    ["make"],
    ["cmake"],
    ["cat", "README.md"],
    ["head"],
    ["echo", "hi"],
    ["/usr/bin/git", "status"],
    ["/usr/local/bin/git", "push", "origin"],
    ["/usr/bin/Git", "log"],
    ["/usr/bin/python3", "-m", "pytest", "-q"],
    ["/usr/local/bin/python3", "-m", "pytest"],
    ["/opt/python3", "-m", "pytest"],
    ["/usr//bin/python3", "-m", "pytest"],
    ["/usr/bin/../bin/python3", "-m", "pytest"],
    ["/usr/bin/python3/", "-m", "pytest"],
    ["/bin/ls", "-la"],
    ["/", "x"],
    ["python3", "-m", "pytest"],
    ["bash", "-lc", "ls && rm -rf /"],
    ["-x", "--y"],
    ["é", "ü"],
    ["ls", "it's", "a b", "$HOME"],
]


# Codex warns on stderr when CODEX_HOME is under /tmp (every test's is); that line is not part of the check.
PATH_ALIAS_WARNING = "WARNING: proceeding, even though we could not create PATH aliases"


def run_codex(cwd: Path, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(CODEX), "execpolicy", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    lines = result.stderr.splitlines(keepends=True)
    result.stderr = "".join(line for line in lines if not line.startswith(PATH_ALIAS_WARNING))
    return result


def ours(rules: Sequence[str], command: Sequence[str], *, resolve: bool, pretty: bool = False) -> str:
    return format_check_output(check_command(rules, command, resolve_host_executables=resolve), pretty=pretty) + "\n"


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our side names the rules files relative to the working directory, as the Codex run does."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "main.rules").write_text(MAIN_RULES, encoding="utf-8")
    (tmp_path / "second.rules").write_text(SECOND_RULES, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("resolve", [False, True], ids=["exact", "resolve-host-executables"])
@pytest.mark.parametrize("rules", [["main.rules"], ["main.rules", "second.rules"]], ids=["one-file", "two-files"])
def test_every_command_gets_the_same_json_as_from_codex(corpus: Path, rules: list[str], resolve: bool) -> None:
    flags = ["--resolve-host-executables"] if resolve else []
    rule_args = [arg for rule in rules for arg in ("-r", rule)]
    mismatches: list[tuple[list[str], str, str]] = []
    for command in COMMANDS:
        codex = run_codex(corpus, [*flags, *rule_args, "--", *command])
        assert codex.returncode == 0, codex.stderr
        mine = ours(rules, command, resolve=resolve)
        if codex.stdout != mine:
            mismatches.append((command, codex.stdout, mine))

    assert mismatches == []


def test_pretty_output_is_the_same_as_codex(corpus: Path) -> None:
    for command in (["git", "push", "origin"], ["echo", "x"], ["/usr/bin/python3", "-m", "pytest"]):
        codex = run_codex(corpus, ["--pretty", "--resolve-host-executables", "-r", "main.rules", "--", *command])
        assert codex.stdout == ours(["main.rules"], command, resolve=True, pretty=True)


INVALID_POLICIES = [
    'prefix_rule(pattern = ["git"], decision = "deny")',
    "prefix_rule(pattern=[])",
    "prefix_rule(pattern=[[]])",
    'prefix_rule(pattern=[["a", 1]])',
    "prefix_rule(pattern=[None])",
    'prefix_rule(pattern=["a", {"k": 1}])',
    'prefix_rule(pattern=["a"], justification=" \\t")',
    'prefix_rule(pattern=["a"], match=[""])',
    'prefix_rule(pattern=["a"], not_match=[[]])',
    'prefix_rule(pattern=["a"], match=["a \\"b"])',
    'x = 1\n\ndef f():\n    prefix_rule(pattern=["a"], decision="never")\n\nf()',
    'prefix_rule(pattern = ["git", "status"], match = [["git", "log"], "git  diff"])',
    'prefix_rule(pattern=[["npm", "pnpm"], ["i", "add"]], justification="say \\"no\\"\\n", match=["yarn i", "npm x"])',
    'prefix_rule(pattern=["GIT"], canonical_matching=True, decision="prompt", match=["hg"])',
    'prefix_rule(pattern = ["git"], not_match = ["git status"])',
    'prefix_rule(pattern = ["git"], decision="forbidden", justification="é", not_match = [["git", "it\'s", "a b"]])',
    'host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git"], not_match=["/usr/bin/git x"])',
    'prefix_rule(pattern=["git"], match=["/opt/git"])\nhost_executable(name="git", paths=["/usr/bin/git"])',
    'prefix_rule(pattern=["a"], match=["b"], not_match=["a"])',
]


@pytest.mark.parametrize("source", INVALID_POLICIES)
def test_invalid_policies_are_reported_with_the_same_text_and_exit_code_as_codex(tmp_path: Path, source: str) -> None:
    (tmp_path / "ok.rules").write_text('prefix_rule(pattern=["ls"])\n', encoding="utf-8")
    (tmp_path / "bad.rules").write_text(source + "\n", encoding="utf-8")

    codex = run_codex(tmp_path, ["-r", "ok.rules", "-r", "bad.rules", "git", "status"])
    try:
        check_command(["ok.rules", "bad.rules"], ["git", "status"])
    except (PolicyParseError, PolicyReadError) as error:
        report = format_error_report(error)
    else:  # pragma: no cover - the assertion below reports it
        report = "accepted"

    assert (codex.returncode, codex.stdout, codex.stderr) == (1, "", report)


def test_a_missing_file_is_reported_like_codex(tmp_path: Path) -> None:
    codex = run_codex(tmp_path, ["-r", "nonexist.rules", "ls"])

    with pytest.raises(PolicyReadError) as caught:
        check_command(["nonexist.rules"], ["ls"])

    assert (codex.returncode, codex.stderr) == (1, format_error_report(caught.value))
