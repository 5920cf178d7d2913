"""The reviewer's answer: the findings JSON, its schema, how it is parsed and how it is rendered.

Parsing follows Codex: the whole answer as JSON, else the slice from its first `{` to its last `}` (a fenced block
or words around the object). Unlike Codex, an answer that is not the findings JSON is an error, not a verdict.
Rendering is Codex's text: the overall explanation, then `Review comment:` / `Full review comments:` and one
`- <title> — <path>:<start>-<end>` entry per finding with its body indented by two spaces.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import AgentError

FALLBACK_MESSAGE = "Reviewer failed to output a response."
BLOCKING_PRIORITIES = frozenset({0, 1})


class ReviewParseError(AgentError):
    """The reviewer's final message is not the findings JSON; `raw` holds what it said."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LineRange(_Lenient):
    start: int = 0
    end: int = 0


class CodeLocation(_Lenient):
    absolute_file_path: str = ""
    line_range: LineRange = LineRange()


class ReviewFinding(_Lenient):
    """One problem the reviewer reports."""

    title: str = ""
    body: str = ""
    confidence_score: float = 0.0
    priority: int | None = None
    code_location: CodeLocation = CodeLocation()

    @property
    def location(self) -> str:
        where = self.code_location
        return f"{where.absolute_file_path}:{where.line_range.start}-{where.line_range.end}"


class ReviewOutput(_Lenient):
    """The reviewer's whole answer (Codex's `ReviewOutputEvent`)."""

    findings: list[ReviewFinding] = []
    overall_correctness: str = ""
    overall_explanation: str = ""
    overall_confidence_score: float = 0.0

    @property
    def blocking(self) -> list[ReviewFinding]:
        """The findings of priority 0 or 1 (what makes `pycodex review` exit 1)."""
        return [f for f in self.findings if f.priority in BLOCKING_PRIORITIES]


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    # Strict structured output: every property required, nothing else allowed.
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


REVIEW_OUTPUT_SCHEMA: dict[str, Any] = _object(
    {
        "findings": {
            "type": "array",
            "items": _object(
                {
                    "title": {"type": "string"},
                    "body": {"type": "string"},
                    "confidence_score": {"type": "number"},
                    "priority": {"type": "integer"},
                    "code_location": _object(
                        {
                            "absolute_file_path": {"type": "string"},
                            "line_range": _object({"start": {"type": "integer"}, "end": {"type": "integer"}}),
                        }
                    ),
                }
            ),
        },
        "overall_correctness": {"type": "string", "enum": ["patch is correct", "patch is incorrect"]},
        "overall_explanation": {"type": "string"},
        "overall_confidence_score": {"type": "number"},
    }
)
"""The JSON Schema the reviewer's final message is asked to follow (`run_turn(output_schema=...)`)."""


def parse_review_output(text: str) -> ReviewOutput:
    """The findings in the reviewer's final message.

    Raises:
        ReviewParseError: no JSON object in the text, one of the wrong shape, or one with neither findings nor an
            explanation.
    """
    candidates = [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    problem = "it holds no JSON object"
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            problem = "its JSON is not an object"
            continue
        try:
            output = ReviewOutput.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            problem = f"`{where}`: {first['msg']}"
            continue
        if not output.findings and not output.overall_explanation.strip():
            raise ReviewParseError(
                f"the reviewer's answer has no findings and no explanation ({FALLBACK_MESSAGE})", text
            )
        return output
    raise ReviewParseError(f"the reviewer's answer is not the findings JSON: {problem}", text)


def format_findings(findings: list[ReviewFinding]) -> str:
    """The findings block: header, then each finding's title, location and indented body."""
    lines = ["Full review comments:" if len(findings) > 1 else "Review comment:"]
    for finding in findings:
        lines.append("")
        lines.append(f"- {finding.title} — {finding.location}")
        lines.extend(f"  {line}" for line in finding.body.splitlines())
    return "\n".join(lines)


def render_review_output(output: ReviewOutput) -> str:
    """The review as text, as Codex shows it."""
    sections: list[str] = []
    explanation = output.overall_explanation.strip()
    if explanation:
        sections.append(explanation)
    if output.findings:
        sections.append(format_findings(output.findings).strip())
    return "\n\n".join(sections) if sections else FALLBACK_MESSAGE
