from __future__ import annotations

import pytest

from agent.execpolicy import (
    Decision,
    NetworkProtocol,
    NetworkRule,
    PolicyParseError,
    PolicyParser,
    PrefixPattern,
    PrefixRule,
    parse_policy,
)


def parse_error(source: str, identifier: str = "team.rules") -> PolicyParseError:
    with pytest.raises(PolicyParseError) as caught:
        parse_policy(source, identifier)
    return caught.value


def test_prefix_rule_defaults_to_allow_without_justification() -> None:
    policy = parse_policy('prefix_rule(pattern=["git", "status"])')

    assert policy.rules == (PrefixRule(PrefixPattern("git", (("status",),)), Decision.ALLOW, None),)


def test_prefix_rule_accepts_positional_arguments_in_codex_order() -> None:
    policy = parse_policy('prefix_rule(["git"], "prompt", [], [], "ask first")')

    assert policy.rules == (PrefixRule(PrefixPattern("git"), Decision.PROMPT, "ask first"),)


def test_first_token_alternatives_expand_into_one_rule_each() -> None:
    policy = parse_policy('prefix_rule(pattern=[["npm", "pnpm"], "install"], decision="forbidden", justification="no")')

    assert policy.rules == (
        PrefixRule(PrefixPattern("npm", (("install",),)), Decision.FORBIDDEN, "no"),
        PrefixRule(PrefixPattern("pnpm", (("install",),)), Decision.FORBIDDEN, "no"),
    )


def test_later_alternatives_stay_in_one_rule_and_a_one_element_list_is_a_plain_token() -> None:
    policy = parse_policy('prefix_rule(pattern=["git", ["push", "fetch"], ["origin"]])')

    assert policy.rules == (PrefixRule(PrefixPattern("git", (("push", "fetch"), ("origin",)))),)
    assert policy.rules[0].debug() == (
        'PrefixRule { pattern: PrefixPattern { canonical_matching: false, first: "git", '
        'rest: [Alts(["push", "fetch"]), Single("origin")] }, decision: Allow, justification: None }'
    )


