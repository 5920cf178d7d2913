"""Resuming: `pycodex resume` (picker, --last, ID) and `/resume` reopen a past thread with its transcript."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent.protocol import AgentMessage, EventMsg, ExecCommandEnd, UserMessage
from tests.support.model_server import exec_call, message
from tui import FeatureUnavailable, PycodexApp, ResumedThread, ThreadSummary, UnavailableThreads
from tui._cells import AgentCell, CommandCell, HeaderCell, NoticeCell, TurnEndCell, UserCell
from tui._pickers import PickerDialog

from .conftest import Scripted
from .support import cells_of, has_cell, screen_text, send, turn_done, type_text, wait_until

pytestmark = pytest.mark.anyio

NOW = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.UTC)


class FakeThreads:
    """Two past threads with fixed transcripts."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.listed_for: list[Path | None] = []
        self.threads = [
            ThreadSummary(
                "t-new", "fix the flaky test in test_io.py", NOW - datetime.timedelta(hours=3), Path("/w/app")
            ),
            ThreadSummary("t-old", "write the release notes", NOW - datetime.timedelta(days=2), Path("/w/docs")),
        ]

    async def list_threads(self, *, cwd: Path | None, limit: int) -> Sequence[ThreadSummary]:
        self.listed_for.append(cwd)
        return self.threads[:limit]

    async def latest(self, *, cwd: Path | None) -> ThreadSummary | None:
        return self.threads[0]

    async def load(self, thread_id: str) -> ResumedThread:
        self.loaded.append(thread_id)
        if thread_id not in {t.thread_id for t in self.threads}:
            raise FeatureUnavailable(f"no session with id {thread_id!r}")
        events: list[EventMsg] = [
            UserMessage(message=f"question of {thread_id}"),
            ExecCommandEnd(
                call_id="c1",
                command=("bash", "-lc", "ls"),
                cwd="/w",
                exit_code=0,
                aggregated_output="a\n",
                duration_ms=5,
            ),
            AgentMessage(message=f"answer of {thread_id}"),
        ]
        return ResumedThread(thread_id, events)


def picker_of(app: PycodexApp) -> PickerDialog | None:
    return app.screen if isinstance(app.screen, PickerDialog) else None


async def test_a_thread_resumed_by_id_shows_its_transcript_then_a_live_session(scripted: Scripted) -> None:
    threads = FakeThreads()
    app = PycodexApp(scripted([]), threads=threads, resume_id="t-old")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: has_cell(app, NoticeCell, "Resumed"))
        kinds = [type(c) for c in app.transcript.cells]
        assert kinds == [HeaderCell, UserCell, CommandCell, AgentCell, NoticeCell]
        assert app.session is not None and app.session.thread_id == "t-old"
        [header] = cells_of(app, HeaderCell)
        await pilot.pause()
        assert "resumed" in screen_text(app)
        assert header.plain().startswith("pycodex")
        assert threads.loaded == ["t-old"]


async def test_pick_resume_opens_the_picker_first_and_resumes_the_choice(scripted: Scripted) -> None:
    threads = FakeThreads()
    app = PycodexApp(scripted([]), threads=threads, pick_resume=True, now=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: picker_of(app) is not None)
        await pilot.pause()
        shown = screen_text(app)
        assert "fix the flaky test in test_io.py" in shown
        assert "3h ago" in shown and "2d ago" in shown
        assert app.session is None
        await type_text(pilot, "release")
        await pilot.press("enter")
        await wait_until(pilot, lambda: has_cell(app, AgentCell, "answer of t-old"))
        assert threads.loaded == ["t-old"]
        assert threads.listed_for == [scripted.repo]


async def test_leaving_the_startup_picker_starts_a_new_session(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]), threads=FakeThreads(), pick_resume=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: picker_of(app) is not None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.session is not None)
        assert not has_cell(app, UserCell)


async def test_slash_resume_switches_to_the_chosen_thread(scripted: Scripted) -> None:
    threads = FakeThreads()
    app = PycodexApp(scripted([]), threads=threads)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/resume")
        await wait_until(pilot, lambda: picker_of(app) is not None)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session is not None and app.session.thread_id == "t-new")
        await wait_until(pilot, lambda: has_cell(app, AgentCell, "answer of t-new"))


async def test_resume_where_the_engine_cannot_says_so_and_keeps_a_fresh_session(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]), threads=UnavailableThreads())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/resume")
        await wait_until(pilot, lambda: has_cell(app, NoticeCell, "not available yet"))
        assert app.session is not None


async def test_an_unknown_id_is_reported_and_a_new_session_starts(scripted: Scripted) -> None:
    app = PycodexApp(scripted([]), threads=FakeThreads(), resume_id="nope")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        assert has_cell(app, NoticeCell, "no session with id 'nope'")
        assert not has_cell(app, UserCell)


async def test_a_real_thread_comes_back_with_its_transcript_and_history(scripted: Scripted) -> None:
    steps = [
        {"items": [exec_call("echo hi", "c1", login=False)]},
        {"items": [message("first answer")]},
        {"items": [message("second answer")]},
    ]
    config = scripted(steps, sandbox="danger-full-access", approval="never")
    first = PycodexApp(config)
    async with first.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: first.session is not None)
        thread_id = first.session.thread_id if first.session else ""
        await send(pilot, "first question")
        await wait_until(pilot, lambda: has_cell(first, TurnEndCell) and turn_done(first))
        await send(pilot, "/quit")
        await wait_until(pilot, lambda: not first.is_running)

    again = PycodexApp(config, resume_id=thread_id)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: has_cell(again, NoticeCell, "Resumed"))
        assert [c.plain() for c in cells_of(again, UserCell)] == ["first question"]
        [command] = cells_of(again, CommandCell)
        assert isinstance(command, CommandCell) and command.exit_code == 0 and "hi" in command.output
        assert [c.plain() for c in cells_of(again, AgentCell)] == ["first answer"]
        await send(pilot, "second question")
        await wait_until(pilot, lambda: has_cell(again, AgentCell, "second answer"))
        sent = str(scripted.server.requests[-1].body["input"])
        assert "first question" in sent and "first answer" in sent and "second question" in sent


async def test_the_picker_lists_real_past_threads_with_their_first_prompt(scripted: Scripted) -> None:
    config = scripted([{"items": [message("noted")]}])
    first = PycodexApp(config)
    async with first.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: first.session is not None)
        await send(pilot, "remember the milk")
        await wait_until(pilot, lambda: has_cell(first, TurnEndCell) and turn_done(first))
        await send(pilot, "/quit")
        await wait_until(pilot, lambda: not first.is_running)

    again = PycodexApp(config, pick_resume=True)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: picker_of(again) is not None)
        await pilot.pause()
        assert "remember the milk" in screen_text(again)
        await pilot.press("enter")
        await wait_until(pilot, lambda: has_cell(again, AgentCell, "noted"))
