"""The thread index: built from rollouts, kept in step incrementally, filtered, archived, shared between processes."""
# pyright: reportPrivateUsage=false

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent import errors
from agent.threads import _index as _state_index
from agent.threads._index import (
    INDEX_FILE_NAME,
    SCHEMA_VERSION,
    AmbiguousThreadError,
    StateIndex,
    StateIndexError,
    ThreadNotFoundError,
    ThreadRecord,
)
from agent.threads._lock import ThreadLock, ThreadLockedError
from agent.threads._reader import ThreadSummary, rollout_summary

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT.parent / "shared" / "reference" / "captures"


def thread_id(n: int) -> str:
    return f"0199a213-{n:04d}-7222-8333-444455556666"


def write_session(
    home: Path,
    n: int,
    *,
    prompt: str = "do the thing",
    cwd: str = "/home/dev/project",
    day: int = 20,
    minute: int | None = None,
    tokens: int = 0,
    extra: list[dict[str, Any]] | None = None,
    git: dict[str, str] | None = None,
) -> Path:
    """A rollout in our format; `minute` orders threads by their last activity."""
    minute = n if minute is None else minute
    tid = thread_id(n)
    path = home / "sessions" / "2026" / "11" / f"{day:02d}" / f"rollout-2026-11-{day:02d}T10-00-00-{tid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "id": tid,
        "timestamp": f"2026-11-{day:02d}T10:00:00Z",
        "cwd": cwd,
        "source": "cli",
        "model_provider": "openai",
    }
    if git:
        meta["git"] = git
    last = f"2026-11-{day:02d}T11:{minute % 60:02d}:{minute // 60:02d}.000Z"
    records = [
        {"timestamp": meta["timestamp"], "ordinal": 0, "type": "session_meta", "payload": meta},
        {"timestamp": last, "ordinal": 1, "type": "turn_context", "payload": {"turn_id": "t", "model": "gpt-5.5"}},
        {
            "timestamp": last,
            "ordinal": 2,
            "type": "response_item",
            "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]},
        },
        {"timestamp": last, "ordinal": 3, "type": "event_msg", "payload": {"type": "user_message", "message": prompt}},
        {
            "timestamp": last,
            "ordinal": 4,
            "type": "event_msg",
            "payload": {"type": "token_count", "info": {"total_token_usage": {"total_tokens": tokens}}},
        },
        *(extra or []),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "codex_home"


@pytest.fixture
def index(home: Path) -> Any:
    with StateIndex.open(home) as opened:
        yield opened


def ids(records: list[ThreadRecord]) -> list[str]:
    return [r.id for r in records]


def must(record: ThreadRecord | None) -> ThreadRecord:
    assert record is not None
    return record


# ---- opening ------------------------------------------------------------------------------------------------------


def test_opening_creates_our_own_wal_database_at_the_current_schema(home: Path, index: StateIndex) -> None:
    assert index.path == home / INDEX_FILE_NAME == home / "pycodex_state.sqlite"
    with sqlite3.connect(index.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert sorted(p.name for p in home.iterdir() if p.suffix == ".sqlite") == ["pycodex_state.sqlite"]


def test_a_damaged_index_is_replaced_and_rebuilt_from_the_rollouts(home: Path) -> None:
    write_session(home, 1)
    home.mkdir(exist_ok=True)
    (home / INDEX_FILE_NAME).write_bytes(b"this is not an sqlite database, just some bytes" * 100)

    with StateIndex.open(home) as index:
        assert index.sync().added == 1
        assert ids(index.list()) == [thread_id(1)]


def test_reopening_keeps_what_was_indexed(home: Path) -> None:
    write_session(home, 1)
    with StateIndex.open(home) as index:
        index.sync()
    with StateIndex.open(home) as index:
        assert ids(index.list()) == [thread_id(1)]
        assert index.sync().unchanged == 1


def test_an_index_from_a_newer_pycodex_is_refused_not_overwritten(home: Path) -> None:
    home.mkdir()
    with sqlite3.connect(home / INDEX_FILE_NAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(StateIndexError) as caught:
        StateIndex.open(home)

    assert caught.value.path == home / INDEX_FILE_NAME
    assert "newer pycodex" in caught.value.reason


def test_a_closed_index_refuses_use(index: StateIndex) -> None:
    index.close()
    with pytest.raises(StateIndexError, match="closed"):
        index.list()
    index.close()


def test_migrating_an_older_schema_keeps_going_from_its_version(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with StateIndex.open(home):
        pass
    added = (*_state_index._MIGRATIONS, ("ALTER TABLE threads ADD COLUMN note TEXT",))
    monkeypatch.setattr(_state_index, "_MIGRATIONS", added)
    monkeypatch.setattr(_state_index, "SCHEMA_VERSION", len(added))

    with StateIndex.open(home) as index, sqlite3.connect(index.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(added)
        assert "note" in [row[1] for row in conn.execute("PRAGMA table_info(threads)")]


# ---- sync ---------------------------------------------------------------------------------------------------------


def test_sync_indexes_every_rollout_newest_first(home: Path, index: StateIndex) -> None:
    for n in (3, 1, 2):
        write_session(home, n, tokens=n * 100)

    stats = index.sync()

    assert (stats.scanned, stats.added, stats.updated, stats.removed, stats.failed) == (3, 3, 0, 0, 0)
    assert ids(index.list()) == [thread_id(3), thread_id(2), thread_id(1)]
    record = index.get(thread_id(2))
    assert record == rollout_summary(record.rollout_path if record else Path())
    assert record is not None and record.tokens_used == 200 and record.first_user_message == "do the thing"


def test_sync_with_nothing_changed_reads_no_file(
    home: Path, index: StateIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(20):
        write_session(home, n)
    index.sync()

    def refuse(path: Path) -> ThreadSummary:
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(_state_index, "rollout_summary", refuse)
    stats = index.sync()

    assert (stats.scanned, stats.unchanged, stats.added, stats.updated, stats.removed) == (20, 20, 0, 0, 0)


def test_a_changed_rollout_is_read_again_and_a_vanished_one_removed(home: Path, index: StateIndex) -> None:
    first = write_session(home, 1, tokens=10)
    second = write_session(home, 2)
    index.sync()

    append(
        first,
        {
            "timestamp": "2026-11-21T09:00:00Z",
            "type": "event_msg",
            "payload": {"type": "token_count", "info": {"total_token_usage": {"total_tokens": 999}}},
        },
    )
    second.unlink()
    stats = index.sync()

    assert (stats.updated, stats.removed, stats.unchanged) == (1, 1, 0)
    record = index.get(thread_id(1))
    assert record is not None and record.tokens_used == 999 and record.updated_at == "2026-11-21T09:00:00.000Z"
    assert index.get(thread_id(2)) is None


def test_a_file_that_is_not_a_session_is_reported_once_and_skipped_until_it_changes(
    home: Path, index: StateIndex
) -> None:
    broken = home / "sessions" / "2026" / "11" / "20" / "rollout-2026-11-20T10-00-00-broken.jsonl"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"type": "response_item", "payload": {}}\n', encoding="utf-8")
    (broken.parent / "notes.txt").write_text("ignored", encoding="utf-8")

    stats = index.sync()
    assert stats.failed == 1 and str(broken) in stats.problems[0]
    assert index.sync().failed == 0

    broken.write_text(json.dumps({"type": "session_meta", "payload": {"id": thread_id(7)}}) + "\n", encoding="utf-8")
    assert index.sync().added == 1
    assert index.get(thread_id(7)) is not None


def test_a_deleted_index_is_rebuilt_with_the_same_records(home: Path) -> None:
    for n in range(5):
        write_session(home, n, cwd=f"/p/{n % 2}")
    with StateIndex.open(home) as index:
        index.sync()
        before = index.list(include_archived=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home / INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)

    with StateIndex.open(home) as index:
        index.sync()
        assert index.list(include_archived=True) == before
        assert index.rebuild().added == 5
        assert index.list(include_archived=True) == before


def test_two_files_of_one_thread_are_indexed_once_by_the_most_recent(home: Path, index: StateIndex) -> None:
    older = write_session(home, 1, minute=1, prompt="old copy")
    newer = older.with_name(older.name.replace("T10-00-00", "T10-00-01"))
    shutil.copy(older, newer)
    append(newer, {"timestamp": "2026-11-22T00:00:00Z", "type": "event_msg", "payload": {"type": "x"}})

    index.sync()
    record = index.get(thread_id(1))
    assert record is not None and record.rollout_path == newer

    append(older, {"timestamp": "2026-11-21T00:00:00Z", "type": "event_msg", "payload": {"type": "x"}})
    assert index.sync().updated == 1
    assert must(index.get(thread_id(1))).rollout_path == newer

    newer.unlink()
    index.sync()
    record = index.get(thread_id(1))
    assert record is not None and record.rollout_path == older


@pytest.mark.skipif(not (CAPTURES / "rollout-multi.jsonl").exists(), reason="the Codex captures are not available")
def test_rollouts_written_by_codex_are_indexed(home: Path, index: StateIndex) -> None:
    day = home / "sessions" / "2026" / "11" / "23"
    day.mkdir(parents=True)
    shutil.copy(CAPTURES / "rollout-multi.jsonl", day / "rollout-2026-11-23T22-25-07-01a20a83.jsonl")

    index.sync()

    record = index.find("01a20a83-4de8")
    assert record is not None
    assert (record.first_user_message, record.model, record.tokens_used) == ("make the files", "gpt-5.5", 6316)


# ---- finding and listing ------------------------------------------------------------------------------------------


def test_find_takes_a_full_id_or_a_unique_prefix(home: Path, index: StateIndex) -> None:
    write_session(home, 1)
    write_session(home, 12)
    write_session(home, 13)
    index.sync()

    assert must(index.find(thread_id(1))).id == thread_id(1)
    assert must(index.find("0199A213-0001")).id == thread_id(1)
    assert index.find("0199a213-9") is None
    assert index.find("  ") is None
    with pytest.raises(AmbiguousThreadError) as caught:
        index.find("0199a213-001")
    assert caught.value.prefix == "0199a213-001"
    assert ids(list(caught.value.candidates)) == [thread_id(13), thread_id(12)]
    assert thread_id(12) in str(caught.value) and thread_id(13) in str(caught.value)


def test_list_filters_by_cwd_and_search_and_pages(home: Path, index: StateIndex) -> None:
    write_session(home, 1, cwd="/a", prompt="Refactor the ÉCOLE module")
    write_session(home, 2, cwd="/b", prompt="fix flaky test")
    write_session(home, 3, cwd="/a", prompt="Add a CLI flag")
    write_session(
        home,
        4,
        cwd="/a",
        prompt="misc",
        extra=[
            {
                "timestamp": "2026-11-20T11:04:00Z",
                "type": "event_msg",
                "payload": {"type": "thread_name_updated", "thread_name": "École work"},
            }
        ],
    )
    index.sync()

    assert ids(index.list(cwd=Path("/a"))) == [thread_id(4), thread_id(3), thread_id(1)]
    assert ids(index.list(search="école")) == [thread_id(4), thread_id(1)]
    assert ids(index.list(search="FLAKY")) == [thread_id(2)]
    assert ids(index.list(cwd=Path("/b"), search="école")) == []
    assert ids(index.list(limit=2)) == [thread_id(4), thread_id(3)]
    assert ids(index.list(limit=2, offset=2)) == [thread_id(2), thread_id(1)]
    assert must(index.latest(cwd=Path("/b"))).id == thread_id(2)
    assert index.latest(cwd=Path("/nowhere")) is None


def test_upsert_adds_or_replaces_a_record(index: StateIndex, home: Path) -> None:
    record = ThreadRecord(
        id=thread_id(9),
        rollout_path=home / "sessions" / "x.jsonl",
        cwd="/p",
        git_branch="main",
        git_commit="abc",
        model="gpt-5.5",
        model_provider="openai",
        source="exec",
        first_user_message="hello",
        title=None,
        created_at="2026-11-20T10:00:00.000Z",
        updated_at="2026-11-20T10:00:00.000Z",
        tokens_used=5,
        archived=False,
    )
    index.upsert(record)
    assert index.get(record.id) == record

    changed = dataclasses.replace(record, tokens_used=50)
    index.upsert(changed)
    assert index.get(record.id) == changed


def test_git_branch_and_commit_come_from_the_session_meta(home: Path, index: StateIndex) -> None:
    write_session(home, 1, git={"branch": "feature/x", "commit": "0123abcd"})
    write_session(home, 2)
    index.sync()

    first, second = index.get(thread_id(1)), index.get(thread_id(2))
    assert first is not None and (first.git_branch, first.git_commit) == ("feature/x", "0123abcd")
    assert second is not None and (second.git_branch, second.git_commit) == (None, None)


# ---- archive and delete -------------------------------------------------------------------------------------------


def test_archiving_moves_the_rollout_and_survives_a_rebuild(home: Path, index: StateIndex) -> None:
    path = write_session(home, 1)
    write_session(home, 2)
    index.sync()

    record = index.set_archived(thread_id(1), True)

    assert record.archived and record.rollout_path == home / "archived_sessions" / path.name
    assert not path.exists() and record.rollout_path.exists()
    assert ids(index.list()) == [thread_id(2)]
    assert ids(index.list(include_archived=True)) == [thread_id(2), thread_id(1)]
    assert index.sync().unchanged == 2
    index.rebuild()
    assert ids(index.list()) == [thread_id(2)]
    assert must(index.get(thread_id(1))).archived

    back = index.set_archived(thread_id(1), False)
    assert not back.archived and back.rollout_path == path and path.exists()
    assert index.set_archived(thread_id(1), False) == back


def test_a_thread_in_use_cannot_be_archived_or_deleted(home: Path, index: StateIndex) -> None:
    path = write_session(home, 1)
    index.sync()

    with ThreadLock(path):
        with pytest.raises(ThreadLockedError):
            index.set_archived(thread_id(1), True)
        with pytest.raises(ThreadLockedError):
            index.delete(thread_id(1), remove_file=True)

    assert path.exists()
    assert not must(index.get(thread_id(1))).archived


def test_deleting_with_the_file_removes_both(home: Path, index: StateIndex) -> None:
    path = write_session(home, 1)
    index.sync()

    index.delete(thread_id(1), remove_file=True)

    assert not path.exists()
    assert index.get(thread_id(1)) is None
    assert index.sync().added == 0


def test_deleting_from_the_index_only_keeps_it_out_until_the_thread_changes(home: Path, index: StateIndex) -> None:
    path = write_session(home, 1)
    index.sync()

    index.delete(thread_id(1), remove_file=False)

    assert path.exists()
    assert index.get(thread_id(1)) is None
    assert index.sync().added == 0
    append(path, {"timestamp": "2026-11-22T00:00:00Z", "type": "event_msg", "payload": {"type": "x"}})
    index.sync()
    assert index.get(thread_id(1)) is not None


def test_unknown_threads_are_reported(index: StateIndex) -> None:
    with pytest.raises(ThreadNotFoundError) as caught:
        index.set_archived("nope", True)
    assert caught.value.thread_id == "nope"
    assert isinstance(caught.value, errors.ThreadNotFoundError)
    with pytest.raises(ThreadNotFoundError):
        index.delete("nope", remove_file=True)


# ---- two processes ------------------------------------------------------------------------------------------------


WRITER = """
import sys
from pathlib import Path
from agent.threads._index import StateIndex
with StateIndex.open(Path(sys.argv[1])) as index:
    print(index.sync().added, flush=True)
"""


def test_two_processes_share_the_index(home: Path, index: StateIndex) -> None:
    write_session(home, 1)
    index.sync()
    write_session(home, 2)

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(home)], capture_output=True, text=True, env=env, check=True, timeout=60
    )

    assert done.stdout == "1\n"
    assert ids(index.list()) == [thread_id(2), thread_id(1)]
    assert index.sync().added == 0


def test_connections_opening_a_new_index_together_wait_for_each_other(tmp_path: Path) -> None:
    # SQLite answers a journal-mode change that meets another connection's lock with "database is locked" at once,
    # without its busy handler: a session's start-up row and its first turn's row, or two sessions starting, failed
    # about one time in ten when both opened an index that did not exist yet.
    import threading

    failures: list[BaseException] = []
    for attempt in range(60):
        home = tmp_path / f"home{attempt}"
        home.mkdir()
        barrier = threading.Barrier(4)

        def open_and_write(n: int, home: Path = home, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                with StateIndex.open(home) as opened:
                    opened.upsert(
                        ThreadRecord(
                            id=thread_id(n),
                            rollout_path=home / f"r{n}.jsonl",
                            cwd="/p",
                            git_branch=None,
                            git_commit=None,
                            model="gpt-5.5",
                            model_provider="openai",
                            source="exec",
                            first_user_message=None,
                            title=None,
                            created_at="2026-11-20T10:00:00.000Z",
                            updated_at="2026-11-20T10:00:00.000Z",
                            tokens_used=0,
                            archived=False,
                        )
                    )
            except StateIndexError as exc:
                failures.append(exc)

        threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


# ---- refusals -----------------------------------------------------------------------------------------------------


def test_an_unusable_codex_home_is_reported(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("", encoding="utf-8")

    with pytest.raises(StateIndexError) as caught:
        StateIndex.open(not_a_dir)

    assert caught.value.path == not_a_dir / INDEX_FILE_NAME


def test_archiving_is_refused_when_the_file_is_gone_or_the_place_is_taken(home: Path, index: StateIndex) -> None:
    gone = write_session(home, 1)
    kept = write_session(home, 2)
    index.sync()
    gone.unlink()
    (home / "archived_sessions").mkdir()
    (home / "archived_sessions" / kept.name).write_text("", encoding="utf-8")

    with pytest.raises(StateIndexError, match="missing"):
        index.set_archived(thread_id(1), True)
    with pytest.raises(StateIndexError, match="already there") as caught:
        index.set_archived(thread_id(2), True)
    assert caught.value.path == home / "archived_sessions" / kept.name
    assert kept.exists()


def test_unarchiving_a_file_with_an_unusual_name_files_it_under_its_creation_day(home: Path, index: StateIndex) -> None:
    path = home / "archived_sessions" / "imported.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("{}\n", encoding="utf-8")
    record = ThreadRecord(
        id=thread_id(5),
        rollout_path=path,
        cwd=None,
        git_branch=None,
        git_commit=None,
        model=None,
        model_provider=None,
        source=None,
        first_user_message=None,
        title=None,
        created_at="2025-02-03T04:05:06.000Z",
        updated_at=None,
        tokens_used=0,
        archived=True,
    )
    index.upsert(record)

    back = index.set_archived(thread_id(5), False)

    assert back.rollout_path == home / "sessions" / "2025" / "02" / "03" / "imported.jsonl"
    assert back.rollout_path.exists() and not path.exists()

    undated = home / "archived_sessions" / "undated.jsonl"
    undated.write_text("{}\n", encoding="utf-8")
    index.upsert(dataclasses.replace(record, id=thread_id(6), rollout_path=undated, created_at=None))
    today = datetime.date.today()
    expected = home / "sessions" / f"{today:%Y}" / f"{today:%m}" / f"{today:%d}" / "undated.jsonl"
    assert index.set_archived(thread_id(6), False).rollout_path == expected


def test_forgetting_a_thread_whose_file_is_gone(home: Path, index: StateIndex) -> None:
    path = write_session(home, 1)
    index.sync()
    path.unlink()

    index.delete(thread_id(1), remove_file=False)

    assert index.get(thread_id(1)) is None
    assert index.sync().removed == 0


def test_a_database_error_is_reported_as_an_index_error(home: Path, index: StateIndex) -> None:
    fields: dict[str, Any] = dict.fromkeys(ThreadRecord.__slots__)
    fields.update(id="x", rollout_path=home, archived=False, tokens_used={"not": "a number"})
    broken = ThreadRecord(**fields)

    with pytest.raises(StateIndexError, match="failed"):
        index.upsert(broken)
    assert index.get("x") is None