def test_starlark_features_like_variables_functions_and_f_strings_work() -> None:
    source = """
tools = ["ls", "cat"]
def allow(tool):
    prefix_rule(pattern=[tool], justification=f"{tool} only reads")
for tool in tools:
    allow(tool)
"""
    policy = parse_policy(source)

    assert [(rule.program, rule.justification) for rule in policy.rules] == [
        ("ls", "ls only reads"),
        ("cat", "cat only reads"),
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('prefix_rule(pattern=["git"], decision="deny")', "invalid decision: deny"),
        ('prefix_rule(pattern=["git"], decision="Allow")', "invalid decision: Allow"),
        ("prefix_rule(pattern=[])", "invalid pattern element: pattern cannot be empty"),
        ("prefix_rule(pattern=[[]])", "invalid pattern element: pattern alternatives cannot be empty"),
        (
            'prefix_rule(pattern=[["a", 1]])',
            "invalid pattern element: pattern alternative must be a string (got int)",
        ),
        (
            "prefix_rule(pattern=[1])",
            "invalid pattern element: pattern element must be a string or list of strings (got int)",
        ),
        (
            "prefix_rule(pattern=[None])",
            "invalid pattern element: pattern element must be a string or list of strings (got NoneType)",
        ),
        (
            'prefix_rule(pattern=[{"a": 1}])',
            "invalid pattern element: pattern element must be a string or list of strings (got dict)",
        ),
        ('prefix_rule(pattern=["a"], justification="  ")', "invalid rule: justification cannot be empty"),
        ('prefix_rule(pattern=["a"], match=[""])', "invalid example: example cannot be an empty string"),
        (
            'prefix_rule(pattern=["a"], match=["  # only a comment"])',
            "invalid example: example cannot be an empty string",
        ),
        ('prefix_rule(pattern=["a"], not_match=[[]])', "invalid example: example cannot be an empty list"),
        ('prefix_rule(pattern=["a"], match=["a \\"b"])', "invalid example: example string has invalid shell syntax"),
        (
            'prefix_rule(pattern=["a"], match=[["a", 1]])',
            "invalid example: every token of an example must be a string (got int)",
        ),
        (
            'prefix_rule(pattern=["a"], match=[True])',
            "invalid example: an example is a string or a list of strings (got bool)",
        ),
        ('prefix_rule(pattern=["a"], match=["a \'b"])', "invalid example: example string has invalid shell syntax"),
    ],
)
def test_invalid_prefix_rule_arguments_are_rejected_with_codex_texts(call: str, message: str) -> None:
    error = parse_error(call)

    assert (error.code, error.message, error.line, error.column) == ("invalid-rule", message, 1, 1)
    assert error.reason == (
        "starlark error: Traceback (most recent call last):\n"
        "  * team.rules:1, in <module>\n"
        f"      {call}\n"
        f"error: {message}\n"
        " --> team.rules:1:1\n"
        "  |\n"
        f"1 | {call}\n"
        f"  | {'^' * len(call)}\n"
        "  |\n"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('prefix_rule(pattern="git")', 'prefix_rule(): `pattern` must be a list, not string ("git")'),
        ('prefix_rule(pattern=["a"], decision=1)', "prefix_rule(): `decision` must be a string, not int (1)"),
        (
            'prefix_rule(pattern=["a"], decision=["x", 2])',
            'prefix_rule(): `decision` must be a string, not list (["x", 2])',
        ),
        ('prefix_rule(pattern=["a"], match="a")', 'prefix_rule(): `match` must be a list, not string ("a")'),
        ("prefix_rule()", "prefix_rule() is missing its `pattern` argument"),
        (
            'prefix_rule(pattern=["a"], canonical_matching=1)',
            "prefix_rule(): `canonical_matching` must be a bool, not int",
        ),
        (
            'prefix_rule(["a"], "allow", [], [], "j", False, 7)',
            "prefix_rule() takes at most 6 positional arguments but got 7",
        ),
        ('prefix_rule(["a"], pattern=["b"])', "prefix_rule() got `pattern` both by position and by name"),
        ('host_executable("git")', "host_executable() is missing its `paths` argument"),
        ('network_rule(host="x")', "network_rule() is missing its `protocol` argument"),
    ],
)
def test_badly_typed_or_missing_arguments_name_the_builtin_and_parameter(call: str, message: str) -> None:
    error = parse_error(call)

    assert (error.code, error.message) == ("invalid-rule", message)


def test_an_unknown_parameter_is_named_with_the_ones_the_builtin_takes() -> None:
    error = parse_error('prefix_rule(pattern=["a"], bogus=1)')

    assert error.message == (
        "prefix_rule() has no parameter named `bogus` "
        "(it takes pattern, decision, match, not_match, justification, canonical_matching)"
    )


def test_a_syntax_error_names_file_and_position() -> None:
    error = parse_error('prefix_rule(pattern = ["git"]\n\nprefix_rule(pattern=["ls"])\n', "rules/syntax.rules")

    assert error.code == "syntax"
    assert str(error) == "failed to parse policy at rules/syntax.rules"
    assert error.reason.startswith("starlark error: error: Parse error:")
    assert "--> rules/syntax.rules:" in error.reason
    assert (error.line, error.location()) == (3, "rules/syntax.rules:3")


def test_a_starlark_runtime_error_is_an_evaluation_error_with_its_position() -> None:
    error = parse_error('prefix_rule(pattern=["ls"])\nfail("no rules for you")\n')

    assert (error.code, error.message, error.line, error.column) == ("evaluation", "fail: no rules for you", 2, 1)


def test_an_error_inside_a_function_points_at_the_builtin_call() -> None:
    error = parse_error('def f(x):\n    prefix_rule(pattern=[x], decision="bad")\nf("a")\n')

    assert (error.message, error.line, error.column) == ("invalid decision: bad", 2, 5)
    assert '  * team.rules:3, in <module>\n      f("a")\n  * team.rules:2, in f\n' in error.reason


