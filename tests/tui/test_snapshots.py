"""SVG snapshots of the main screens (pytest-textual-snapshot). Update with `pytest --snapshot-update` and look at
the SVGs under __snapshots__/ before committing them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

import agent
from agent.protocol import (
    AgentMessage,
    AgentReasoning,
    EventMsg,
    ExecCommandBegin,
    ExecCommandEnd,
    FileChange,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanItem,
    PlanUpdate,
    TaskComplete,
    TaskStarted,
    TokenCount,
    TokenUsage,
    TokenUsageInfo,
    UserMessage,
)
from tests.support.model_server import exec_call, message
from tui import PycodexApp
from tui._approval_dialogs import ApprovalDialog
from tui._bridge import SessionEvent
from tui._cells import StatusCell, TurnEndCell
from tui._pickers import PickerDialog

from .conftest import Scripted
from .support import has_cell, send, wait_until
from .test_resume import NOW, FakeThreads

pytest.importorskip("pytest_textual_snapshot", reason="pytest-textual-snapshot (a dev dependency) is not installed")

SnapCompare = Callable[..., bool]
SIZE = (100, 36)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Paths under the test's directory show as `~/...`, the same on every run."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text cursors stay lit: their blink timer flips them every half second, so a snapshot taken on a loaded
    machine caught the prompt's cursor dark now and then (a mismatch seen in a CI-like run)."""
    from textual.widgets import Input, TextArea

    def lit(self: object) -> None:
        del self

    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lit)
    monkeypatch.setattr(Input, "_toggle_cursor", lit)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


DIFF = "".join(
    line + "\n"
    for line in [
        "@@ -1,6 +1,7 @@",
        " def greet(name):",
        '-    print("hello " + name)',
        "+    if not name:",
        '+        raise ValueError("name is empty")',
        '+    print(f"hello {name}")',
        " ",
        " ",
        " def main():",
    ]
)


def chat_events(repo: Path) -> list[EventMsg]:
    usage = TokenUsage(input_tokens=30_000, cached_input_tokens=4_000, output_tokens=1_200, total_tokens=31_200)
    return [
        TaskStarted(turn_id="t1", model_context_window=200_000),
        UserMessage(message="greet() crashes on an empty name; fix it and run the tests"),
        AgentReasoning(text="**Finding the greeting code**\n\nLook at greet.py first."),
        ExecCommandBegin(call_id="c1", command=("/bin/bash", "-lc", "python -m pytest -q"), cwd=str(repo)),
        ExecCommandEnd(
            call_id="c1",
            command=("/bin/bash", "-lc", "python -m pytest -q"),
            cwd=str(repo),
            exit_code=1,
            aggregated_output="F.\nFAILED test_greet.py::test_empty - TypeError\n1 failed, 1 passed in 0.02s\n",
            duration_ms=412,
        ),
        PlanUpdate(
            plan=(
                PlanItem(step="Reproduce the failure", status="completed"),
                PlanItem(step="Reject empty names in greet()", status="in_progress"),
                PlanItem(step="Run the tests again", status="pending"),
            )
        ),
        PatchApplyBegin(
            call_id="p1",
            auto_approved=True,
            changes={str(repo / "greet.py"): FileChange(type="update", unified_diff=DIFF)},
        ),
        PatchApplyEnd(call_id="p1", stdout="M greet.py", stderr="", success=True),
        TokenCount(info=TokenUsageInfo(total_token_usage=usage, last_token_usage=usage, model_context_window=200_000)),
        AgentMessage(
            message="Fixed: `greet()` now raises `ValueError` for an empty name.\n\n"
            "- the test `test_empty` passes\n- nothing else changed"
        ),
    ]


def test_chat_with_a_command_a_plan_and_a_diff(snap_compare: SnapCompare, scripted: Scripted, repo: Path) -> None:
    clock = Clock()
    app = PycodexApp(scripted([]), clock=clock)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: app.session is not None)
        for msg in chat_events(repo):
            app.post_message(SessionEvent(agent.Event(id="t1", msg=msg)))
        await pilot.pause()
        clock.now += 75
        app.post_message(SessionEvent(agent.Event(id="t1", msg=TaskComplete(turn_id="t1"))))
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_approval_dialog_for_a_command(snap_compare: SnapCompare, scripted: Scripted) -> None:
    steps = [{"items": [exec_call("rm -rf build && make dist", "c1", login=False)]}, {"items": [message("ok")]}]
    app = PycodexApp(scripted(steps, approval="untrusted"), clock=Clock())

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "make a clean release build")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalDialog))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_status(snap_compare: SnapCompare, scripted: Scripted) -> None:
    config = agent.load_config(
        agent.ConfigOverrides(cwd=scripted.repo, approval_policy="on-request", sandbox_mode="workspace-write"),
        [
            'model_providers.mock={name="Scripted", base_url="http://127.0.0.1:9/v1"}',
            "model_provider=mock",
            "model=test-model",
            "model_context_window=200000",
        ],
    )

    def fixed_id(config: agent.Config, **kwargs: Any) -> agent.Session:
        return agent.Session(config, thread_id="01970000-0000-7000-8000-000000000000", **kwargs)

    app = PycodexApp(config, session_factory=fixed_id)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/status")
        await wait_until(pilot, lambda: has_cell(app, StatusCell))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_resume_picker(snap_compare: SnapCompare, scripted: Scripted) -> None:
    app = PycodexApp(scripted([]), threads=FakeThreads(), pick_resume=True, now=lambda: NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: isinstance(app.screen, PickerDialog))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
