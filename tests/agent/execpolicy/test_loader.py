from __future__ import annotations

from pathlib import Path

import pytest

from agent.execpolicy import (
    Decision,
    PolicyParseError,
    PolicyReadError,
    default_rules_path,
    load_policy,
    load_policy_files,
    rules_files,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_files_are_the_dot_rules_regular_files_of_a_directory_sorted_by_name(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write(rules / "b.rules", "")
    write(rules / "a.rules", "")
    write(rules / "notes.txt", "")
    write(rules / "nested" / "c.rules", "")
    (rules / "dir.rules").mkdir()

    assert rules_files(rules) == [rules / "a.rules", rules / "b.rules"]
    assert rules_files(tmp_path / "missing") == []


def test_load_policy_reads_directories_lowest_precedence_first_then_files(tmp_path: Path) -> None:
    home = tmp_path / "home" / "rules"
    project = tmp_path / "project" / ".codex" / "rules"
    write(home / "b.rules", 'prefix_rule(pattern=["b"])')
    write(home / "a.rules", 'prefix_rule(pattern=["a"])')
    write(project / "default.rules", 'prefix_rule(pattern=["c"], decision="forbidden")')
    extra = write(tmp_path / "extra.star", 'prefix_rule(pattern=["d"])')

    policy = load_policy([home, project, tmp_path / "absent", extra])

    assert [rule.program for rule in policy.rules] == ["a", "b", "c", "d"]
    assert policy.check(["c"]).decision is Decision.FORBIDDEN


def test_a_missing_rules_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyReadError) as caught:
        load_policy([tmp_path / "typo.rules"])

    error = caught.value
    assert str(error) == f"failed to read policy at {tmp_path / 'typo.rules'}"
    assert (error.reason, error.errno) == ("No such file or directory (os error 2)", 2)


def test_a_parse_error_names_the_file_it_came_from(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write(rules / "a.rules", 'prefix_rule(pattern=["a"])')
    write(rules / "b.rules", 'prefix_rule(pattern=["b"], decision="maybe")')

    with pytest.raises(PolicyParseError) as caught:
        load_policy([rules])

    assert caught.value.path == str(rules / "b.rules")
    assert caught.value.message == "invalid decision: maybe"
    assert f"--> {rules / 'b.rules'}:1:1" in caught.value.reason


def test_files_given_by_name_keep_the_name_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "x.rules", "prefix_rule(pattern=[1])")

    with pytest.raises(PolicyParseError) as caught:
        load_policy_files(["./x.rules"])

    assert str(caught.value) == "failed to parse policy at ./x.rules"


def test_a_directory_or_non_utf8_file_cannot_be_read_as_rules(tmp_path: Path) -> None:
    (tmp_path / "dir.rules").mkdir()
    (tmp_path / "latin1.rules").write_bytes(b'prefix_rule(pattern=["\xe9"])')

    with pytest.raises(PolicyReadError) as directory:
        load_policy_files([str(tmp_path / "dir.rules")])
    with pytest.raises(PolicyReadError) as latin1:
        load_policy_files([str(tmp_path / "latin1.rules")])

    assert directory.value.reason == "Is a directory (os error 21)"
    assert (latin1.value.reason, latin1.value.errno) == ("the file is not valid UTF-8", None)


def test_a_rules_directory_that_cannot_be_listed_is_an_error(tmp_path: Path) -> None:
    not_a_directory = write(tmp_path / "rules", "")

    with pytest.raises(PolicyReadError) as caught:
        rules_files(not_a_directory)

    assert (caught.value.path, caught.value.reason) == (str(not_a_directory), "Not a directory (os error 20)")


def test_the_default_rules_file_lives_in_codex_home(tmp_path: Path) -> None:
    assert default_rules_path(tmp_path) == tmp_path / "rules" / "default.rules"
