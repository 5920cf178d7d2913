"""turn/* requests: start, steer, interrupt."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

import agent

from . import _shapes as shapes
from ._connection import Connection, Reply
from ._settings import APPROVALS_REVIEWERS
from ._thread_methods import REASONING_EFFORTS, approval_policy_param
from ._wire import Params
from .errors import InvalidParamsError, ThreadError


def user_inputs(params: Params, name: str = "input") -> list[agent.UserInput]:
    """The engine's inputs for a `UserInput[]`; kinds pycodex cannot take are refused by name."""
    items: list[agent.UserInput] = []
    for index, raw in enumerate(params.list(name)):
        where = f"`{name}[{index}]`"
        if not isinstance(raw, dict):
            raise InvalidParamsError(f"Invalid params for {params.method}: {where} must be an object", field=name)
        entry = cast(dict[str, Any], raw)
        kind = entry.get("type")
        if kind == "text" and isinstance(entry.get("text"), str):
            items.append(agent.TextInput(text=entry["text"]))
        elif kind == "image" and isinstance(entry.get("url"), str):
            items.append(agent.ImageUrlInput(image_url=entry["url"]))
        elif kind == "localImage" and isinstance(entry.get("path"), str):
            items.append(agent.LocalImageInput(path=Path(entry["path"])))
        elif kind in ("text", "image", "localImage"):
            raise InvalidParamsError(
                f"Invalid params for {params.method}: {where} of type {kind} lacks its text, url or path", field=name
            )
        else:
            raise InvalidParamsError(
                f"Invalid params for {params.method}: {where} has type {kind!r}; pycodex takes text, image (url) and "
                "localImage inputs",
                field=name,
            )
    if not items:
        raise InvalidParamsError(f"Invalid params for {params.method}: `{name}` is empty", field=name)
    return items


def _turn_overrides(conn: Connection, params: Params) -> list[str]:
    """Apply turn/start's per-turn settings to the thread; returns notes about those pycodex does not take."""
    thread = conn.server.threads.require(params.str("threadId"))
    cwd = params.opt_str("cwd")
    if cwd is not None and Path(cwd) != thread.config.cwd:
        raise InvalidParamsError(
            "Invalid params for turn/start: changing `cwd` within a thread is not supported by pycodex; start a new "
            "thread in that directory",
            field="cwd",
        )
    sandbox_mode = None
    if params.raw.get("sandboxPolicy") is not None:
        try:
            sandbox_mode = shapes.sandbox_mode_of(params.raw["sandboxPolicy"])
        except ValueError as exc:
            raise InvalidParamsError(f"Invalid params for turn/start: {exc}", field="sandboxPolicy") from None
    approval = approval_policy_param(params)
    effort = params.choice("effort", REASONING_EFFORTS)
    model = params.opt_str("model")
    # Like Codex, the turn's approvalsReviewer also holds for the turns after it.
    reviewer = params.choice("approvalsReviewer", APPROVALS_REVIEWERS)
    if thread.session is not None and (model or approval or sandbox_mode or effort or reviewer):
        thread.config = thread.session.reconfigure(
            model=model,
            approval_policy=cast(Any, approval),
            sandbox_mode=cast(Any, sandbox_mode),
            reasoning_effort=cast(Any, effort),
            approvals_reviewer=cast(Any, reviewer),
        )
    ignored = [name for name in ("summary", "personality", "serviceTier") if params.raw.get(name) is not None]
    return [f"turn/start: `{name}` is not supported by pycodex and was ignored" for name in ignored]


async def turn_start(conn: Connection, params: Params) -> Reply:
    thread = conn.server.threads.require(params.str("threadId"))
    if thread.turn_id is not None:
        raise ThreadError(
            f"thread {thread.thread_id} is already running turn {thread.turn_id}; steer it with turn/steer or stop it "
            "with turn/interrupt",
            thread_id=thread.thread_id,
        )
    items = user_inputs(params)
    schema = params.raw.get("outputSchema")
    if schema is not None and not isinstance(schema, dict):
        raise InvalidParamsError("Invalid params for turn/start: `outputSchema` must be a JSON Schema object")
    notes = _turn_overrides(conn, params)
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

    client_id = params.opt_str("clientUserMessageId")

    async def after() -> None:
        for note in notes:
            await conn.notify("warning", {"threadId": thread.thread_id, "message": note})
        await thread.subscribe(conn)
        thread.client_message_id = client_id
        await thread.start_turn(items, turn_id=turn_id, output_schema=cast(Any, schema), owner=conn)

    return Reply({"turn": turn}, after)


async def turn_steer(conn: Connection, params: Params) -> dict[str, Any]:
    thread = conn.server.threads.require(params.str("threadId"))
    expected = params.str("expectedTurnId")
    items = user_inputs(params)
    if thread.turn_id is None or thread.turn_id != expected or thread.session is None:
        running = f"turn {thread.turn_id} is running" if thread.turn_id else "no turn is running"
        raise ThreadError(f"cannot steer turn {expected}: {running}", thread_id=thread.thread_id)
    thread.session.add_input(items)
    return {"turnId": expected}


async def turn_interrupt(conn: Connection, params: Params) -> dict[str, Any]:
    thread = conn.server.threads.require(params.str("threadId"))
    turn_id = params.str("turnId")
    if thread.turn_id != turn_id:
        running = f"turn {thread.turn_id} is running" if thread.turn_id else "no turn is running"
        raise ThreadError(f"cannot interrupt turn {turn_id}: {running}", thread_id=thread.thread_id)
    if thread.stop_side is not None:
        thread.stop_side()
    elif thread.session is not None:
        thread.session.interrupt()
    return {}
