from __future__ import annotations

import sys

import pytest

from agent.execpolicy import command_might_be_dangerous, is_known_safe_command

ALWAYS_SAFE = (
    "cat cd cut echo expr false grep head id ls nl paste pwd rev seq stat tail tr true uname uniq wc which whoami"
)


@pytest.mark.parametrize("program", ALWAYS_SAFE.split())
def test_the_always_safe_programs_are_safe_with_any_arguments_and_by_path(program: str) -> None:
    assert is_known_safe_command([program, "--anything", "x"])
    assert is_known_safe_command([f"/usr/bin/{program}"])


@pytest.mark.parametrize("program", ["numfmt", "tac"])
def test_numfmt_and_tac_are_safe_only_on_linux(program: str) -> None:
    assert is_known_safe_command([program, "x"]) is sys.platform.startswith("linux")


@pytest.mark.parametrize(
    "argv",
    [
        ["base64"],
        ["base64", "-d", "file"],
        ["find", ".", "-name", "file.txt"],
        ["find", ".", "-type", "f", "-print0"],
        ["rg", "Cargo.toml", "-n"],
        ["rg", "--pretty", "x"],
        ["sed", "-n", "10p"],
        ["sed", "-n", "1,5p", "file.txt"],
        ["git", "status"],
        ["git", "log", "-p", "-1"],
        ["git", "diff", "--stat"],
        ["git", "show", "HEAD"],
        ["git", "-C", "repo", "status"],
        ["git", "--no-pager", "diff"],
        ["git", "--git-dir=.git", "log"],
        ["/usr/bin/git", "status"],
        ["git", "branch"],
        ["git", "branch", "--show-current"],
        ["git", "branch", "-a", "-vv", "--format=%(refname)"],
        ["bash", "-lc", "ls"],
        ["bash", "-lc", "ls -1 && pwd"],
        ["bash", "-lc", 'grep -R "Cargo.toml" -n || true'],
        ["bash", "-lc", "echo 'hi' ; ls"],
        ["bash", "-lc", "ls | wc -l"],
        ["bash", "-lc", "sed -n '1,5p' file.txt"],
        ["bash", "-lc", 'rg -n "foo" -g"*.py"'],
        ["zsh", "-lc", "ls"],
        ["bash", "-lc", "git status"],
    ],
)
def test_read_only_commands_and_plain_scripts_of_them_are_known_safe(argv: list[str]) -> None:
    assert is_known_safe_command(argv)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["foo"],
        ["cargo", "check"],
        ["python3", "-c", "print(1)"],
        ["base64", "-o", "out.bin"],
        ["base64", "--output", "out.bin"],
        ["base64", "--output=out.bin"],
        ["base64", "-ob64.txt"],
        ["find", ".", "-name", "file.txt", "-exec", "rm", "{}", ";"],
        ["find", ".", "-name", "*.py", "-execdir", "python3", "{}", ";"],
        ["find", ".", "-name", "file.txt", "-ok", "rm", "{}", ";"],
        ["find", ".", "-name", "*.py", "-okdir", "python3", "{}", ";"],
        ["find", ".", "-delete", "-name", "file.txt"],
        ["find", ".", "-fls", "/etc/passwd"],
        ["find", ".", "-fprint", "/etc/passwd"],
        ["find", ".", "-fprint0", "/etc/passwd"],
        ["find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"],
        ["rg", "--search-zip", "files"],
        ["rg", "-z", "files"],
        ["rg", "--pre", "pwned", "files"],
        ["rg", "--pre=pwned", "files"],
        ["rg", "--hostname-bin", "pwned", "files"],
        ["rg", "--hostname-bin=pwned", "files"],
        ["sed", "-n", "xp", "file.txt"],
        ["sed", "-n", "1,2,3p"],
        ["sed", "-n", ",5p"],
        ["sed", "-n", "5"],
        ["sed", "-n", "1p", "a", "b"],
        ["sed", "-n"],
        ["sed", "-i", "1p", "f"],
        ["git", "fetch"],
        ["git", "push"],
        ["git", "checkout", "status"],
        ["git", "-c", "core.pager=evil", "log"],
        ["git", "-ccore.pager=evil", "log"],
        ["git", "--config-env", "core.pager=X", "log"],
        ["git", "--config-env=core.pager=X", "log"],
        ["git", "log", "--output=/tmp/x"],
        ["git", "log", "--output", "/tmp/x"],
        ["git", "diff", "--ext-diff"],
        ["git", "show", "--textconv"],
        ["git", "log", "--exec=x"],
        ["git", "log", "--paginate"],
        ["git", "branch", "new-branch"],
        ["git", "branch", "-d", "old"],
        ["git", "branch", "--list", "-D", "x"],
        ["git"],
        ["bash", "-lc", "git", "status"],
        ["bash", "-lc", "'git status'"],
        ["bash", "-lc", "find . -name file.txt -delete"],
        ["bash", "-lc", "ls && rm -rf /"],
        ["bash", "-lc", "(ls)"],
        ["bash", "-lc", "ls || (pwd && echo hi)"],
        ["bash", "-lc", "ls > out.txt"],
        ["bash", "-lc", "git status > x"],
        ["bash", "-lc", ""],
        ["bash", "-lc", "find . -exe\\c rm {} +"],
        ["bash", "-lc", "find . {-exec,sh} -c evil"],
        ["bash", "-lc", "find *"],
        ["bash", "-lc", "cat <<EOF\nx\nEOF"],
        ["./bash", "-lc", "ls"],
    ],
)
def test_commands_that_can_write_execute_or_hide_their_arguments_are_not_known_safe(argv: list[str]) -> None:
    assert not is_known_safe_command(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["rm", "-f", "x"],
        ["rm", "-rf", "/"],
        ["rm", "-fr", "x"],
        ["rm", "-r", "-f", "x"],
        ["rm", "--force", "x"],
        ["rm", "x", "-f"],
        ["/bin/rm", "-rf", "x"],
        ["sudo", "rm", "-rf", "/"],
        ["sudo", "sudo", "rm", "-f", "x"],
        ["bash", "-lc", "ls && rm -rf /tmp/x"],
        ["bash", "-lc", "echo hi | sudo rm -f x"],
        ["bash", "-lc", "rm -rf build/*"],
    ],
)
def test_forced_rm_is_dangerous_directly_under_sudo_and_inside_plain_scripts(argv: list[str]) -> None:
    assert command_might_be_dangerous(argv)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["rm", "x"],
        ["rm", "-r", "x"],
        ["rm", "--", "-f"],
        ["sudo"],
        ["sudo", "ls"],
        ["git", "reset", "--hard"],
        ["bash", "-lc", "echo 'rm -rf /tmp/x'"],
        ["bash", "-lc", "cmd=rm; $cmd -rf /tmp/x"],
        ["ls", "-f"],
    ],
)
def test_other_commands_are_not_flagged_dangerous(argv: list[str]) -> None:
    assert not command_might_be_dangerous(argv)
