from __future__ import annotations

import threading

import pytest

from agent.execpolicy import (
    parse_plain_commands,
    parse_shell_lc_plain_commands,
    parse_shell_lc_single_command_prefix,
)
from agent.execpolicy._bash import split_plain_script


@pytest.mark.parametrize(
    ("script", "commands"),
    [
        ("ls -1", [["ls", "-1"]]),
        ("ls && pwd; echo 'hi there' | wc -l", [["ls"], ["pwd"], ["echo", "hi there"], ["wc", "-l"]]),
        ("ls || true", [["ls"], ["true"]]),
        ("ls\npwd", [["ls"], ["pwd"]]),
        ('echo "hello world"', [["echo", "hello world"]]),
        ('git commit -m "line1\nline2"', [["git", "commit", "-m", "line1\nline2"]]),
        ('echo "/usr"\'/\'"local"/bin', [["echo", "/usr/local/bin"]]),
        ("echo '/usr'\"/\"'local'/bin", [["echo", "/usr/local/bin"]]),
        ("echo 123 456", [["echo", "123", "456"]]),
        ('rg -n "foo" -g"*.py"', [["rg", "-n", "foo", "-g*.py"]]),
        ("grep -n 'pattern' -g'*.txt'", [["grep", "-n", "pattern", "-g*.txt"]]),
        ("echo '' \"\"", [["echo", "", ""]]),
        ('echo a""', [["echo", "a"]]),
        ("echo 'a\\b'", [["echo", "a\\b"]]),
        ('echo "say \\"hi\\" \\\\ \\$x \\q"', [["echo", 'say "hi" \\ $x \\q']]),
        ("echo ~/x a=b", [["echo", "~/x", "a=b"]]),
        ("", []),
    ],
)
def test_plain_scripts_split_into_their_commands_in_source_order(script: str, commands: list[list[str]]) -> None:
    assert parse_plain_commands(script) == commands


@pytest.mark.parametrize(
    "script",
    [
        "(ls)",
        "ls || (pwd && echo hi)",
        "{ ls; }",
        "ls > out.txt",
        "ls 2>/dev/null",
        "ls &> f",
        "cat < in.txt",
        "echo hi & echo bye",
        "ls |& wc",
        "echo $(pwd)",
        "echo `pwd`",
        "echo $HOME",
        'echo "hi $USER"',
        'echo "hi ${USER}"',
        'rg -g"$VAR" pattern',
        'rg -g"$(pwd)" pattern',
        "echo $((1+2))",
        "echo <(ls)",
        "FOO=bar ls",
        "x=1",
        "a=(1 2)",
        "if true; then ls; fi",
        "for a in b; do ls; done",
        "while true; do ls; done",
        "case x in x) ls;; esac",
        "f() { ls; }",
        "! ls",
        "ls # a comment",
        "cat <<EOF\nx\nEOF",
        "ls &&",
        "&& ls",
        "ls ;; pwd",
        "ls | | wc",
        'echo """"',
        "echo 'unterminated",
    ],
)
def test_anything_beyond_plain_words_and_the_four_operators_is_not_split(script: str) -> None:
    assert parse_plain_commands(script) is None


