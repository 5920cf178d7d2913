from __future__ import annotations

from collections.abc import Sequence

import pytest

from agent.execpolicy import (
    Decision,
    Evaluation,
    HeuristicsRuleMatch,
    Policy,
    PrefixPattern,
    PrefixRuleMatch,
    parse_policy,
)

OVERLAP = """
prefix_rule(pattern = ["git"], decision = "prompt")
prefix_rule(pattern = ["git", "status"], decision = "allow")
prefix_rule(pattern = [["npm", "pnpm"], "install"], decision = "forbidden", justification = "no installs")
"""


def test_every_matching_rule_is_reported_in_load_order_and_the_strictest_wins() -> None:
    evaluation = parse_policy(OVERLAP).check(["git", "status", "--short"])

    assert evaluation.matched_rules == (
        PrefixRuleMatch(("git",), Decision.PROMPT),
        PrefixRuleMatch(("git", "status"), Decision.ALLOW),
    )
    assert evaluation.decision is Decision.PROMPT
    assert evaluation.is_match


@pytest.mark.parametrize(
    ("decisions", "strictest"),
    [
        (["allow", "prompt"], Decision.PROMPT),
        (["prompt", "allow"], Decision.PROMPT),
        (["allow", "forbidden", "prompt"], Decision.FORBIDDEN),
        (["allow", "allow"], Decision.ALLOW),
    ],
)
def test_forbidden_beats_prompt_beats_allow(decisions: list[str], strictest: Decision) -> None:
    source = "\n".join(f'prefix_rule(pattern=["x"], decision="{d}")' for d in decisions)

    assert parse_policy(source).check(["x"]).decision is strictest


def test_a_second_token_alternative_matches_either_and_reports_the_command_tokens() -> None:
    evaluation = parse_policy(OVERLAP).check(["pnpm", "install", "left-pad"])

    assert evaluation.to_json() == {
        "matchedRules": [
            {
                "prefixRuleMatch": {
                    "matchedPrefix": ["pnpm", "install"],
                    "decision": "forbidden",
                    "justification": "no installs",
                }
            }
        ],
        "decision": "forbidden",
    }


@pytest.mark.parametrize(
    "command",
    [[], ["gi"], ["git-lfs"], ["/usr/bin/git", "status"], ["npm"], ["npm", "ci"], ["GIT", "status"]],
)
def test_commands_that_differ_from_every_pattern_match_nothing(command: list[str]) -> None:
    evaluation = parse_policy(OVERLAP).check(command)

    assert evaluation == Evaluation(())
    assert evaluation.decision is None
    assert evaluation.to_json() == {"matchedRules": []}


def test_a_command_shorter_than_the_pattern_does_not_match() -> None:
    assert parse_policy('prefix_rule(pattern=["git", "status"])').check(["git"]).matched_rules == ()


def test_an_absolute_program_matches_by_basename_only_when_resolution_is_on() -> None:
    policy = parse_policy('prefix_rule(pattern=["git", "status"], justification="read")')

    assert policy.check(["/usr/bin/git", "status"]).matched_rules == ()
    assert policy.check(["/usr/bin/git", "status"], resolve_host_executables=True).to_json() == {
        "matchedRules": [
            {
                "prefixRuleMatch": {
                    "matchedPrefix": ["git", "status"],
                    "decision": "allow",
                    "resolvedProgram": "/usr/bin/git",
                    "justification": "read",
                }
            }
        ],
        "decision": "allow",
    }


def test_host_executable_limits_basename_matching_to_its_listed_paths() -> None:
    policy = parse_policy('host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git"])')

    assert policy.check(["/usr/bin/git"], resolve_host_executables=True).decision is Decision.ALLOW
    assert policy.check(["/tmp/evil/git"], resolve_host_executables=True).decision is None


def test_the_resolved_program_is_normalized_lexically() -> None:
    policy = parse_policy('host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git"])')

    for program in ("/usr//bin/git", "/usr/bin/../bin/git", "/usr/bin/./git", "//usr/bin/git"):
        match = policy.check([program], resolve_host_executables=True).matched_rules
        assert match == (PrefixRuleMatch(("git",), Decision.ALLOW, resolved_program="/usr/bin/git"),), program


@pytest.mark.parametrize("program", ["./git", "bin/git", "/", "//"])
def test_relative_paths_and_the_root_are_never_resolved(program: str) -> None:
    policy = parse_policy('prefix_rule(pattern=["git"])')

    assert policy.check([program], resolve_host_executables=True).matched_rules == ()


def test_an_exact_match_suppresses_basename_resolution() -> None:
    policy = parse_policy('prefix_rule(pattern=["/usr/bin/git"], decision="prompt")\nprefix_rule(pattern=["git"])')

    assert policy.check(["/usr/bin/git"], resolve_host_executables=True).matched_rules == (
        PrefixRuleMatch(("/usr/bin/git",), Decision.PROMPT),
    )


