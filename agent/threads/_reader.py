"""Reading rollout files back: the history to resend, the plan, the files changed, usage and metadata.

Reads our files and Codex's (0.169): one record per line, `{"timestamp", "ordinal", "type", "payload"}` (older Codex
lines have no ordinal). `read_rollout` replays the whole file: `response_item` payloads make the history (without
Codex's internal keys, exactly as Codex resends them, codex-wire.md §2.4), a `compacted` record replaces it with its
`replacement_history`, a `thread_rolled_back` event drops the last turns. Unknown record types are ignored.

A crash can leave the last line half-written (a torn line): it is ignored with a warning, and `repair_tail` cuts it
off before anything is appended, so the next record does not land on the same line. A corrupt line elsewhere is
skipped with a warning. A file without `session_meta` is not a session: `RolloutReadError`.

`rollout_summary` reads only what the index needs (the head, and the tail from the end backwards) without
materialising the items.

Synchronous by design (plain file I/O, tens of milliseconds for 10,000 items): async callers run these in a worker
thread (`anyio.to_thread.run_sync`).
"""

from __future__ import annotations

import datetime
import json
import mmap
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from .._compact import is_context_message, is_real_user_message, recent_user_messages
from .._items import message_text, user_message_item
from .._json import JsonObject, as_list, as_obj, as_str
from ..errors import AgentError

INTERNAL_ITEM_KEYS = frozenset({"internal_chat_message_metadata_passthrough"})
"""Keys Codex stores on response items but never sends to the API."""
ARCHIVED_SESSIONS_DIR = "archived_sessions"
"""Where archived rollouts live under `$CODEX_HOME` (Codex's convention); a file under it is archived."""

_HEAD_RECORDS = 500
_PLAN_STATUSES = frozenset({"pending", "in_progress", "completed"})
_UUID_TAIL = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")


