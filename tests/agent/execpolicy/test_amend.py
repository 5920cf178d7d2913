from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agent.execpolicy import AmendError, Decision, allow_rule_line, append_allow_rule, load_policy


def test_the_rule_line_json_encodes_each_token() -> None:
    assert allow_rule_line(["echo", "Hello, world!", 'a"b\\c', "é"]) == (
        'prefix_rule(pattern=["echo", "Hello, world!", "a\\"b\\\\c", "é"], decision="allow")'
    )


def test_appending_creates_the_directory_and_file(tmp_path: Path) -> None:
    path = tmp_path / "rules" / "default.rules"

    assert append_allow_rule(path, ["cargo", "test"]) is True

    assert path.read_text(encoding="utf-8") == 'prefix_rule(pattern=["cargo", "test"], decision="allow")\n'
    assert load_policy([path.parent]).check(["cargo", "test", "--all"]).decision is Decision.ALLOW


def test_appending_the_same_prefix_twice_writes_it_once(tmp_path: Path) -> None:
    path = tmp_path / "default.rules"

    first = append_allow_rule(path, ["cargo", "test"])
    second = append_allow_rule(path, ["cargo", "test"])

    assert (first, second) == (True, False)
    assert path.read_text(encoding="utf-8").count("cargo") == 1


def test_an_identical_line_written_by_hand_counts_as_present(tmp_path: Path) -> None:
    path = tmp_path / "default.rules"
    path.write_text('# mine\r\nprefix_rule(pattern=["ls"], decision="allow")\r\n', encoding="utf-8")

    assert append_allow_rule(path, ["ls"]) is False


def test_a_missing_final_newline_is_added_before_the_new_line(tmp_path: Path) -> None:
    path = tmp_path / "default.rules"
    path.write_text('prefix_rule(pattern=["ls"], decision="allow")', encoding="utf-8")

    append_allow_rule(path, ["echo", "hi"])

    assert path.read_text(encoding="utf-8") == (
        'prefix_rule(pattern=["ls"], decision="allow")\nprefix_rule(pattern=["echo", "hi"], decision="allow")\n'
    )


def test_concurrent_appends_neither_interleave_nor_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "default.rules"
    prefixes = [["tool", str(i % 10)] for i in range(40)]
    barrier = threading.Barrier(len(prefixes))
    errors: list[BaseException] = []

    def append(prefix: list[str]) -> None:
        barrier.wait()
        try:
            append_allow_rule(path, prefix)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=append, args=(prefix,)) for prefix in prefixes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    lines = path.read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(allow_rule_line(["tool", str(i)]) for i in range(10))


def test_an_empty_prefix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AmendError) as caught:
        append_allow_rule(tmp_path / "default.rules", [])

    assert caught.value.reason == "a prefix rule needs at least one token"
    assert caught.value.path == tmp_path / "default.rules"


def test_os_errors_are_reported_with_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "rules"
    blocker.write_text("a file where the directory should be", encoding="utf-8")

    with pytest.raises(AmendError) as caught:
        append_allow_rule(blocker / "default.rules", ["ls"])

    assert caught.value.reason == "File exists (os error 17)"
    assert str(caught.value) == f"failed to update rules file {blocker / 'default.rules'}: File exists (os error 17)"


def test_an_existing_file_that_is_not_utf8_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "default.rules"
    path.write_bytes(b"\xff\xfe")

    with pytest.raises(AmendError, match="not valid UTF-8"):
        append_allow_rule(path, ["ls"])

    assert path.read_bytes() == b"\xff\xfe"
