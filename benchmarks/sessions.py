"""Thousands of sessions on disk: how long listing and resuming take, and the memory a resume needs.

Writes N synthetic sessions (default 5,000; the newest and a few others with 10,000 items each) in our rollout format
under a temporary CODEX_HOME, then prints:
  * building the index from scratch (open + sync of every file);
  * sync when nothing changed (a directory walk and a stat per file);
  * list the newest 50, with a cwd filter, with a search; and what a front door pays per listing (open + sync + list);
  * find + read_rollout of the newest 10,000-item thread (what `resume --last` does before the first request);
  * peak memory: traced Python allocations of the read, and the process's maximum RSS.
Targets (issue 5): list under 100 ms, resume of a 10,000-item thread under 1 s.
Usage: .venv/bin/python benchmarks/sessions.py [--sessions N] [--big B] [--items I] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.threads._index import StateIndex  # noqa: E402
from agent.threads._reader import read_rollout, resume_history  # noqa: E402

BASE = "You are a coding agent. " * 400  # about 10 kB, like real base instructions
PROJECTS = [f"/home/dev/project-{n:02d}" for n in range(20)]
SEARCH_WORD = "migrate"


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _thread_id(n: int) -> str:
    return f"0199a213-{n // 65536:04x}-7{n % 65536:03x}-8333-{n:012x}"[:36]


def _items(n: int, count: int) -> list[dict[str, Any]]:
    """`count` history items: the context, then turns of user message, reasoning, tool call and output, answer."""
    items: list[dict[str, Any]] = [
        {"type": "message", "id": f"msg_{n}_0", "role": "developer", "content": [{"type": "input_text", "text": BASE}]},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": f"<environment_context>\n  <cwd>{PROJECTS[n % 20]}</cwd>\n"}],
        },
    ]
    k = 0
    while len(items) < count:
        prompt = f"{SEARCH_WORD} the billing tables, step {k}" if n % 97 == 0 else f"fix issue {n}-{k} in the parser"
        call_id = f"call_{n}_{k}"
        items += [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]},
            {
                "type": "reasoning",
                "id": f"rs_{k}",
                "summary": [{"type": "summary_text", "text": "Looking at the failing test first."}],
                "encrypted_content": "gAAAA" + "q" * 400,
            },
            {
                "type": "function_call",
                "status": "completed",
                "id": f"fc_{k}",
                "name": "exec_command",
                "arguments": json.dumps({"cmd": f"pytest -q tests/test_{k}.py", "yield_time_ms": 10000}),
                "call_id": call_id,
            },
            {
                "type": "function_call_output",
                "call_id": call_id,
                "output": "Chunk ID: 1a2b3c\nWall time: 0.4 seconds\nProcess exited with code 0\nOutput:\n"
                + "tests/test_x.py ....\n" * 8,
            },
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": f"Fixed case {k}; the tests pass."}],
            },
        ]
        k += 1
    return items[:count]


def _write_session(home: Path, n: int, count: int) -> None:
    when = datetime.datetime(2026, 10, 1) + datetime.timedelta(minutes=7 * n)  # session n+1 is newer than n
    stamp = f"{when:%Y-%m-%dT%H-%M-%S}"
    ts = f"{when:%Y-%m-%dT%H:%M:%S}.000Z"
    tid = _thread_id(n)
    path = home / "sessions" / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}" / f"rollout-{stamp}-{tid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "id": tid,
        "session_id": tid,
        "timestamp": ts,
        "cwd": PROJECTS[n % 20],
        "originator": "pycodex_cli",
        "cli_version": "0.1.0",
        "source": "cli",
        "model_provider": "openai",
        "base_instructions": {"text": BASE},
        "git": {"branch": "main", "commit": f"{n:040x}"},
    }
    lines = [
        _dump({"timestamp": ts, "ordinal": 0, "type": "session_meta", "payload": meta}),
        _dump({"timestamp": ts, "ordinal": 1, "type": "turn_context", "payload": {"turn_id": "t", "model": "gpt-5.5"}}),
    ]
    items = _items(n, count)
    first_prompt = next(i for i in items[2:] if i["type"] == "message")["content"][0]["text"]
    lines.append(
        _dump(
            {
                "timestamp": ts,
                "ordinal": 2,
                "type": "event_msg",
                "payload": {"type": "user_message", "message": first_prompt},
            }
        )
    )
    lines += (
        _dump({"timestamp": ts, "ordinal": 3 + i, "type": "response_item", "payload": item})
        for i, item in enumerate(items)
    )
    usage = {"input_tokens": 1000 * n, "output_tokens": 10 * n, "total_tokens": 1010 * n}
    lines.append(
        _dump(
            {
                "timestamp": ts,
                "ordinal": 3 + len(items),
                "type": "event_msg",
                "payload": {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}},
            }
        )
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(home: Path, sessions: int, big: int, items: int) -> None:
    # The newest session is big (it is the one resumed); the others big ones are spread out.
    big_ones = {sessions - 1} | {sessions * k // max(big, 1) for k in range(big - 1)}
    for n in range(sessions):
        _write_session(home, n, items if n in big_ones else 25)


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    times: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _verdict(value_ms: float, target_ms: float) -> str:
    return f"{'ok' if value_ms < target_ms else 'OVER'} (target < {target_ms:.0f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description="Time listing and resuming with thousands of sessions on disk.")
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--big", type=int, default=10, help="how many sessions have --items items")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the sessions here and leave them (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp) / "codex_home"
        started = time.perf_counter()
        generate(home, args.sessions, args.big, args.items)
        size = sum(p.stat().st_size for p in (home / "sessions").rglob("*.jsonl"))
        print(
            f"wrote {args.sessions} sessions ({args.big} with {args.items} items), {size / 1e6:.0f} MB, "
            f"in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        with StateIndex.open(home) as index:
            stats = index.sync()
        print(f"index from scratch:          {(time.perf_counter() - started) * 1000:8.1f} ms  ({stats.added} threads)")

        with StateIndex.open(home) as index:
            print(f"sync, nothing changed:       {_median_ms(index.sync, 5):8.1f} ms")
            newest = _median_ms(lambda: index.list(limit=50), 20)
            print(f"list newest 50:              {newest:8.1f} ms  {_verdict(newest, 100)}")
            by_cwd = _median_ms(lambda: index.list(cwd=Path(PROJECTS[3]), limit=50), 20)
            print(f"list, cwd filter:            {by_cwd:8.1f} ms  {_verdict(by_cwd, 100)}")
            search = _median_ms(lambda: index.list(search=SEARCH_WORD.upper(), limit=50), 20)
            print(f"list, search:                {search:8.1f} ms  {_verdict(search, 100)}")

        def front_door_list() -> None:
            with StateIndex.open(home) as index:
                index.sync()
                index.list(limit=50)

        door = _median_ms(front_door_list, 5)
        print(f"open + sync + list 50:       {door:8.1f} ms  {_verdict(door, 100)}")

        newest_id = _thread_id(args.sessions - 1)

        def resume_by_id() -> int:
            with StateIndex.open(home) as index:
                record = index.find(newest_id)
            assert record is not None
            return len(resume_history(read_rollout(record.rollout_path)))

        def resume_last() -> int:
            with StateIndex.open(home) as index:
                index.sync()
                record = index.latest()
            assert record is not None and record.id == newest_id
            return len(resume_history(read_rollout(record.rollout_path)))

        count = resume_by_id()
        by_id = _median_ms(resume_by_id, 5)
        print(f"resume ID: find + read {count} items: {by_id:7.1f} ms  {_verdict(by_id, 1000)}")
        last = _median_ms(resume_last, 5)
        print(f"resume --last: sync + latest + read: {last:7.1f} ms  {_verdict(last, 1000)}")

        tracemalloc.start()
        resume_by_id()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak traced memory (resume): {peak / 1e6:8.1f} MB")
        print(f"max RSS of this process:     {rss_kb / 1e3:8.1f} MB")


if __name__ == "__main__":
    main()