class RolloutReadError(AgentError):
    """A rollout file cannot be read as a session; `path` names it and `reason` says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot read the session file {path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Rollout:
    """A thread as its rollout file records it."""

    path: Path
    thread_id: str
    meta: JsonObject
    """The `session_meta` payload (the first one)."""
    items: list[JsonObject]
    """The history, ready to resend (see `resume_history` for Codex's files)."""
    last_turn_context: JsonObject | None
    plan: list[JsonObject] | None
    """The latest plan (`[{"step", "status"}]`), from `plan_update` events or else Codex's `update_plan` calls."""
    files_changed: list[str]
    """Paths written by successful patches, first-seen order (a move adds its destination too)."""
    token_usage: JsonObject | None
    """The latest `token_count` event's `info.total_token_usage`."""
    first_user_message: str | None
    cwd: str | None
    """The working directory the thread started in (`session_meta.cwd`)."""
    model: str | None
    """The model of the last turn (`turn_context.model`)."""
    model_provider: str | None
    created_at: str | None
    """ISO 8601 UTC with milliseconds (`2026-11-23T22:25:07.070Z`), like every timestamp here."""
    updated_at: str | None
    """The timestamp of the last complete record."""
    next_ordinal: int
    """The ordinal for the next record appended to this file."""
    warnings: list[str]
    title: str | None = None
    """The latest `thread_name_updated` event's name, if the thread was named."""

    @property
    def base_instructions(self) -> str | None:
        """The base instructions the thread was started with (`session_meta.base_instructions.text`)."""
        text = as_obj(self.meta.get("base_instructions")).get("text")
        return text if isinstance(text, str) else None


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """What the thread index stores about a thread (`_state_index.ThreadRecord` is this class)."""

    id: str
    rollout_path: Path
    cwd: str | None
    git_branch: str | None
    git_commit: str | None
    model: str | None
    model_provider: str | None
    source: str | None
    first_user_message: str | None
    title: str | None
    created_at: str | None
    updated_at: str | None
    tokens_used: int
    archived: bool


# ---- helpers ------------------------------------------------------------------------------------------------------


def normalise_timestamp(value: object) -> str | None:
    """`value` as `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (so that timestamps sort as text); unparseable text as is."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    when = when.astimezone(datetime.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _obj(value: object) -> JsonObject | None:
    """`value` if it is a JSON object, else None."""
    return cast(JsonObject, value) if isinstance(value, dict) else None


def _parse(raw: bytes) -> JsonObject | None:
    try:
        return _obj(json.loads(raw))
    except ValueError:
        return None


def _clean(item: JsonObject) -> JsonObject:
    if INTERNAL_ITEM_KEYS.isdisjoint(item):
        return item
    return {k: v for k, v in item.items() if k not in INTERNAL_ITEM_KEYS}


def _thread_id_from_name(path: Path) -> str | None:
    match = _UUID_TAIL.search(path.stem)
    return match.group(1).lower() if match else None


def _valid_plan(value: object) -> list[JsonObject] | None:
    if not isinstance(value, list):
        return None
    steps: list[JsonObject] = []
    for raw in cast(list[object], value):
        step = as_obj(raw)
        if not isinstance(step.get("step"), str) or step.get("status") not in _PLAN_STATUSES:
            return None
        steps.append(step)
    return steps


def _is_turn_boundary(item: JsonObject) -> bool:
    return item.get("type") == "message" and item.get("role") == "user" and not is_context_message(item)


def _initial_context_of(items: list[JsonObject]) -> list[JsonObject]:
    for index, item in enumerate(items):
        if _is_turn_boundary(item):
            return items[:index]
    return list(items)


@dataclass
class _Replay:
    """The state built while reading a rollout, record by record."""

    path: Path
    meta: JsonObject | None = None
    items: list[JsonObject] = field(default_factory=lambda: [])
    turn_context: JsonObject | None = None
    event_plan: list[JsonObject] | None = None
    saw_plan_event: bool = False
    call_plan: list[JsonObject] | None = None
    files: dict[str, None] = field(default_factory=lambda: {})
    token_usage: JsonObject | None = None
    first_event_message: str | None = None
    first_item_message: str | None = None
    title: str | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    max_ordinal: int = -1
    records: int = 0
    warnings: list[str] = field(default_factory=lambda: [])

    def feed(self, record: JsonObject) -> None:
        self.records += 1
        timestamp = record.get("timestamp")
        if isinstance(timestamp, str):
            self.last_timestamp = timestamp
            if self.first_timestamp is None:
                self.first_timestamp = timestamp
        ordinal = record.get("ordinal")
        if isinstance(ordinal, int) and ordinal > self.max_ordinal:
            self.max_ordinal = ordinal
        payload = _obj(record.get("payload"))
        if payload is None:
            return
        kind = record.get("type")
        if kind == "response_item":
            self._item(payload)
        elif kind == "event_msg":
            self._event(payload)
        elif kind == "turn_context":
            self.turn_context = payload
        elif kind == "session_meta":
            if self.meta is None:
                self.meta = payload
        elif kind == "compacted":
            self._compacted(payload)

    def _item(self, item: JsonObject) -> None:
        item = _clean(item)
        self.items.append(item)
        kind = item.get("type")
        if kind == "message":
            if self.first_item_message is None and is_real_user_message(item):
                self.first_item_message = message_text(item, "\n")
        elif kind == "function_call" and item.get("name") == "update_plan":
            try:
                arguments = json.loads(as_str(item.get("arguments")))
            except ValueError:
                return
            plan = _valid_plan(as_obj(arguments).get("plan"))
            if plan is not None:
                self.call_plan = plan

    def _event(self, event: JsonObject) -> None:
        kind = event.get("type")
        if kind == "token_count":
            usage = _obj(as_obj(event.get("info")).get("total_token_usage"))
            if usage is not None:
                self.token_usage = usage
        elif kind == "user_message":
            if self.first_event_message is None and isinstance(event.get("message"), str):
                self.first_event_message = as_str(event.get("message"))
        elif kind == "plan_update":
            self.saw_plan_event = True
            self.event_plan = [as_obj(step) for step in as_list(event.get("plan"))]
        elif kind == "patch_apply_end":
            if event.get("success") is not False:
                self._add_files(as_obj(event.get("changes")))
        elif kind == "item_completed":
            # Codex 0.169 records applied patches only as completed FileChange items.
            item = as_obj(event.get("item"))
            if item.get("type") == "FileChange" and item.get("status") == "completed":
                self._add_files(as_obj(item.get("changes")))
        elif kind == "thread_rolled_back":
            self._roll_back(event.get("num_turns"))
        elif kind == "thread_name_updated":
            name = event.get("thread_name")
            self.title = name if isinstance(name, str) and name else None

    def _add_files(self, changes: JsonObject) -> None:
        for path, change in changes.items():
            self.files[path] = None
            move = as_obj(change).get("move_path")
            if isinstance(move, str) and move:
                self.files[move] = None

    def _compacted(self, payload: JsonObject) -> None:
        replacement = payload.get("replacement_history")
        if isinstance(replacement, list):
            objects = (_obj(item) for item in cast(list[object], replacement))
            self.items = [_clean(item) for item in objects if item is not None]
            return
        # Older Codex compactions store only the summary: rebuild the history around it as Codex does.
        context = _initial_context_of(self.items)
        kept = [user_message_item(text) for text in recent_user_messages(self.items)]
        self.items = [*context, *kept, user_message_item(as_str(payload.get("message")))]

    def _roll_back(self, num_turns: object) -> None:
        if not isinstance(num_turns, int) or num_turns <= 0:
            return
        boundaries = [i for i, item in enumerate(self.items) if _is_turn_boundary(item)]
        if not boundaries:
            return
        cut = boundaries[0] if num_turns >= len(boundaries) else boundaries[-num_turns]
        del self.items[cut:]

    def finish(self) -> Rollout:
        if self.meta is None:
            raise RolloutReadError(self.path, "it has no session_meta record, so it is not a session file")
        meta = self.meta
        thread_id = meta.get("id") or meta.get("session_id") or _thread_id_from_name(self.path)
        if not isinstance(thread_id, str) or not thread_id:
            raise RolloutReadError(self.path, "its session_meta record has no thread id")
        turn_context = self.turn_context
        model = turn_context.get("model") if turn_context else None
        created = normalise_timestamp(meta.get("timestamp")) or normalise_timestamp(self.first_timestamp)
        return Rollout(
            path=self.path,
            thread_id=thread_id,
            meta=meta,
            items=self.items,
            last_turn_context=turn_context,
            plan=self.event_plan if self.saw_plan_event else self.call_plan,
            files_changed=list(self.files),
            token_usage=self.token_usage,
            first_user_message=(
                self.first_event_message if self.first_event_message is not None else self.first_item_message
            ),
            cwd=_opt_str(meta.get("cwd")),
            model=_opt_str(model),
            model_provider=_opt_str(meta.get("model_provider")),
            created_at=created,
            updated_at=normalise_timestamp(self.last_timestamp) or created,
            next_ordinal=self.max_ordinal + 1 if self.max_ordinal >= 0 else self.records,
            warnings=self.warnings,
            title=self.title,
        )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


# ---- the whole file -----------------------------------------------------------------------------------------------


def read_rollout(path: Path) -> Rollout:
    """Read a rollout file completely (ours or Codex's). Raises `RolloutReadError` when it is not a session."""
    replay = _Replay(path)
    try:
        with path.open("rb") as f:
            # Line by line: a file of large items (images) is never held twice in memory.
            for number, raw in enumerate(f, start=1):
                if raw.isspace():
                    continue
                record = _parse(raw)
                if record is not None:
                    replay.feed(record)
                elif raw.endswith(b"\n"):
                    replay.warnings.append(f"{path}:{number}: the line is not a valid record; it was skipped")
                else:
                    replay.warnings.append(
                        f"{path}:{number}: the last line is incomplete (the session stopped while writing it); "
                        "it was ignored"
                    )
    except OSError as exc:
        raise RolloutReadError(path, exc.strerror or str(exc)) from exc
    if replay.records == 0 and not replay.warnings:
        raise RolloutReadError(path, "the file is empty")
    return replay.finish()


def base_instructions_item(thread_id: str, text: str) -> JsonObject:
    """The developer message carrying the base instructions, with an id that is the same on every resume."""
    item_id = uuid.uuid5(uuid.NAMESPACE_URL, f"pycodex:{thread_id}:base_instructions")
    return {
        "type": "message",
        "id": f"msg_{item_id}",
        "role": "developer",
        "content": [{"type": "input_text", "text": text}],
    }


def resume_history(rollout: Rollout) -> list[JsonObject]:
    """The history to continue the thread with.

    Our files hold the base instructions as their first developer message; Codex's keep them only in
    `session_meta` and send them first on every request, so for those the message is put in front.
    """
    base = rollout.base_instructions
    if base is None:
        return list(rollout.items)
    for item in rollout.items:
        if item.get("type") == "message" and item.get("role") == "developer":
            parts = as_list(item.get("content"))
            if parts and as_obj(parts[0]).get("text") == base:
                return list(rollout.items)
    return [base_instructions_item(rollout.thread_id, base), *rollout.items]


def repair_tail(path: Path) -> str | None:
    """Make `path` safe to append to: cut off a torn last line, or end a complete last line with a newline.

    Call it with the thread lock held, before appending. Returns what was done, or None when nothing was needed.
    """
    try:
        with path.open("r+b") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return None
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return None
            start = max(0, size - 65536)
            newline = -1
            while True:
                f.seek(start)
                chunk = f.read(size - start)
                newline = chunk.rfind(b"\n")
                if newline >= 0 or start == 0:
                    break
                start = max(0, start - 1_048_576)
            keep = start + newline + 1 if newline >= 0 else 0
            f.seek(keep)
            if _parse(f.read(size - keep)) is not None:
                f.seek(size)
                f.write(b"\n")
                return f"{path}: the last record had no newline; one was added"
            f.truncate(keep)
            return f"{path}: an incomplete last line ({size - keep} bytes) was removed"
    except OSError as exc:
        raise RolloutReadError(path, exc.strerror or str(exc)) from exc


# ---- the summary for the index ------------------------------------------------------------------------------------


def _head_lines(buf: mmap.mmap, limit: int) -> Iterator[bytes]:
    pos = 0
    size = len(buf)
    for _ in range(limit):  # pragma: no branch - a session_meta or a user message comes long before the limit
        if pos >= size:
            return
        end = buf.find(b"\n", pos)
        stop = size if end < 0 else end
        yield buf[pos:stop]
        pos = stop + 1


def _records_with(buf: mmap.mmap, needle: bytes, *, reverse: bool) -> Iterator[JsonObject]:
    """The parseable records whose line contains `needle`, from the end backwards or from the start."""
    size = len(buf)
    bound = size if reverse else 0
    while True:
        hit = buf.rfind(needle, 0, bound) if reverse else buf.find(needle, bound)
        if hit < 0:
            return
        start = buf.rfind(b"\n", 0, hit) + 1
        end = buf.find(b"\n", hit)
        stop = size if end < 0 else end
        record = _parse(buf[start:stop])
        if record is not None:
            yield record
        if reverse:
            if start == 0:
                return
            bound = start
        else:
            bound = stop + 1


def _last_record(buf: mmap.mmap) -> JsonObject | None:
    stop = len(buf)
    while True:
        start = buf.rfind(b"\n", 0, stop) + 1
        line = buf[start:stop]
        if line.strip():
            record = _parse(line)
            if record is not None and isinstance(record.get("timestamp"), str):
                return record
        if start == 0:
            return None
        stop = start - 1


def _event_payload(record: JsonObject, event_type: str) -> JsonObject | None:
    if record.get("type") != "event_msg":
        return None
    payload = as_obj(record.get("payload"))
    return payload if payload.get("type") == event_type else None


def _source(value: object) -> str | None:
    if isinstance(value, str):
        return value
    keys = list(as_obj(value))
    return str(keys[0]) if keys else None


def _summarise(path: Path, buf: mmap.mmap) -> ThreadSummary:
    # Only lines that can matter are parsed: most of a file is never decoded.
    meta: JsonObject | None = None
    for line in _head_lines(buf, _HEAD_RECORDS):
        record = _parse(line) if b'"session_meta"' in line else None
        if record is not None and record.get("type") == "session_meta":
            meta = as_obj(record.get("payload"))
            break
    if meta is None:
        raise RolloutReadError(path, "it has no session_meta record, so it is not a session file")
    thread_id = meta.get("id") or meta.get("session_id") or _thread_id_from_name(path)
    if not isinstance(thread_id, str) or not thread_id:
        raise RolloutReadError(path, "its session_meta record has no thread id")

    first_user_message: str | None = None
    for record in _records_with(buf, b'"user_message"', reverse=False):
        event = _event_payload(record, "user_message")
        if event is not None and isinstance(event.get("message"), str):
            first_user_message = as_str(event.get("message"))
            break
    else:
        for line in _head_lines(buf, _HEAD_RECORDS):
            record = _parse(line) if b'"response_item"' in line and b'"user"' in line else None
            payload = as_obj(record.get("payload")) if record is not None else {}
            if record is not None and record.get("type") == "response_item" and is_real_user_message(payload):
                first_user_message = message_text(payload, "\n")
                break
    tokens_used = 0
    for record in _records_with(buf, b'"token_count"', reverse=True):
        event = _event_payload(record, "token_count")
        usage = _obj(as_obj(as_obj(event).get("info")).get("total_token_usage"))
        if usage is not None:
            total = usage.get("total_tokens")
            tokens_used = total if isinstance(total, int) else 0
            break
    model: str | None = None
    for record in _records_with(buf, b'"turn_context"', reverse=True):
        if record.get("type") == "turn_context":
            model = _opt_str(as_obj(record.get("payload")).get("model"))
            break
    title: str | None = None
    for record in _records_with(buf, b'"thread_name_updated"', reverse=True):
        event = _event_payload(record, "thread_name_updated")
        if event is not None:
            name = event.get("thread_name")
            title = name if isinstance(name, str) and name else None
            break

    last = _last_record(buf)
    git = as_obj(meta.get("git"))
    created = normalise_timestamp(meta.get("timestamp"))
    if created is None:
        first = next((r for r in map(_parse, _head_lines(buf, 1)) if r is not None), None)
        created = normalise_timestamp(first.get("timestamp")) if first is not None else None
    return ThreadSummary(
        id=thread_id,
        rollout_path=path,
        cwd=_opt_str(meta.get("cwd")),
        git_branch=_opt_str(git.get("branch")),
        git_commit=_opt_str(git.get("commit") or git.get("commit_hash")),
        model=model,
        model_provider=_opt_str(meta.get("model_provider")),
        source=_source(meta.get("source")),
        first_user_message=first_user_message,
        title=title,
        created_at=created,
        updated_at=normalise_timestamp(last.get("timestamp")) if last is not None else created,
        tokens_used=tokens_used,
        archived=ARCHIVED_SESSIONS_DIR in path.parts,
    )


def rollout_summary(path: Path) -> ThreadSummary:
    """What the index needs about the thread in `path`, read from the head and the tail of the file only.

    Raises `RolloutReadError` when the file cannot be read or is not a session.
    """
    try:
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                raise RolloutReadError(path, "the file is empty")
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                return _summarise(path, buf)
    except OSError as exc:
        raise RolloutReadError(path, exc.strerror or str(exc)) from exc
