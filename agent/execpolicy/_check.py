"""`execpolicy check`: evaluate one command against rules files and print Codex's JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ._loader import load_policy_files
from ._policy import Evaluation
from .errors import PolicyParseError, PolicyReadError


def check_command(
    rules: Sequence[str], command: Sequence[str], *, resolve_host_executables: bool = False
) -> Evaluation:
    """Load `rules` (in order) and match `command` against them, without splitting and without heuristics.

    Raises:
        PolicyReadError: a rules file cannot be read.
        PolicyParseError: a rules file is not a valid policy.
    """
    policy = load_policy_files(rules)
    return policy.check(command, resolve_host_executables=resolve_host_executables)


def format_check_output(evaluation: Evaluation, *, pretty: bool = False) -> str:
    """The JSON document, compact (or indented by two spaces), without a trailing newline."""
    document = evaluation.to_json()
    if pretty:
        return json.dumps(document, indent=2, ensure_ascii=False)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def format_error_report(error: PolicyReadError | PolicyParseError) -> str:
    """`Error: <headline>\\n\\nCaused by:\\n    <reason, every line indented>\\n`, as Codex prints it."""
    cause = "    " + error.reason.replace("\n", "\n    ")
    return f"Error: {error}\n\nCaused by:\n{cause}\n"
