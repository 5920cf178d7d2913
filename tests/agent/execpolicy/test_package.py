from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import agent.execpolicy

REPO = Path(__file__).resolve().parents[3]


def test_the_public_names_are_a_deliberate_list() -> None:
    assert sorted(agent.execpolicy.__all__) == sorted(
        [
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
    )
    for name in agent.execpolicy.__all__:
        assert hasattr(agent.execpolicy, name), name


def test_tree_sitter_is_imported_only_when_a_script_is_split() -> None:
    probe = (
        "import sys\n"
        "import agent.execpolicy as ep\n"
        "policy = ep.parse_policy('prefix_rule(pattern=[\"ls\"])')\n"
        "policy.check(['ls'])\n"
        "print('tree_sitter' in sys.modules)\n"
        "ep.parse_shell_lc_plain_commands(['bash', '-lc', 'ls && pwd'])\n"
        "print('tree_sitter' in sys.modules)\n"
    )

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)

    assert result.stdout.split() == ["False", "True"]


def test_the_command_module_imports_no_library_at_import_time() -> None:
    probe = (
        "import sys, types\n"
        "pkg = types.ModuleType('cli'); pkg.__path__ = ['cli']; sys.modules['cli'] = pkg\n"
        "import cli._execpolicy_cmd\n"
        "print(sorted(m for m in ('agent', 'starlark', 'tree_sitter') if m in sys.modules))\n"
    )

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)

    assert result.stdout.strip() == "[]"
