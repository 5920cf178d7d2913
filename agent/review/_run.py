"""The reviewer: a one-shot, always read-only session that answers with the findings JSON.

Whatever the user's configuration says, the reviewer's commands run in the read-only sandbox and nobody is asked
to approve anything (Codex 0.171 lets its reviewer write under workspace-write; this one cannot). It keeps no
rollout, starts no MCP servers and reads no project AGENTS.md: it gets our review rubric and the target.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import anyio

import sandbox

from .._protocol import Event, TextInput
from .._session import Session
from .._turn import TurnOutcome
from ..config import Config, FlagNames, SessionFlags, load_config, overrides_from_flags, reconfigured
from ..errors import ConfigError
from ._output import REVIEW_OUTPUT_SCHEMA, ReviewOutput, parse_review_output
from ._target import ReviewRequest

REVIEW_LABEL = "review (read-only)"


@cache
def review_rubric() -> str:
    """Our review guidelines (agent/prompts/review_rubric.md), given to the reviewer as developer instructions."""
    return resources.files("agent").joinpath("prompts/review_rubric.md").read_text(encoding="utf-8")


def review_config(
    flags: SessionFlags, cli_overrides: Sequence[str] = (), *, strict: bool = False, model_given: bool | None = None
) -> Config:
    """The reviewer's configuration: the user's layers and flags, then read-only, `never`, the rubric, no MCP
    servers, no project AGENTS.md, and `review_model` unless a model was given explicitly.

    Raises:
        FlagError: a bad flag value. ConfigError: a bad configuration.
    """
    values: dict[str, Any] = {**flags.values, "mcp_servers": {}, "project_doc_max_bytes": 0}
    forced = dataclasses.replace(
        flags,
        sandbox="read-only",
        approval_policy=None,
        full_auto=False,
        bypass_approvals_and_sandbox=False,
        developer_instructions=review_rubric(),
        values=values,
    )
    overrides = overrides_from_flags(forced, FlagNames(sandbox=REVIEW_LABEL), approval_policy=("never", REVIEW_LABEL))
    config = load_config(overrides, cli_overrides, strict=strict)
    review_model = config.toml.review_model
    explicit = flags.model is not None if model_given is None else model_given
    if review_model and not explicit:
        config = dataclasses.replace(config, model=review_model)
    if not isinstance(config.sandbox_policy, sandbox.ReadOnly) or config.approval_policy != "never":
        raise ConfigError("the reviewer must run read-only with approval `never`", key="sandbox_mode")
    return config


def reviewer_config(config: Config) -> Config:
    """The reviewer's configuration derived from a session's (for a front door that holds a `Config`, as the TUI
    does): the same provider, directory and layers, made read-only with approval `never`, our rubric, no MCP servers,
    no project AGENTS.md and `review_model` when it is set."""
    changed = reconfigured(config, sandbox_mode="read-only", approval_policy="never")
    return dataclasses.replace(
        changed,
        model=config.toml.review_model or config.model,
        developer_instructions=review_rubric(),
        mcp_servers={},
        toml=config.toml.model_copy(update={"project_doc_max_bytes": 0}),
    )


@dataclass
class ReviewResult:
    """How a review ended: `output` when the reviewer answered with findings, else `error` (and `raw`, its text)."""

    status: Literal["completed", "failed", "aborted"]
    output: ReviewOutput | None = None
    raw: str | None = None
    error: str | None = None
    outcome: TurnOutcome | None = None


async def run_review(
    config: Config,
    request: ReviewRequest,
    *,
    on_event: Callable[[Event], None] | None = None,
    source: Literal["exec", "cli", "tui"] = "exec",
    session_started: Callable[[Session], None] | None = None,
) -> ReviewResult:
    """Run the reviewer on `request` (from `resolve_target`) and parse its answer. `config` comes from
    `review_config`; the reviewer's events go to `on_event` as they happen."""
    if not isinstance(config.sandbox_policy, sandbox.ReadOnly):
        raise ConfigError("the reviewer runs only in the read-only sandbox (build its config with review_config)")
    outcome: TurnOutcome | None = None
    async with Session(config, source=source, ephemeral=True) as session:
        if session_started is not None:
            session_started(session)

        async def pump() -> None:
            async for event in session.events():
                if on_event is not None:
                    on_event(event)

        async with anyio.create_task_group() as tg:
            tg.start_soon(pump)
            outcome = await session.run_turn([TextInput(text=request.message)], output_schema=REVIEW_OUTPUT_SCHEMA)
            await session.aclose()
    assert outcome is not None
    return result_of(outcome)


def result_of(outcome: TurnOutcome) -> ReviewResult:
    """The review's result from the reviewer's finished turn."""
    if outcome.status != "completed":
        error = outcome.error or ("the review was interrupted" if outcome.status == "aborted" else "the review failed")
        return ReviewResult(outcome.status, error=error, outcome=outcome)
    text = outcome.last_agent_message or ""
    from ._output import ReviewParseError

    try:
        output = parse_review_output(text)
    except ReviewParseError as exc:
        return ReviewResult("failed", raw=text, error=str(exc), outcome=outcome)
    return ReviewResult("completed", output=output, raw=text, outcome=outcome)
