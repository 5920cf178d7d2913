"""`/review`: a read-only reviewer looks at a change while the chat goes on; its findings arrive as one cell.

`/review` reviews the uncommitted changes, `/review base BRANCH` the changes against a branch, `/review commit SHA
[TITLE]` a commit, and `/review ANY OTHER TEXT` what the text asks for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import agent

from ._cells import AgentCell, NoticeCell

if TYPE_CHECKING:
    from agent.review import ReviewTarget

    from ._command_host import CommandHost


def parse_review_args(args: str) -> ReviewTarget | str:
    """The target `/review ARGS` names, or a usage message."""
    from agent.review import ReviewTarget

    words = args.split()
    head = words[0].lstrip("-") if words else ""
    if not words:
        return ReviewTarget("uncommitted")
    if head in ("base", "commit") and len(words) == 1:
        return f"/review {head} needs a {'branch name' if head == 'base' else 'commit SHA'}."
    if head == "base":
        return ReviewTarget("base", branch=words[1])
    if head == "commit":
        return ReviewTarget("commit", sha=words[1], title=" ".join(words[2:]) or None)
    if head == "uncommitted" and len(words) == 1:
        return ReviewTarget("uncommitted")
    return ReviewTarget("custom", instructions=args.strip())


async def run_review_command(app: CommandHost, args: str) -> None:
    """Start the review of `/review ARGS` in a worker; the chat stays usable meanwhile."""
    target = parse_review_args(args)
    if isinstance(target, str):
        app.notify_cell("warning", target)
        return
    config = app.session.config if app.session is not None else app.config
    app.notify_cell("info", f"Reviewing {target.hint} with a read-only reviewer…")
    cast(Any, app).run_worker(_review(app, config, target), name="review", group="review", exclusive=True)


async def _review(app: CommandHost, config: agent.Config, target: ReviewTarget) -> None:
    import anyio.to_thread

    from agent.review import ReviewTargetError, render_review_output, resolve_target, reviewer_config, run_review

    try:
        request = await anyio.to_thread.run_sync(resolve_target, target, config.cwd)
    except ReviewTargetError as exc:
        app.notify_cell("error", f"/review: {exc}.")
        return
    if request.empty:
        app.notify_cell("info", f"Nothing to review: there are no {target.hint}.")
        return
    try:
        result = await run_review(reviewer_config(config), request, source="tui")
    except agent.AgentError as exc:
        app.notify_cell("error", f"/review failed: {exc}")
        return
    if result.output is None:
        app.notify_cell("error", f"/review: {result.error}")
        if result.raw:
            app.transcript.add(AgentCell(text=result.raw, finished=True))
        return
    blocking = len(result.output.blocking)
    verdict = f" · {blocking} finding(s) of priority 0 or 1" if blocking else ""
    app.transcript.add(NoticeCell("info", f"Review of {request.target.hint}{verdict}:"))
    app.transcript.add(AgentCell(text=render_review_output(result.output), finished=True))