def test_a_match_example_that_matches_no_rule_fails_with_the_example_named() -> None:
    error = parse_error(
        '\n\nprefix_rule(pattern = ["git", "status"], match = [["git", "log"], "git status", "git  diff -p"])'
    )

    assert error.code == "example-did-not-match"
    assert error.reason == (
        "expected every example to match at least one rule. rules: "
        '["PrefixRule { pattern: PrefixPattern { canonical_matching: false, first: \\"git\\", '
        'rest: [Single(\\"status\\")] }, decision: Allow, justification: None }"]; '
        'unmatched examples: ["git log", "git diff -p"]'
    )
    assert error.examples == ("git log", "git diff -p")
    assert (error.line, error.column) == (3, 1)


def test_a_not_match_example_that_matches_fails_with_the_matching_rule_and_example() -> None:
    error = parse_error('prefix_rule(pattern = ["git"], justification = "x", not_match = ["git status"])')

    assert error.code == "example-did-match"
    assert error.reason == (
        'expected example to not match rule `PrefixRuleMatch { matched_prefix: ["git"], decision: Allow, '
        'resolved_program: None, justification: Some("x") }`: git status'
    )
    assert error.examples == ("git status",)


def test_not_match_examples_are_checked_before_match_examples() -> None:
    error = parse_error('prefix_rule(pattern=["git"], match=["ls"], not_match=["git x"])')

    assert error.code == "example-did-match"


def test_examples_are_checked_only_against_the_rules_of_their_own_call() -> None:
    source = 'prefix_rule(pattern=["ls"])\nprefix_rule(pattern=["git"], match=["ls -l"])\n'

    error = parse_error(source)

    assert (error.code, error.examples, error.line) == ("example-did-not-match", ("ls -l",), 2)


def test_examples_of_first_token_alternatives_may_match_any_of_them() -> None:
    policy = parse_policy(
        'prefix_rule(pattern=[["npm", "pnpm"], "i"], match=["npm i x", ["pnpm", "i"]], not_match=["yarn i"])'
    )

    assert len(policy.rules) == 2


def test_example_strings_are_split_like_a_posix_shell() -> None:
    policy = parse_policy(
        'prefix_rule(pattern=["echo", "a b", "c\\"d", "e"], match=["echo \'a b\' \\"c\\\\\\"d\\" e  # comment"])'
    )

    assert len(policy.rules) == 1


def test_an_example_that_matches_through_an_absolute_path_counts_as_a_match() -> None:
    policy = parse_policy('prefix_rule(pattern=["git"], match=["/usr/bin/git status"])')

    assert len(policy.rules) == 1


def test_host_executable_restrictions_in_the_file_apply_to_its_examples() -> None:
    source = 'prefix_rule(pattern=["git"], match=["/opt/git"])\nhost_executable(name="git", paths=["/usr/bin/git"])\n'

    error = parse_error(source)

    assert (error.code, error.examples) == ("example-did-not-match", ("/opt/git",))


def test_a_not_match_example_matching_via_host_executable_shows_the_resolved_program() -> None:
    source = (
        'host_executable(name="git", paths=["/usr/bin/git"])\n'
        'prefix_rule(pattern=["git"], not_match=["/usr/bin/git x"])'
    )

    error = parse_error(source)

    assert error.reason == (
        'expected example to not match rule `PrefixRuleMatch { matched_prefix: ["git"], decision: Allow, '
        'resolved_program: Some(AbsolutePathBuf("/usr/bin/git")), justification: None }`: /usr/bin/git x'
    )


def test_a_failing_file_leaves_the_parser_with_only_the_earlier_files() -> None:
    parser = PolicyParser()
    parser.parse("a.rules", 'prefix_rule(pattern=["ls"])')

    with pytest.raises(PolicyParseError):
        parser.parse(
            "b.rules", 'prefix_rule(pattern=["rm"], decision="forbidden")\nprefix_rule(pattern=["x"], match=["y"])'
        )

    assert [rule.program for rule in parser.build().rules] == ["ls"]


def test_host_executable_records_normalized_absolute_paths_by_name() -> None:
    policy = parse_policy(
        'host_executable(name="git", paths=["/usr/bin/git", "/usr//bin/git", "/opt/homebrew/bin/git"])'
    )

    assert policy.host_executables == {"git": ("/usr/bin/git", "/opt/homebrew/bin/git")}


