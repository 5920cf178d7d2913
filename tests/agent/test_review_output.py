"""The reviewer's config is forced read-only. The findings JSON is parsed as Codex parses it (whole text, else the
first `{` to the last `}`) and rendered as Codex renders it; an answer that is not the findings JSON is an error
that keeps the text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sandbox
from agent import SessionFlags
from agent.review import (
    REVIEW_OUTPUT_SCHEMA,
    ReviewParseError,
    parse_review_output,
    render_review_output,
    review_config,
    review_rubric,
)


def _finding(title: str, priority: int | None, body: str = "Why.") -> dict[str, Any]:
    return {
        "title": title,
        "body": body,
        "confidence_score": 0.5,
        "priority": priority,
        "code_location": {"absolute_file_path": "/r/a.py", "line_range": {"start": 3, "end": 4}},
    }


def test_codex_rendering_of_several_findings() -> None:
    output = parse_review_output(
        json.dumps(
            {
                "findings": [_finding("[P2] First", 2, "a\nb"), _finding("[P0] Second", 0)],
                "overall_correctness": "patch is incorrect",
                "overall_explanation": "  Two problems.  ",
                "overall_confidence_score": 0.9,
            }
        )
    )
    assert render_review_output(output) == (
        "Two problems.\n\nFull review comments:\n\n"
        "- [P2] First — /r/a.py:3-4\n  a\n  b\n\n"
        "- [P0] Second — /r/a.py:3-4\n  Why."
    )
    assert [f.title for f in output.blocking] == ["[P0] Second"]


def test_findings_without_an_explanation_and_a_null_priority() -> None:
    output = parse_review_output(json.dumps({"findings": [_finding("Only", None)]}))
    assert render_review_output(output) == "Review comment:\n\n- Only — /r/a.py:3-4\n  Why."
    assert output.blocking == []


@pytest.mark.parametrize(
    "text",
    [
        'Sure.\n```json\n{"findings": [], "overall_explanation": "Fine."}\n```',
        '{"findings": [], "overall_explanation": "Fine."}',
        'The verdict: {"findings": [], "overall_explanation": "Fine.", "extra": 1} -- done',
    ],
)
def test_the_object_is_found_in_fences_and_prose(text: str) -> None:
    assert render_review_output(parse_review_output(text)) == "Fine."


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("no json here", "holds no JSON object"),
        ("[1, 2]", "not an object"),
        ('{"findings": "none"}', "`findings`"),
        ('{"findings": [], "overall_explanation": "  "}', "no findings and no explanation"),
    ],
)
def test_not_the_findings_json_is_an_error_keeping_the_text(text: str, why: str) -> None:
    with pytest.raises(ReviewParseError) as caught:
        parse_review_output(text)
    assert why in str(caught.value)
    assert caught.value.raw == text


def test_the_schema_is_strict() -> None:
    def check(node: dict[str, Any]) -> None:
        if node.get("type") == "object":
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])
            for child in node["properties"].values():
                check(child)
        elif node.get("type") == "array":
            check(node["items"])

    check(REVIEW_OUTPUT_SCHEMA)


def test_review_config_forces_read_only_and_never_whatever_the_config(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(
        'sandbox_mode = "danger-full-access"\napproval_policy = "on-request"\nreview_model = "rev-1"\n'
        'developer_instructions = "write code"\n[mcp_servers.x]\ncommand = "some-server"\n',
        encoding="utf-8",
    )
    config = review_config(SessionFlags(sandbox="workspace-write", full_auto=True), ["sandbox_mode='workspace-write'"])
    assert isinstance(config.sandbox_policy, sandbox.ReadOnly)
    assert config.approval_policy == "never"
    assert config.model == "rev-1"
    assert not config.mcp_servers
    assert config.toml.project_doc_max_bytes == 0
    assert config.developer_instructions == review_rubric()
    assert review_config(SessionFlags(model="mine")).model == "mine"
