"""Code review: a one-shot reviewer that is always read-only, given our rubric and a target (uncommitted changes,
a base branch, a commit, or the user's own request), answering with the findings JSON, parsed and rendered as
Codex does.

Names load on first use (PEP 562), so importing the room does not import the session."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._output import FALLBACK_MESSAGE as FALLBACK_MESSAGE
    from ._output import REVIEW_OUTPUT_SCHEMA as REVIEW_OUTPUT_SCHEMA
    from ._output import CodeLocation as CodeLocation
    from ._output import LineRange as LineRange
    from ._output import ReviewFinding as ReviewFinding
    from ._output import ReviewOutput as ReviewOutput
    from ._output import ReviewParseError as ReviewParseError
    from ._output import format_findings as format_findings
    from ._output import parse_review_output as parse_review_output
    from ._output import render_review_output as render_review_output
    from ._run import ReviewResult as ReviewResult
    from ._run import result_of as result_of
    from ._run import review_config as review_config
    from ._run import review_rubric as review_rubric
    from ._run import reviewer_config as reviewer_config
    from ._run import run_review as run_review
    from ._target import ReviewRequest as ReviewRequest
    from ._target import ReviewTarget as ReviewTarget
    from ._target import ReviewTargetError as ReviewTargetError
    from ._target import resolve_target as resolve_target

_WHERE = {
    "FALLBACK_MESSAGE": "._output",
    "REVIEW_OUTPUT_SCHEMA": "._output",
    "CodeLocation": "._output",
    "LineRange": "._output",
    "ReviewFinding": "._output",
    "ReviewOutput": "._output",
    "ReviewParseError": "._output",
    "format_findings": "._output",
    "parse_review_output": "._output",
    "render_review_output": "._output",
    "ReviewResult": "._run",
    "result_of": "._run",
    "review_config": "._run",
    "review_rubric": "._run",
    "reviewer_config": "._run",
    "run_review": "._run",
    "ReviewRequest": "._target",
    "ReviewTarget": "._target",
    "ReviewTargetError": "._target",
    "resolve_target": "._target",
}

__all__ = [
    "FALLBACK_MESSAGE",
    "REVIEW_OUTPUT_SCHEMA",
    "CodeLocation",
    "LineRange",
    "ReviewFinding",
    "ReviewOutput",
    "ReviewParseError",
    "format_findings",
    "parse_review_output",
    "render_review_output",
    "ReviewResult",
    "result_of",
    "review_config",
    "review_rubric",
    "reviewer_config",
    "run_review",
    "ReviewRequest",
    "ReviewTarget",
    "ReviewTargetError",
    "resolve_target",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.review' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
