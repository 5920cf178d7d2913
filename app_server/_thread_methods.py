"""thread/* requests: start, resume, fork, read, list, archive, unarchive, name/set, compact/start."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio

import agent

from . import _history as history
from . import _shapes as shapes
from ._connection import Connection, Reply
from ._settings import RESUME_SETTINGS, setting_notes, setting_values
from ._wire import Params
from .errors import InvalidParamsError, ThreadError

if TYPE_CHECKING:
    from ._threads import LoadedThread

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` → `{"a.b": 1}`: Codex's nested `config` object as the dotted keys `-c` takes."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(cast(dict[str, Any], value), path + "."))
        else:
            out[path] = value
    return out


def approval_policy_param(params: Params, name: str = "approvalPolicy") -> str | None:
    value = params.raw.get(name)
    if isinstance(value, dict):
        raise InvalidParamsError(
            f"Invalid params for {params.method}: granular approval policies are not supported by pycodex; use "
            "untrusted, on-request or never",
            field=name,
        )
    return params.choice(name, shapes.APPROVAL_POLICIES)


async def load_config(conn: Connection, params: Params, *, cwd: str | None = None) -> agent.Config:
    """The config a thread/start, resume or fork asks for: the server's `-c` flags, then the request's fields."""
    options = conn.server.options
    config_values = params.opt_obj("config") or {}
    cwd = params.opt_str("cwd") or cwd
    if cwd is not None and not Path(cwd).is_absolute():
        raise InvalidParamsError(f"Invalid params for {params.method}: `cwd` must be an absolute path", field="cwd")
    overrides = agent.ConfigOverrides(
        model=params.opt_str("model"),
        model_provider=params.opt_str("modelProvider"),
        approval_policy=cast(Any, approval_policy_param(params)),
        sandbox_mode=cast(Any, params.choice("sandbox", shapes.SANDBOX_MODES)),
        cwd=Path(cwd) if cwd else None,
        base_instructions=params.opt_str("baseInstructions"),
        developer_instructions=params.opt_str("developerInstructions"),
        values={**flatten(config_values), **setting_values(params)},
        labels={"config": f"{params.method} `config`"},
    )
    return await anyio.to_thread.run_sync(
        lambda: agent.load_config(overrides, options.config_overrides, strict=options.strict_config)
    )


def _started(conn: Connection, thread: LoadedThread, params: Params) -> Reply:
    notes = setting_notes(params)

    async def after() -> None:
        await conn.notify("thread/started", {"thread": thread.thread_object()})
        await thread.subscribe(conn)
        for note in notes:
            await conn.notify("warning", {"threadId": thread.thread_id, "message": note})

    result = {"thread": thread.thread_object(), **shapes.settings(thread.config)}
    return Reply(result, after)


async def thread_start(conn: Connection, params: Params) -> Reply:
    config = await load_config(conn, params)
    thread = await conn.server.threads.load(
        config, ephemeral=bool(params.opt_bool("ephemeral")), thread_source=params.opt_str("threadSource")
    )
    return _started(conn, thread, params)


async def _record(conn: Connection, thread_id: str) -> agent.ThreadRecord:
    home = conn.server.codex_home()
    try:
        return await anyio.to_thread.run_sync(agent.find_thread, home, thread_id)
    except agent.ThreadNotFoundError:
        raise ThreadError(f"thread not found: {thread_id}", thread_id=thread_id) from None


async def _rollout(conn: Connection, thread_id: str) -> agent.Rollout:
    record = await _record(conn, thread_id)
    return await anyio.to_thread.run_sync(agent.load_thread, record)


async def thread_resume(conn: Connection, params: Params) -> Reply:
    thread_id = params.str("threadId")
    exclude_turns = bool(params.opt_bool("excludeTurns"))
    live = conn.server.threads.get(thread_id)
    if live is not None:
        turns = [] if exclude_turns else await _turns(live.session.rollout_path if live.session else None)
        result = {"thread": live.thread_object(turns=turns), **shapes.settings(live.config)}
        unused = [k for k in RESUME_SETTINGS if params.raw.get(k) is not None]
        loaded = live

        async def subscribe() -> None:
            await loaded.subscribe(conn)
            if unused:
                message = (
                    f"thread/resume: thread {thread_id} is already loaded, so {', '.join(unused)} did not change it; "
                    "use turn/start's settings for the next turn"
                )
                await conn.notify("warning", {"threadId": thread_id, "message": message})

        return Reply(result, subscribe)
    rollout = await _rollout(conn, thread_id)
    cwd = rollout.cwd if rollout.cwd and await anyio.Path(rollout.cwd).is_dir() else None
    config = await load_config(conn, params, cwd=cwd)
    try:
        thread = await conn.server.threads.load(config, resume=rollout)
    except agent.ThreadBusyError as exc:
        raise ThreadError(f"thread {thread_id} is open in another process: {exc}", thread_id=thread_id) from None
    turns = [] if exclude_turns else await _turns(rollout.path)
    result = {"thread": thread.thread_object(turns=turns), **shapes.settings(config)}

    notes = setting_notes(params)

    async def after() -> None:
        await thread.subscribe(conn)
        for note in notes:
            await conn.notify("warning", {"threadId": thread.thread_id, "message": note})

    return Reply(result, after)


async def thread_fork(conn: Connection, params: Params) -> Reply:
    thread_id = params.str("threadId")
    if params.opt_str("lastTurnId") is not None:
        raise InvalidParamsError(
            "Invalid params for thread/fork: forking before a given turn (`lastTurnId`) is not supported by pycodex",
            field="lastTurnId",
        )
    rollout = await _rollout(conn, thread_id)
    cwd = rollout.cwd if rollout.cwd and await anyio.Path(rollout.cwd).is_dir() else None
    config = await load_config(conn, params, cwd=cwd)
    thread = await conn.server.threads.load(
        config,
        resume=rollout,
        fork=True,
        ephemeral=bool(params.opt_bool("ephemeral")),
        thread_source=params.opt_str("threadSource"),
    )
    return _started(conn, thread, params)


async def _turns(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    return await anyio.to_thread.run_sync(history.turns_of_rollout, path)


async def thread_read(conn: Connection, params: Params) -> dict[str, Any]:
    thread_id = params.str("threadId")
    include_turns = bool(params.opt_bool("includeTurns"))
    live = conn.server.threads.get(thread_id)
    if live is not None:
        path = live.session.rollout_path if live.session else None
        return {"thread": live.thread_object(turns=await _turns(path) if include_turns else [])}
    record = await _record(conn, thread_id)
    turns = await _turns(record.rollout_path) if include_turns else []
    return {"thread": {**shapes.thread_of_record(record), "turns": turns}}


async def thread_list(conn: Connection, params: Params) -> dict[str, Any]:
    limit = params.opt_int("limit") or 50
    cursor = params.opt_str("cursor")
    if cursor is not None and not cursor.isdigit():
        raise InvalidParamsError("Invalid params for thread/list: `cursor` must be a cursor this server returned")
    offset = int(cursor or 0)
    archived = params.opt_bool("archived")
    cwd_filter: object = params.raw.get("cwd")
    cwds: list[Any] | None = None
    if isinstance(cwd_filter, str):
        cwds = [cwd_filter]
    elif isinstance(cwd_filter, list):
        cwds = cast(list[Any], cwd_filter)
    providers = params.opt_str_list("modelProviders")
    kinds = params.opt_str_list("sourceKinds")
    unknown = [k for k in kinds or () if k not in shapes.SOURCE_KINDS]
    if unknown:
        raise InvalidParamsError(
            f"Invalid params for thread/list: unknown `sourceKinds` value {unknown[0]!r} "
            f"(one of {', '.join(shapes.SOURCE_KINDS)})"
        )
    search = params.opt_str("searchTerm")
    only = params.opt_str_list("includedThreadIds")  # Codex 0.171: at most 100 ids; an empty list matches nothing
    if only is not None and len(only) > 100:
        raise InvalidParamsError("Invalid params for thread/list: `includedThreadIds` takes at most 100 thread ids")
    home = conn.server.codex_home()

    def query() -> list[agent.ThreadRecord]:
        # Filters the index cannot apply are applied here, over a window large enough for one page.
        records = agent.list_threads(home, include_archived=bool(archived), search=search, limit=10_000)
        if archived:
            records = [r for r in records if r.archived]
        if only is not None:
            records = [r for r in records if r.id in only]
        if cwds:
            records = [r for r in records if r.cwd in cwds]
        if providers:
            records = [r for r in records if (r.model_provider or "openai") in providers]
        if kinds:
            records = [r for r in records if shapes.source_kind_matches(r.source, kinds)]
        else:  # sub-agents' threads only when asked for (`sourceKinds`), as Codex lists them
            records = [r for r in records if r.source != "subagent"]
        return records

    records = await anyio.to_thread.run_sync(query)
    page = records[offset : offset + limit]
    data = []
    for record in page:
        live = conn.server.threads.get(record.id)
        data.append(live.thread_object() if live else shapes.thread_of_record(record))
    next_cursor = str(offset + limit) if offset + limit < len(records) else None
    return {"data": data, "nextCursor": next_cursor, "backwardsCursor": None}


async def thread_archive(conn: Connection, params: Params) -> Reply:
    thread_id = params.str("threadId")
    record = await _record(conn, thread_id)
    live = conn.server.threads.get(record.id)
    if live is not None:
        await live.broadcast([live.translator.status({"type": "notLoaded"})])
        await conn.server.threads.unload(live)
    await anyio.to_thread.run_sync(agent.set_archived, conn.server.codex_home(), record.id, True)

    async def after() -> None:
        await conn.notify("thread/archived", {"threadId": record.id})

    return Reply({}, after)


async def thread_unarchive(conn: Connection, params: Params) -> Reply:
    thread_id = params.str("threadId")
    record = await anyio.to_thread.run_sync(agent.set_archived, conn.server.codex_home(), thread_id, False)

    async def after() -> None:
        await conn.notify("thread/unarchived", {"threadId": record.id})

    return Reply({"thread": shapes.thread_of_record(record)}, after)


async def thread_set_name(conn: Connection, params: Params) -> Reply:
    thread_id = params.str("threadId")
    name = params.str("name").strip()
    if not name:
        raise InvalidParamsError("Invalid params for thread/name/set: `name` must not be empty", field="name")
    live = conn.server.threads.get(thread_id)
    if live is None:
        # Name a thread that is not loaded: load it for the moment it takes (the rollout is locked meanwhile).
        rollout = await _rollout(conn, thread_id)
        config = await load_config(conn, Params("thread/name/set", {}))
        config = dataclasses.replace(config, mcp_servers={})
        loaded = await conn.server.threads.load(config, resume=rollout)
        try:
            assert loaded.session is not None
            await loaded.session.set_name(name)
        finally:
            await conn.server.threads.unload(loaded)
    else:
        assert live.session is not None
        await live.session.set_name(name)
        live.name = name
    notification = {"threadId": thread_id, "threadName": name}

    async def after() -> None:
        if live is not None:
            await live.broadcast([("thread/name/updated", notification)])
        else:
            await conn.notify("thread/name/updated", notification)

    return Reply({}, after)


async def thread_compact_start(conn: Connection, params: Params) -> Reply:
    thread = conn.server.threads.require(params.str("threadId"))

    async def after() -> None:
        await thread.compact(str(uuid.uuid4()), owner=conn)

    if thread.turn_id is not None:
        raise ThreadError(
            f"thread {thread.thread_id} is running turn {thread.turn_id}; compact it when the turn is over",
            thread_id=thread.thread_id,
        )
    return Reply({}, after)


async def thread_loaded_list(conn: Connection, params: Params) -> dict[str, Any]:
    ids = sorted(t.thread_id for t in conn.server.threads.all())
    cursor = params.opt_str("cursor") or "0"
    if not cursor.isdigit():
        raise InvalidParamsError(
            "Invalid params for thread/loaded/list: `cursor` must be a cursor this server returned"
        )
    offset = int(cursor)
    limit = params.opt_int("limit") or len(ids) or 1
    page = ids[offset : offset + limit]
    return {"data": page, "nextCursor": str(offset + limit) if offset + limit < len(ids) else None}


async def thread_unsubscribe(conn: Connection, params: Params) -> dict[str, Any]:
    thread = conn.server.threads.get(params.str("threadId"))
    if thread is None:
        return {"status": "notLoaded"}
    was_following = await conn.server.threads.unsubscribe(thread, conn)
    return {"status": "unsubscribed" if was_following else "notSubscribed"}


async def thread_delete(conn: Connection, params: Params) -> Reply:
    record = await _record(conn, params.str("threadId"))
    live = conn.server.threads.get(record.id)
    if live is not None:
        await live.broadcast([live.translator.status({"type": "notLoaded"})])
        await conn.server.threads.unload(live)
    await anyio.to_thread.run_sync(agent.delete_thread, conn.server.codex_home(), record.id)

    async def after() -> None:
        await conn.notify("thread/deleted", {"threadId": record.id})

    return Reply({}, after)


async def thread_turns_list(conn: Connection, params: Params) -> dict[str, Any]:
    """A page of the thread's recorded turns, newest first unless `sortDirection` is asc."""
    thread_id = params.str("threadId")
    view = params.choice("itemsView", ("notLoaded", "summary", "full")) or "full"
    ascending = params.choice("sortDirection", ("asc", "desc")) == "asc"
    cursor = params.opt_str("cursor") or "0"
    if not cursor.isdigit():
        raise InvalidParamsError("Invalid params for thread/turns/list: `cursor` must be a cursor this server returned")
    offset, limit = int(cursor), params.opt_int("limit") or 50
    live = conn.server.threads.get(thread_id)
    path = live.session.rollout_path if live is not None and live.session is not None else None
    if path is None:
        path = (await _record(conn, thread_id)).rollout_path
    turns = await _turns(path)
    if not ascending:
        turns.reverse()
    page = turns[offset : offset + limit]
    for turn in page:
        turn["itemsView"] = view
        if view == "notLoaded":
            turn["items"] = []
        elif view == "summary":
            turn["items"] = [i for i in turn["items"] if i["type"] == "agentMessage"][-1:]
    more = offset + limit < len(turns)
    return {"data": page, "nextCursor": str(offset + limit) if more else None, "backwardsCursor": None}