@pytest.mark.parametrize(
    ("script", "literal"),
    [
        ("ls -la && cat 'a b' \"*.py\"", True),
        ("ls *.py", False),
        ("find . -exe\\c rm {} +", False),
        ("find . {-exec,sh} -c x", False),
        ("echo a?b", False),
        ("echo [ab]", False),
        ('echo x"y"*', False),
    ],
)
def test_a_split_says_whether_bash_would_pass_every_word_on_unchanged(script: str, literal: bool) -> None:
    split = split_plain_script(script)

    assert split is not None
    assert split.literal is literal


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "-lc", "ls && pwd"],
        ["bash", "-c", "ls && pwd"],
        ["zsh", "-lc", "ls && pwd"],
        ["sh", "-c", "ls && pwd"],
        ["/bin/bash", "-lc", "ls && pwd"],
        ["/usr/bin/zsh", "-c", "ls && pwd"],
        ["/opt/homebrew/bin/bash", "-lc", "ls && pwd"],
    ],
)
def test_only_bash_zsh_and_sh_with_lc_or_c_and_one_script_are_split(argv: list[str]) -> None:
    assert parse_shell_lc_plain_commands(argv) == [["ls"], ["pwd"]]


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "-lc", "git", "status"],
        ["bash", "-l", "ls && pwd"],
        ["bash", "-lc"],
        ["fish", "-c", "ls && pwd"],
        ["./bash", "-lc", "ls && pwd"],
        ["/tmp/bash", "-lc", "ls && pwd"],
        ["/usr/bin/bash.evil", "-lc", "ls && pwd"],
        ["ls", "-lc", "ls"],
        ["bash", "-lc", "ls > x"],
    ],
)
def test_other_argv_shapes_and_unknown_shell_paths_are_not_split(argv: list[str]) -> None:
    assert parse_shell_lc_plain_commands(argv) is None


def test_a_quoted_command_name_is_not_a_plain_command() -> None:
    assert parse_shell_lc_plain_commands(["bash", "-lc", "'git status'"]) is None


def test_a_script_with_unencodable_text_is_not_split() -> None:
    assert parse_shell_lc_plain_commands(["bash", "-lc", "ls \udcff"]) is None


@pytest.mark.parametrize(
    ("script", "prefix"),
    [
        ("python3 <<'PY'\nprint('hello')\nPY", ["python3"]),
        ("python3 << PY\nprint('hello')\nPY", ["python3"]),
        ("python3 -u - arg <<EOF\nx\nEOF", ["python3", "-u", "-", "arg"]),
        ("cat <<EOF # note\nx\nEOF", ["cat"]),
    ],
)
def test_a_single_heredoc_command_yields_its_literal_prefix(script: str, prefix: list[str]) -> None:
    assert parse_shell_lc_single_command_prefix(["bash", "-lc", script]) == prefix


@pytest.mark.parametrize(
    "script",
    [
        "python3 <<'PY'\nprint('hello')\nPY\necho done",
        "echo hello > /tmp/out.txt",
        "python3 <<'PY' > /tmp/out.txt\nprint('hello')\nPY",
        "PATH=/tmp/evil:$PATH cat <<'EOF'\nhello\nEOF",
        "echo hello > /tmp/out.txt && cat /tmp/out.txt",
        'python3 <<< "$(rm -rf /)"',
        "echo $((1<<2))",
        "python3 $((1<<2)) <<'PY'\nprint('hello')\nPY",
        'python3 "script.py" <<EOF\nx\nEOF',
        "python3 *.py <<EOF\nx\nEOF",
        "cat <<EOF | sh\nrm -rf /\nEOF",
        "ls",
        "python3 <<'PY\nunterminated",
        '"python3" <<EOF\nx\nEOF',
    ],
)
def test_the_heredoc_fallback_rejects_anything_but_one_literal_command(script: str) -> None:
    assert parse_shell_lc_single_command_prefix(["bash", "-lc", script]) is None


def test_the_heredoc_fallback_needs_a_shell_argv_with_encodable_text() -> None:
    assert parse_shell_lc_single_command_prefix(["python3", "-c", "python3 <<EOF\nx\nEOF"]) is None
    assert parse_shell_lc_single_command_prefix(["bash", "-lc", "cat <<EOF\n\udcff\nEOF"]) is None


def test_splitting_works_from_several_threads_at_once() -> None:
    results: list[list[list[str]] | None] = []
    lock = threading.Lock()

    def split() -> None:
        for _ in range(50):
            commands = parse_plain_commands("ls -la && git status | wc -l")
            with lock:
                results.append(commands)

    threads = [threading.Thread(target=split) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [[["ls", "-la"], ["git", "status"], ["wc", "-l"]]] * 200
