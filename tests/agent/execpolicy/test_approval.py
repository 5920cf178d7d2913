from __future__ import annotations

import pytest

from agent.execpolicy import (
    BANNED_PREFIX_SUGGESTIONS,
    GRANULAR_RULES_REASON,
    GRANULAR_SANDBOX_REASON,
    NEVER_PROMPT_REASON,
    ApprovalPolicy,
    Decision,
    ExecPolicyCommands,
    Forbidden,
    GranularApproval,
    NeedsApproval,
    Policy,
    SandboxKind,
    Skip,
    commands_for_exec_policy,
    exec_approval_requirement,
    is_banned_prefix_suggestion,
    parse_policy,
    prompt_refusal,
    render_decision_for_unmatched_command,
)

SAFE = ["ls", "-la"]
DANGEROUS = ["rm", "-rf", "build"]
OTHER = ["cargo", "build"]

ALLOW, PROMPT, FORBIDDEN = Decision.ALLOW, Decision.PROMPT, Decision.FORBIDDEN
GRANULAR = GranularApproval()


@pytest.mark.parametrize(
    ("command", "approval_policy", "sandbox", "escalation", "decision"),
    [
        # known-safe commands run under every policy
        (SAFE, "untrusted", "read-only", False, ALLOW),
        (SAFE, "untrusted", "workspace-write", True, ALLOW),
        (SAFE, "on-request", "workspace-write", True, ALLOW),
        (SAFE, "never", "read-only", False, ALLOW),
        (SAFE, GRANULAR, "read-only", True, ALLOW),
        # dangerous commands: never refuses them unless nothing is confined, every other policy asks
        (DANGEROUS, "never", "read-only", False, FORBIDDEN),
        (DANGEROUS, "never", "workspace-write", False, FORBIDDEN),
        (DANGEROUS, "never", "danger-full-access", False, ALLOW),
        (DANGEROUS, "never", "external-sandbox", False, ALLOW),
        (DANGEROUS, "on-failure", "workspace-write", False, PROMPT),
        (DANGEROUS, "on-request", "workspace-write", False, PROMPT),
        (DANGEROUS, "on-request", "danger-full-access", False, PROMPT),
        (DANGEROUS, "untrusted", "danger-full-access", False, PROMPT),
        (DANGEROUS, GRANULAR, "workspace-write", False, PROMPT),
        # everything else
        (OTHER, "never", "read-only", True, ALLOW),
        (OTHER, "never", "danger-full-access", False, ALLOW),
        (OTHER, "on-failure", "read-only", True, ALLOW),
        (OTHER, "on-failure", "workspace-write", False, ALLOW),
        (OTHER, "untrusted", "workspace-write", False, PROMPT),
        (OTHER, "untrusted", "danger-full-access", False, PROMPT),
        (OTHER, "on-request", "workspace-write", False, ALLOW),
        (OTHER, "on-request", "read-only", False, ALLOW),
        (OTHER, "on-request", "workspace-write", True, PROMPT),
        (OTHER, "on-request", "read-only", True, PROMPT),
        (OTHER, "on-request", "danger-full-access", True, ALLOW),
        (OTHER, "on-request", "external-sandbox", True, ALLOW),
        (OTHER, GRANULAR, "workspace-write", False, ALLOW),
        (OTHER, GRANULAR, "workspace-write", True, PROMPT),
        (OTHER, GRANULAR, "danger-full-access", True, ALLOW),
    ],
)
def test_unmatched_commands_are_decided_by_safety_approval_policy_and_sandbox(
    command: list[str], approval_policy: ApprovalPolicy, sandbox: SandboxKind, escalation: bool, decision: Decision
) -> None:
    got = render_decision_for_unmatched_command(
        command, approval_policy=approval_policy, sandbox=sandbox, requests_escalation=escalation
    )

    assert got is decision


def test_complex_parsing_turns_off_the_known_safe_shortcut() -> None:
    decide = render_decision_for_unmatched_command

    assert decide(["cat"], approval_policy="untrusted", sandbox="workspace-write") is ALLOW
    assert decide(["cat"], approval_policy="untrusted", sandbox="workspace-write", used_complex_parsing=True) is PROMPT