def test_canonical_matching_ignores_case_and_lists_after_exact_rules() -> None:
    policy = parse_policy(
        'prefix_rule(pattern=["GIT", ["Ab", "cD"]], canonical_matching=True)\n'
        'prefix_rule(pattern=["git"], decision="forbidden")\n'
        'prefix_rule(pattern=["é"], canonical_matching=True, decision="prompt")\n'
    )

    assert policy.check(["git", "ab"]).matched_rules == (
        PrefixRuleMatch(("git",), Decision.FORBIDDEN),
        PrefixRuleMatch(("git", "ab"), Decision.ALLOW),
    )
    assert policy.check(["Git", "CD", "x"]).matched_rules == (PrefixRuleMatch(("Git", "CD"), Decision.ALLOW),)
    assert policy.check(["É"]).decision is Decision.PROMPT
    assert policy.check(["/usr/bin/Git", "AB"], resolve_host_executables=True).matched_rules == (
        PrefixRuleMatch(("Git", "AB"), Decision.ALLOW, resolved_program="/usr/bin/Git"),
    )


@pytest.mark.parametrize("canonical", [False, True])
def test_a_pattern_matches_only_its_own_first_token(canonical: bool) -> None:
    pattern = PrefixPattern("git", (("status", "log"),), canonical_matching=canonical)

    assert pattern.matches_prefix(["hg", "status"]) is None
    assert pattern.matches_prefix(["git", "diff"]) is None
    assert pattern.matches_prefix(["git", "log", "-p"]) == ("git", "log")


def test_the_heuristics_fallback_decides_only_when_no_rule_matched() -> None:
    policy = parse_policy(OVERLAP)
    asked: list[Sequence[str]] = []

    def fallback(command: Sequence[str]) -> Decision:
        asked.append(command)
        return Decision.PROMPT

    unmatched = policy.check(["curl", "x"], heuristics_fallback=fallback)
    matched = policy.check(["git"], heuristics_fallback=fallback)

    assert unmatched.matched_rules == (HeuristicsRuleMatch(("curl", "x"), Decision.PROMPT),)
    assert not unmatched.is_match
    assert unmatched.to_json() == {"matchedRules": []}
    assert matched.matched_rules == (PrefixRuleMatch(("git",), Decision.PROMPT),)
    assert asked == [["curl", "x"]]


def test_check_multiple_concatenates_matches_and_takes_the_strictest() -> None:
    policy = parse_policy(OVERLAP)

    evaluation = policy.check_multiple(
        [["git", "status"], ["ls"], ["npm", "install"]], heuristics_fallback=lambda _: Decision.ALLOW
    )

    assert evaluation.matched_rules == (
        PrefixRuleMatch(("git",), Decision.PROMPT),
        PrefixRuleMatch(("git", "status"), Decision.ALLOW),
        HeuristicsRuleMatch(("ls",), Decision.ALLOW),
        PrefixRuleMatch(("npm", "install"), Decision.FORBIDDEN, "no installs"),
    )
    assert evaluation.decision is Decision.FORBIDDEN


def test_with_prefix_rule_returns_a_new_policy_that_allows_exactly_that_prefix() -> None:
    policy = Policy.empty()

    amended = policy.with_prefix_rule(["cargo", "test"])

    assert policy.check(["cargo", "test"]).matched_rules == ()
    assert amended.check(["cargo", "test", "--all"]).decision is Decision.ALLOW
    assert amended.check(["cargo", "build"]).decision is None
    with pytest.raises(ValueError, match="at least one token"):
        policy.with_prefix_rule([])


def test_merged_appends_the_overlay_rules_and_overrides_host_executables_by_name() -> None:
    base = parse_policy('host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git"])')
    overlay = parse_policy(
        'host_executable(name="git", paths=["/opt/git"])\nprefix_rule(pattern=["git"], decision="forbidden")\n'
        'network_rule(host="x.org", protocol="https", decision="allow")'
    )

    merged = base.merged(overlay)

    assert merged.check(["git"]).decision is Decision.FORBIDDEN
    assert merged.host_executables == {"git": ("/opt/git",)}
    assert len(merged.network_rules) == 1
    assert repr(merged) == "Policy(rules=2, network_rules=1)"


def test_decision_strictness_orders_allow_prompt_forbidden() -> None:
    assert [d.strictness for d in (Decision.ALLOW, Decision.PROMPT, Decision.FORBIDDEN)] == [0, 1, 2]
    assert Decision.parse("prompt") is Decision.PROMPT
    with pytest.raises(ValueError, match="invalid decision: ask"):
        Decision.parse("ask")