def test_a_later_host_executable_for_the_same_name_replaces_the_earlier() -> None:
    parser = PolicyParser()
    parser.parse("a.rules", 'host_executable(name="git", paths=["/usr/bin/git"])')
    parser.parse("b.rules", 'host_executable(name="git", paths=["/opt/git"])')

    assert parser.build().host_executables == {"git": ("/opt/git",)}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('host_executable(name="", paths=[])', "invalid rule: host_executable needs a non-empty name"),
        (
            'host_executable(name="/usr/git", paths=[])',
            "invalid rule: host_executable name must be a bare program name, without a directory (got /usr/git)",
        ),
        (
            'host_executable(name="git", paths=["usr/bin/git"])',
            "invalid rule: host_executable path usr/bin/git is not absolute",
        ),
        (
            'host_executable(name="git", paths=["/usr/bin/gitx"])',
            "invalid rule: host_executable path /usr/bin/gitx does not end in `git`",
        ),
        ('host_executable(name="git", paths=[1])', "invalid rule: host_executable paths must be strings (got int)"),
    ],
)
def test_invalid_host_executables_are_rejected(call: str, message: str) -> None:
    assert parse_error(call).message == message


def test_network_rules_are_parsed_normalized_and_kept() -> None:
    policy = parse_policy(
        'network_rule(host="API.Example.com.:443", protocol="https_connect", decision="deny", justification="no")\n'
        'network_rule(host="[::1]:8080", protocol="socks5_udp", decision="prompt")\n'
        'network_rule("pypi.org", "http", "allow")\n'
    )

    assert policy.network_rules == (
        NetworkRule("api.example.com", NetworkProtocol.HTTPS, Decision.FORBIDDEN, "no"),
        NetworkRule("::1", NetworkProtocol.SOCKS5_UDP, Decision.PROMPT, None),
        NetworkRule("pypi.org", NetworkProtocol.HTTP, Decision.ALLOW, None),
    )
    assert parse_policy('network_rule("Host:x", "http", "allow")').network_rules[0].host == "host:x"
    assert policy.rules == ()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            'network_rule(host="x", protocol="ftp", decision="allow")',
            "invalid rule: network_rule protocol 'ftp' is not one of http, https, socks5_tcp, socks5_udp",
        ),
        ('network_rule(host="x", protocol="http", decision="block")', "invalid decision: block"),
        (
            'network_rule(host="  ", protocol="http", decision="allow")',
            "invalid rule: network_rule needs a non-empty host",
        ),
        (
            'network_rule(host="https://x", protocol="http", decision="allow")',
            "invalid rule: network_rule host takes a bare host name or IP address, without a scheme or path",
        ),
        (
            'network_rule(host="*.x.com", protocol="http", decision="allow")',
            "invalid rule: network_rule host must name one host; wildcards are not supported",
        ),
        (
            'network_rule(host="[::1", protocol="http", decision="allow")',
            "invalid rule: network_rule host has an unclosed `[` IPv6 literal",
        ),
        (
            'network_rule(host="[::1]x", protocol="http", decision="allow")',
            "invalid rule: network_rule host '[::1]x' has something other than a port after its IPv6 literal",
        ),
        (
            'network_rule(host="a b", protocol="http", decision="allow")',
            "invalid rule: network_rule host contains whitespace",
        ),
        (
            'network_rule(host=".", protocol="http", decision="allow")',
            "invalid rule: network_rule needs a non-empty host",
        ),
        (
            'network_rule(host="x", protocol="http", decision="allow", justification="")',
            "invalid rule: justification cannot be empty",
        ),
    ],
)
def test_invalid_network_rules_are_rejected(call: str, message: str) -> None:
    assert parse_error(call).message == message


def test_canonical_matching_rules_are_filed_case_insensitively() -> None:
    policy = parse_policy('prefix_rule(pattern=["GIT", ["Ab", "cD"]], canonical_matching=True)')

    assert policy.rules[0].pattern == PrefixPattern("GIT", (("Ab", "cD"),), canonical_matching=True)
    assert "canonical_matching: true" in policy.rules[0].debug()


def test_values_starlark_cannot_hand_to_python_are_an_evaluation_error() -> None:
    error = parse_error("prefix_rule(pattern=[len])")

    assert (error.code, error.message) == (
        "evaluation",
        "Operation `serde::serialize` not supported on type `function`",
    )
