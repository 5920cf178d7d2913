"""review/start: a read-only reviewer looks at a change and answers with findings, run as a turn of the thread
(inline delivery): `enteredReviewMode` names the target, `exitedReviewMode` carries the rendered findings."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import anyio

import agent

from ._connection import Connection, Reply
from ._wire import Params
from .errors import InvalidParamsError, ThreadError

if TYPE_CHECKING:
    from agent.review import ReviewRequest, ReviewTarget

    from ._threads import LoadedThread

_WHERE = "Invalid params for review/start"


def _text(target: dict[str, Any], name: str) -> str:
    value = target.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidParamsError(f"{_WHERE}: `target.{name}` must be a non-empty string", field="target")
    return value


def parse_target(target: dict[str, Any]) -> ReviewTarget:
    """The engine's review target from the protocol's `ReviewTarget`."""
    from agent.review import ReviewTarget

    kind = target.get("type")
    if kind == "uncommittedChanges":
        return ReviewTarget("uncommitted")
    if kind == "baseBranch":
        return ReviewTarget("base", branch=_text(target, "branch"))
    if kind == "commit":
        title = target.get("title")
        if title is not None and not isinstance(title, str):
            raise InvalidParamsError(f"{_WHERE}: `target.title` must be a string or null", field="target")
        return ReviewTarget("commit", sha=_text(target, "sha"), title=title)
    if kind == "custom":
        return ReviewTarget("custom", instructions=_text(target, "instructions"))
    raise InvalidParamsError(
        f"{_WHERE}: `target.type` must be uncommittedChanges, baseBranch, commit or custom (got {kind!r})",
        field="target",
    )


async def review_start(conn: Connection, params: Params) -> Reply:
    from agent.review import ReviewTargetError, resolve_target, reviewer_config

    thread = conn.server.threads.require(params.str("threadId"))
    raw = params.opt_obj("target")
    if raw is None:
        raise InvalidParamsError(f"{_WHERE}: missing field `target`", field="target")
    delivery = params.opt_str("delivery")
    if delivery not in (None, "inline"):
        raise InvalidParamsError(
            f"{_WHERE}: `delivery` {delivery!r} is not supported; reviews run inline on the thread", field="delivery"
        )
    target = parse_target(raw)
    if thread.turn_id is not None:
        raise ThreadError(
            f"thread {thread.thread_id} is running turn {thread.turn_id}; start the review when it is over",
            thread_id=thread.thread_id,
        )
    config = reviewer_config(thread.config)
    try:
        request = await anyio.to_thread.run_sync(resolve_target, target, config.cwd)
    except ReviewTargetError as exc:
        raise InvalidParamsError(f"{_WHERE}: {exc}", field="target") from None
    turn_id = str(uuid.uuid4())
    turn: dict[str, Any] = {
        "id": turn_id,
        "items": [],
        "itemsView": "notLoaded",
        "status": "inProgress",
        "error": None,
        "startedAt": None,
        "completedAt": None,
        "durationMs": None,
    }

    async def after() -> None:
        await thread.subscribe(conn)
        await thread.run_side_turn(turn_id, lambda: _review(thread, config, request, turn_id), owner=conn)

    return Reply({"turn": turn, "reviewThreadId": thread.thread_id}, after)


async def _review(thread: LoadedThread, config: agent.Config, request: ReviewRequest, turn_id: str) -> None:
    from agent.review import render_review_output, run_review

    translator = thread.translator
    await thread.broadcast(translator.begin_turn(turn_id))
    await thread.broadcast(translator.review_mode(request.target.hint, entered=True))
    if request.empty:
        nothing = "no" if request.target.kind == "base" else "there are no"
        await thread.broadcast(
            translator.review_mode(f"Nothing to review: {nothing} {request.target.hint}.", entered=False)
        )
        await thread.broadcast(translator.end_turn())
        return
    try:
        result = await run_review(config, request, source="exec")
    except Exception as exc:  # a provider or config error: the review turn fails, the server goes on
        await thread.broadcast(translator.failed(f"the review failed: {exc}"))
        await thread.broadcast(translator.end_turn())
        return
    if result.status == "aborted":
        await thread.broadcast(translator.interrupted())
        return
    if result.output is None:
        said = f"\nThe reviewer said:\n{result.raw}" if result.raw else ""
        await thread.broadcast(translator.failed(f"the review failed: {result.error}{said}"))
        await thread.broadcast(translator.end_turn())
        return
    await thread.broadcast(translator.review_mode(render_review_output(result.output), entered=False))
    await thread.broadcast(translator.end_turn())
