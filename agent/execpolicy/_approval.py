"""From a command to what the agent must do before running it: skip approval, ask, or refuse.

The order of reasoning: split the command (a plain `bash -lc` script becomes its commands), match every part
against the policy, decide unmatched parts by heuristics (known-safe, dangerous, approval policy and sandbox),
take the strictest decision, and translate it into an `ApprovalRequirement` with the reason shown to the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._bash import parse_shell_lc_plain_commands, parse_shell_lc_single_command_prefix
from ._decision import Decision
from ._policy import Evaluation, HeuristicsFallback, Policy
from ._rules import HeuristicsRuleMatch, PrefixRuleMatch, RuleMatch
from ._safety import command_might_be_dangerous, is_known_safe_command
from ._words import render_command

AskForApproval = Literal["untrusted", "on-failure", "on-request", "never"]
"""The `approval_policy` config values (see `GranularApproval` for the fine-grained form)."""

SandboxKind = Literal["read-only", "workspace-write", "danger-full-access", "external-sandbox"]
"""How commands are confined: the first two restrict the file system, the last two leave it to the user."""


@dataclass(frozen=True, slots=True)
class GranularApproval:
    """`approval_policy = { granular = { ... } }`: like on-request, but some kinds of prompts are refused outright.

    Attributes:
        sandbox_approval: whether prompts to run outside the sandbox may be shown.
        rules: whether prompts required by a `prompt` rule may be shown.
    """

    sandbox_approval: bool = True
    rules: bool = True


ApprovalPolicy = AskForApproval | GranularApproval

NEVER_PROMPT_REASON = "approval required by policy, but AskForApproval is set to Never"
GRANULAR_RULES_REASON = "approval required by policy rule, but AskForApproval::Granular.rules is false"
GRANULAR_SANDBOX_REASON = "approval required by policy, but AskForApproval::Granular.sandbox_approval is false"

BANNED_PREFIX_SUGGESTIONS: tuple[tuple[str, ...], ...] = (
    ("python3",),
    ("python3", "-"),
    ("python3", "-c"),
    ("python",),
    ("python", "-"),
    ("python", "-c"),
    ("py",),
    ("py", "-3"),
    ("pythonw",),
    ("pyw",),
    ("pypy",),
    ("pypy3",),
    ("git",),
    ("bash",),
    ("bash", "-lc"),
    ("sh",),
    ("sh", "-c"),
    ("sh", "-lc"),
    ("zsh",),
    ("zsh", "-lc"),
    ("/bin/zsh",),
    ("/bin/zsh", "-lc"),
    ("/bin/bash",),
    ("/bin/bash", "-lc"),
    ("pwsh",),
    ("pwsh", "-Command"),
    ("pwsh", "-c"),
    ("powershell",),
    ("powershell", "-Command"),
    ("powershell", "-c"),
    ("powershell.exe",),
    ("powershell.exe", "-Command"),
    ("powershell.exe", "-c"),
    ("env",),
    ("sudo",),
    ("node",),
    ("node", "-e"),
    ("perl",),
    ("perl", "-e"),
    ("ruby",),
    ("ruby", "-e"),
    ("php",),
    ("php", "-r"),
    ("lua",),
    ("lua", "-e"),
    ("osascript",),
)
"""Prefixes the model may not propose as a remembered allow rule: each would allow running anything."""


@dataclass(frozen=True, slots=True)
class ExecPolicyCommands:
    """The commands a policy judges for one argv.

    Attributes:
        commands: the parts of a plain `bash -lc` script, the heredoc command's prefix, or `[argv]`.
        used_complex_parsing: the heredoc fallback produced `commands`; the known-safe shortcut and derived
            amendments are then off, because the prefix does not show everything that runs.
    """

    commands: tuple[tuple[str, ...], ...]
    used_complex_parsing: bool = False


def commands_for_exec_policy(argv: Sequence[str]) -> ExecPolicyCommands:
    """Split `argv` into the commands to match, see `ExecPolicyCommands`."""
    plain = parse_shell_lc_plain_commands(argv)
    if plain:
        return ExecPolicyCommands(tuple(tuple(command) for command in plain))
    prefix = parse_shell_lc_single_command_prefix(argv)
    if prefix is not None:
        return ExecPolicyCommands((tuple(prefix),), used_complex_parsing=True)
    return ExecPolicyCommands((tuple(argv),))


def render_decision_for_unmatched_command(
    command: Sequence[str],
    *,
    approval_policy: ApprovalPolicy,
    sandbox: SandboxKind,
    requests_escalation: bool = False,
    used_complex_parsing: bool = False,
) -> Decision:
    """Decide about a command no rule matched.

    Args:
        command: one (split) command.
        approval_policy: the session's `approval_policy`.
        sandbox: the kind of sandbox the command would run in.
        requests_escalation: the tool call asked to run outside the sandbox (`sandbox_permissions` other than
            `use_default`).
        used_complex_parsing: the command came from the heredoc fallback (see `ExecPolicyCommands`).
    """
    if is_known_safe_command(command) and not used_complex_parsing:
        return Decision.ALLOW
    unrestricted = sandbox in ("danger-full-access", "external-sandbox")
    if command_might_be_dangerous(command):
        if approval_policy == "never":
            return Decision.ALLOW if unrestricted else Decision.FORBIDDEN
        return Decision.PROMPT
    if approval_policy in ("never", "on-failure"):
        return Decision.ALLOW
    if approval_policy == "untrusted":
        return Decision.PROMPT
    # on-request and granular: the sandbox contains the command unless it asked to leave it.
    if unrestricted or not requests_escalation:
        return Decision.ALLOW
    return Decision.PROMPT


@dataclass(frozen=True, slots=True)
class Skip:
    """Run without asking.

    Attributes:
        bypass_sandbox: every part of the command was allowed by an explicit rule, so it may run unsandboxed.
        proposed_amendment: a prefix to offer as an allow rule if the sandboxed run fails and the user is asked
            to retry without the sandbox.
    """

    bypass_sandbox: bool = False
    proposed_amendment: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    """Ask the user first.

    Attributes:
        reason: why, when a `prompt` rule demanded it (None when the heuristics did).
        proposed_amendment: a prefix the user may approve and remember as an allow rule.
    """

    reason: str | None = None
    proposed_amendment: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Forbidden:
    """Do not run; tell the model `reason`."""

    reason: str


ApprovalRequirement = Skip | NeedsApproval | Forbidden


def exec_approval_requirement(
    policy: Policy,
    command: Sequence[str],
    *,
    approval_policy: ApprovalPolicy,
    sandbox: SandboxKind,
    requests_escalation: bool = False,
    prefix_rule: Sequence[str] | None = None,
) -> ApprovalRequirement:
    """What must happen before `command` runs, given the policy, the approval policy and the sandbox.

    Args:
        policy: the loaded rules.
        command: the argv the model asked to run.
        approval_policy: the session's approval policy.
        sandbox: the sandbox the command would run in.
        requests_escalation: the call asked to run outside the sandbox.
        prefix_rule: the model's suggested prefix to remember (`prefix_rule` tool argument), if any.
    """
    split = commands_for_exec_policy(command)
    auto_amendment_allowed = not split.used_complex_parsing

    def fallback(part: Sequence[str]) -> Decision:
        return render_decision_for_unmatched_command(
            part,
            approval_policy=approval_policy,
            sandbox=sandbox,
            requests_escalation=requests_escalation,
            used_complex_parsing=split.used_complex_parsing,
        )

    evaluation = policy.check_multiple(split.commands, resolve_host_executables=True, heuristics_fallback=fallback)
    matches = evaluation.matched_rules
    decision = evaluation.decision
    if decision is Decision.FORBIDDEN:
        return Forbidden(_forbidden_reason(command, matches))
    if decision is Decision.PROMPT:
        prompt_is_rule = any(isinstance(m, PrefixRuleMatch) and m.decision is Decision.PROMPT for m in matches)
        refusal = prompt_refusal(approval_policy, prompt_is_rule=prompt_is_rule)
        if refusal is not None:
            return Forbidden(refusal)
        amendment = None
        if auto_amendment_allowed:
            amendment = _requested_amendment(policy, prefix_rule, evaluation, split.commands, fallback)
            if amendment is None:
                amendment = _amendment_for_prompt(matches)
        return NeedsApproval(reason=_prompt_reason(command, matches), proposed_amendment=amendment)
    bypass = all(
        any(m.decision is Decision.ALLOW for m in policy.matches_for_command(part, resolve_host_executables=True))
        for part in split.commands
    )
    return Skip(
        bypass_sandbox=bypass,
        proposed_amendment=_amendment_for_allow(matches) if auto_amendment_allowed else None,
    )


def prompt_refusal(approval_policy: ApprovalPolicy, *, prompt_is_rule: bool) -> str | None:
    """The reason a prompt may not be shown under `approval_policy`, or None if asking is fine.

    `prompt_is_rule` tells a prompt a `prompt` rule demanded from one the sandbox or heuristics asked for.
    """
    if approval_policy == "never":
        return NEVER_PROMPT_REASON
    if isinstance(approval_policy, GranularApproval):
        if prompt_is_rule:
            return None if approval_policy.rules else GRANULAR_RULES_REASON
        return None if approval_policy.sandbox_approval else GRANULAR_SANDBOX_REASON
    return None


def is_banned_prefix_suggestion(prefix: Sequence[str]) -> bool:
    """Whether `prefix` is too broad to remember as an allow rule (see `BANNED_PREFIX_SUGGESTIONS`)."""
    return tuple(prefix) in BANNED_PREFIX_SUGGESTIONS


def _forbidden_reason(command: Sequence[str], matches: Sequence[RuleMatch]) -> str:
    rendered = render_command(command)
    forbidden = [m for m in matches if isinstance(m, PrefixRuleMatch) and m.decision is Decision.FORBIDDEN]
    if not forbidden:
        return f"`{rendered}` rejected: blocked by policy"
    most_specific = _longest(forbidden)
    if most_specific.justification is not None:
        return f"`{rendered}` rejected: {most_specific.justification}"
    prefix = render_command(most_specific.matched_prefix)
    return f"`{rendered}` rejected: policy forbids commands starting with `{prefix}`"


def _prompt_reason(command: Sequence[str], matches: Sequence[RuleMatch]) -> str | None:
    prompts = [m for m in matches if isinstance(m, PrefixRuleMatch) and m.decision is Decision.PROMPT]
    if not prompts:
        return None
    rendered = render_command(command)
    most_specific = _longest(prompts)
    if most_specific.justification is not None:
        return f"`{rendered}` requires approval: {most_specific.justification}"
    return f"`{rendered}` requires approval by policy"


def _longest(matches: Sequence[PrefixRuleMatch]) -> PrefixRuleMatch:
    """The match with the longest prefix; the first one among equals."""
    best = matches[0]
    for match in matches[1:]:
        if len(match.matched_prefix) > len(best.matched_prefix):
            best = match
    return best


def _requested_amendment(
    policy: Policy,
    prefix_rule: Sequence[str] | None,
    evaluation: Evaluation,
    commands: Sequence[Sequence[str]],
    fallback: HeuristicsFallback,
) -> tuple[str, ...] | None:
    """The model's suggested prefix, if it is allowed and would make every part of the command run unasked."""
    if not prefix_rule or is_banned_prefix_suggestion(prefix_rule) or evaluation.is_match:
        return None
    amended = policy.with_prefix_rule(prefix_rule)
    if all(
        amended.check(part, resolve_host_executables=True, heuristics_fallback=fallback).decision is Decision.ALLOW
        for part in commands
    ):
        return tuple(prefix_rule)
    return None


def _amendment_for_prompt(matches: Sequence[RuleMatch]) -> tuple[str, ...] | None:
    """The first part the heuristics prompted for, unless a `prompt` rule matched (remembering would not help)."""
    if any(isinstance(m, PrefixRuleMatch) and m.decision is Decision.PROMPT for m in matches):
        return None
    prompted = (m.command for m in matches if isinstance(m, HeuristicsRuleMatch) and m.decision is Decision.PROMPT)
    return next(prompted, None)


def _amendment_for_allow(matches: Sequence[RuleMatch]) -> tuple[str, ...] | None:
    """The first part the heuristics allowed, unless a rule matched (then it would already run unsandboxed)."""
    if any(isinstance(m, PrefixRuleMatch) for m in matches):
        return None
    allowed = (m.command for m in matches if isinstance(m, HeuristicsRuleMatch) and m.decision is Decision.ALLOW)
    return next(allowed, None)
