from __future__ import annotations

import pytest

from agent.execpolicy import render_command
from agent.execpolicy._words import debug_str, debug_str_list, quote_word, split_words, try_join


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("", "''"),
        ("plain-word_1.2/x:y@z+", "plain-word_1.2/x:y@z+"),
        ("a b", "'a b'"),
        ("it's", '"it\'s"'),
        ('x"y', "'x\"y'"),
        ("$HOME", "'$HOME'"),
        ("a!b", "'a!b'"),
        ("^x", "'^x'"),
        ("x^y", "x'^y'"),
        ("é", "'é'"),
        ("a,b", "'a,b'"),
        ("q\\w", '"q\\\\w"'),
        ("a'b$c", "\"a'b\"'$c'"),
        ("*.py", "'*.py'"),
    ],
)
def test_words_are_quoted_like_rust_shlex(word: str, quoted: str) -> None:
    assert quote_word(word) == quoted


def test_a_nul_byte_cannot_be_quoted_and_render_command_falls_back_to_spaces() -> None:
    assert quote_word("a\0b") is None
    assert try_join(["ls", "a\0b"]) is None
    assert render_command(["ls", "a\0b"]) == "ls a\0b"
    assert render_command(["git", "commit", "-m", "two words"]) == "git commit -m 'two words'"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a b", ["a", "b"]),
        ("  a \t b\n", ["a", "b"]),
        ("a 'b c'", ["a", "b c"]),
        ('a "b\\"c"', ["a", 'b"c']),
        ('a "\\$x \\q"', ["a", "$x \\q"]),
        ('a "b\\\nc"', ["a", "bc"]),
        ("a 'x\\y'", ["a", "x\\y"]),
        ("a b\\ c", ["a", "b c"]),
        ("a\\\nb", ["ab"]),
        ("a #comment\nb", ["a", "b"]),
        ("a#b", ["a#b"]),
        ("a \"\" ''", ["a", "", ""]),
        ("x'y'\"z\"", ["xyz"]),
        ("", []),
        ("# nothing", []),
    ],
)
def test_strings_are_split_like_rust_shlex(text: str, words: list[str]) -> None:
    assert split_words(text) == words


@pytest.mark.parametrize("text", ["a 'b", 'a "b', "a \\", 'a "b\\'])
def test_unterminated_quotes_and_escapes_do_not_split(text: str) -> None:
    assert split_words(text) is None


def test_strings_are_rendered_like_rust_debug() -> None:
    assert debug_str('a"b\\c\n\t\r\0') == '"a\\"b\\\\c\\n\\t\\r\\0"'
    assert debug_str("é ok '") == '"é ok \'"'
    assert debug_str("\x01\u0301") == '"\\u{1}\\u{301}"'
    assert debug_str_list(["a", "b c"]) == '["a", "b c"]'