def test_commands_for_exec_policy_splits_plain_scripts_and_marks_the_heredoc_fallback() -> None:
    assert commands_for_exec_policy(["bash", "-lc", "ls && git status"]) == ExecPolicyCommands(
        (("ls",), ("git", "status"))
    )
    assert commands_for_exec_policy(["bash", "-lc", "python3 <<EOF\nprint(1)\nEOF"]) == ExecPolicyCommands(
        (("python3",),), used_complex_parsing=True
    )
    assert commands_for_exec_policy(["bash", "-lc", "ls > x"]) == ExecPolicyCommands((("bash", "-lc", "ls > x"),))
    assert commands_for_exec_policy(["bash", "-lc", ""]) == ExecPolicyCommands((("bash", "-lc", ""),))
    assert commands_for_exec_policy(["git", "status"]) == ExecPolicyCommands((("git", "status"),))


RULES = parse_policy(
    """
prefix_rule(pattern=["git", "status"])
prefix_rule(pattern=["git", ["push", "fetch"]], decision="prompt", justification="network git")
prefix_rule(pattern=["git", "commit"], decision="prompt")
prefix_rule(pattern=["npm", "publish"], decision="prompt")
prefix_rule(pattern=["rm", "-rf"], decision="forbidden", justification="use trash instead")
prefix_rule(pattern=["rm", "-rf", "/"], decision="forbidden")
prefix_rule(pattern=["shred"], decision="forbidden")
prefix_rule(pattern=["python3"], decision="forbidden")
"""
)


RULES_LONGEST_FIRST = """
prefix_rule(pattern=["rm", "-rf", "/"], decision="forbidden")
prefix_rule(pattern=["rm", "-rf"], decision="forbidden")
prefix_rule(pattern=["rm"], decision="forbidden")
"""


def requirement(
    command: list[str],
    approval_policy: ApprovalPolicy = "on-request",
    sandbox: SandboxKind = "workspace-write",
    *,
    escalation: bool = False,
    prefix_rule: list[str] | None = None,
    policy: Policy = RULES,
) -> Skip | NeedsApproval | Forbidden:
    return exec_approval_requirement(
        policy,
        command,
        approval_policy=approval_policy,
        sandbox=sandbox,
        requests_escalation=escalation,
        prefix_rule=prefix_rule,
    )


def test_a_forbidden_rule_with_a_justification_gives_it_as_the_reason() -> None:
    assert requirement(["rm", "-rf", "build dir"]) == Forbidden("`rm -rf 'build dir'` rejected: use trash instead")


def test_the_most_specific_forbidden_rule_explains_the_rejection() -> None:
    assert requirement(["rm", "-rf", "/"]) == Forbidden(
        "`rm -rf /` rejected: policy forbids commands starting with `rm -rf /`"
    )
    assert requirement(["rm", "-rf", "/"], policy=parse_policy(RULES_LONGEST_FIRST)) == Forbidden(
        "`rm -rf /` rejected: policy forbids commands starting with `rm -rf /`"
    )
    assert requirement(["shred", "-u", "x"]) == Forbidden(
        "`shred -u x` rejected: policy forbids commands starting with `shred`"
    )


def test_a_dangerous_command_under_never_is_blocked_by_policy() -> None:
    assert requirement(["rm", "-f", "x"], "never", policy=Policy.empty()) == Forbidden(
        "`rm -f x` rejected: blocked by policy"
    )


def test_a_forbidden_part_of_a_split_script_rejects_the_whole_command() -> None:
    assert requirement(["bash", "-lc", "git status && shred x"]) == Forbidden(
        "`bash -lc 'git status && shred x'` rejected: policy forbids commands starting with `shred`"
    )


def test_the_heredoc_fallback_still_applies_rules_to_the_command_prefix() -> None:
    assert requirement(["bash", "-lc", "python3 <<'PY'\nprint(1)\nPY"]) == Forbidden(
        "`bash -lc \"python3 <<'PY'\nprint(1)\nPY\"` rejected: policy forbids commands starting with `python3`"
    )


def test_a_prompt_rule_asks_with_the_most_specific_justification_and_no_amendment() -> None:
    assert requirement(["git", "push", "origin"]) == NeedsApproval("`git push origin` requires approval: network git")
    assert requirement(["git", "commit"]) == NeedsApproval("`git commit` requires approval by policy")


