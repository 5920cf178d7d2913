"""Exec policy: Starlark rules a team writes to allow, prompt for or forbid commands, and the heuristics for the rest.

Load rules with `load_policy([codex_home / "rules", project / ".codex" / "rules"])`, then ask
`exec_approval_requirement(policy, argv, approval_policy=..., sandbox=...)` what to do before running a command.
This package imports nothing else of pycodex.
"""

from ._amend import allow_rule_line as allow_rule_line
from ._amend import append_allow_rule as append_allow_rule
from ._approval import BANNED_PREFIX_SUGGESTIONS as BANNED_PREFIX_SUGGESTIONS
from ._approval import GRANULAR_RULES_REASON as GRANULAR_RULES_REASON
from ._approval import GRANULAR_SANDBOX_REASON as GRANULAR_SANDBOX_REASON
from ._approval import NEVER_PROMPT_REASON as NEVER_PROMPT_REASON
from ._approval import ApprovalPolicy as ApprovalPolicy
from ._approval import ApprovalRequirement as ApprovalRequirement
from ._approval import AskForApproval as AskForApproval
from ._approval import ExecPolicyCommands as ExecPolicyCommands
from ._approval import Forbidden as Forbidden
from ._approval import GranularApproval as GranularApproval
from ._approval import NeedsApproval as NeedsApproval
from ._approval import SandboxKind as SandboxKind
from ._approval import Skip as Skip
from ._approval import commands_for_exec_policy as commands_for_exec_policy
from ._approval import exec_approval_requirement as exec_approval_requirement
from ._approval import is_banned_prefix_suggestion as is_banned_prefix_suggestion
from ._approval import prompt_refusal as prompt_refusal
from ._approval import render_decision_for_unmatched_command as render_decision_for_unmatched_command
from ._bash import parse_plain_commands as parse_plain_commands
from ._bash import parse_shell_lc_plain_commands as parse_shell_lc_plain_commands
from ._bash import parse_shell_lc_single_command_prefix as parse_shell_lc_single_command_prefix
from ._check import check_command as check_command
from ._check import format_check_output as format_check_output
from ._check import format_error_report as format_error_report
from ._decision import Decision as Decision
from ._loader import default_rules_path as default_rules_path
from ._loader import load_policy as load_policy
from ._loader import load_policy_files as load_policy_files
from ._loader import rules_files as rules_files
from ._parser import PolicyParser as PolicyParser
from ._parser import parse_policy as parse_policy
from ._policy import Evaluation as Evaluation
from ._policy import HeuristicsFallback as HeuristicsFallback
from ._policy import Policy as Policy
from ._rules import HeuristicsRuleMatch as HeuristicsRuleMatch
from ._rules import NetworkProtocol as NetworkProtocol
from ._rules import NetworkRule as NetworkRule
from ._rules import PrefixPattern as PrefixPattern
from ._rules import PrefixRule as PrefixRule
from ._rules import PrefixRuleMatch as PrefixRuleMatch
from ._rules import RuleMatch as RuleMatch
from ._safety import command_might_be_dangerous as command_might_be_dangerous
from ._safety import is_known_safe_command as is_known_safe_command
from ._words import render_command as render_command
from .errors import AmendError as AmendError
from .errors import ExecPolicyError as ExecPolicyError
from .errors import PolicyParseError as PolicyParseError
from .errors import PolicyReadError as PolicyReadError

__all__ = [
    "BANNED_PREFIX_SUGGESTIONS",
    "GRANULAR_RULES_REASON",
    "GRANULAR_SANDBOX_REASON",
    "NEVER_PROMPT_REASON",
    "AmendError",
    "ApprovalPolicy",
    "ApprovalRequirement",
    "AskForApproval",
    "Decision",
    "Evaluation",
    "ExecPolicyCommands",
    "ExecPolicyError",
    "Forbidden",
    "GranularApproval",
    "HeuristicsFallback",
    "HeuristicsRuleMatch",
    "NeedsApproval",
    "NetworkProtocol",
    "NetworkRule",
    "Policy",
    "PolicyParseError",
    "PolicyParser",
    "PolicyReadError",
    "PrefixPattern",
    "PrefixRule",
    "PrefixRuleMatch",
    "RuleMatch",
    "SandboxKind",
    "Skip",
    "allow_rule_line",
    "append_allow_rule",
    "check_command",
    "command_might_be_dangerous",
    "commands_for_exec_policy",
    "default_rules_path",
    "exec_approval_requirement",
    "format_check_output",
    "format_error_report",
    "is_banned_prefix_suggestion",
    "is_known_safe_command",
    "load_policy",
    "load_policy_files",
    "parse_plain_commands",
    "parse_policy",
    "parse_shell_lc_plain_commands",
    "parse_shell_lc_single_command_prefix",
    "prompt_refusal",
    "render_command",
    "render_decision_for_unmatched_command",
    "rules_files",
]