def test_a_prompt_under_never_becomes_a_refusal() -> None:
    assert requirement(["npm", "publish"], "never") == Forbidden(NEVER_PROMPT_REASON)
    assert requirement(["cargo", "build"], "never", escalation=True) == Skip(
        bypass_sandbox=False, proposed_amendment=("cargo", "build")
    )


def test_granular_approval_refuses_rule_prompts_and_sandbox_prompts_separately() -> None:
    no_rules = GranularApproval(rules=False)
    no_sandbox = GranularApproval(sandbox_approval=False)

    assert requirement(["npm", "publish"], no_rules) == Forbidden(GRANULAR_RULES_REASON)
    assert requirement(["npm", "publish"], no_sandbox) == NeedsApproval("`npm publish` requires approval by policy")
    assert requirement(["cargo", "build"], no_sandbox, escalation=True) == Forbidden(GRANULAR_SANDBOX_REASON)
    assert requirement(["cargo", "build"], no_rules, escalation=True) == NeedsApproval(None, ("cargo", "build"))


def test_prompt_refusal_covers_every_policy() -> None:
    for policy in ("untrusted", "on-failure", "on-request"):
        assert prompt_refusal(policy, prompt_is_rule=True) is None
    assert prompt_refusal("never", prompt_is_rule=False) == NEVER_PROMPT_REASON


def test_a_heuristics_prompt_proposes_remembering_the_whole_command() -> None:
    assert requirement(["cargo", "build", "--release"], "untrusted") == NeedsApproval(
        None, ("cargo", "build", "--release")
    )


def test_the_models_prefix_suggestion_is_proposed_when_it_would_allow_every_part() -> None:
    assert requirement(["cargo", "build", "--release"], "untrusted", prefix_rule=["cargo", "build"]) == NeedsApproval(
        None, ("cargo", "build")
    )


def test_a_banned_or_insufficient_suggestion_falls_back_to_the_first_prompted_part() -> None:
    command = ["bash", "-lc", "cargo build && make test"]

    assert requirement(["python", "-c", "1"], "untrusted", prefix_rule=["python", "-c"]) == NeedsApproval(
        None, ("python", "-c", "1")
    )
    assert requirement(command, "untrusted", prefix_rule=["cargo", "build"]) == NeedsApproval(None, ("cargo", "build"))
    assert requirement(command, "untrusted", prefix_rule=[]) == NeedsApproval(None, ("cargo", "build"))


def test_the_models_suggestion_is_ignored_once_a_rule_matched_and_nothing_is_proposed_after_complex_parsing() -> None:
    assert requirement(["bash", "-lc", "git status && make all"], "untrusted", prefix_rule=["make"]) == NeedsApproval(
        None, ("make", "all")
    )
    assert requirement(["bash", "-lc", "cat <<EOF\nx\nEOF"], "untrusted", prefix_rule=["cat"]) == NeedsApproval(
        None, None
    )


def test_a_command_every_part_of_which_a_rule_allows_may_skip_the_sandbox() -> None:
    assert requirement(["git", "status"]) == Skip(bypass_sandbox=True)
    assert requirement(["/usr/bin/git", "status"]) == Skip(bypass_sandbox=True)
    assert requirement(["bash", "-lc", "git status && git status -s"]) == Skip(bypass_sandbox=True)


def test_a_command_the_heuristics_allowed_stays_sandboxed_and_may_be_remembered() -> None:
    assert requirement(["bash", "-lc", "git status && ls"]) == Skip(bypass_sandbox=False)
    assert requirement(["make", "test"]) == Skip(bypass_sandbox=False, proposed_amendment=("make", "test"))
    assert requirement(["bash", "-lc", "cat <<EOF\nx\nEOF"], policy=Policy.empty()) == Skip(bypass_sandbox=False)


def test_banned_prefix_suggestions_include_interpreters_shells_and_wrappers() -> None:
    for banned in (["python3"], ["python", "-c"], ["git"], ["bash", "-lc"], ["/bin/bash", "-lc"], ["sudo"], ["env"]):
        assert is_banned_prefix_suggestion(banned)
    assert not is_banned_prefix_suggestion(["git", "status"])
    assert len(BANNED_PREFIX_SUGGESTIONS) == 46
