"""The TUI with the automatic approvals reviewer: no dialog, and the verdict is a notice cell."""

from __future__ import annotations

import json

import pytest

from tests.support.model_server import exec_call, message
from tui import PycodexApp
from tui._cells import NoticeCell, TurnEndCell

from .conftest import Scripted
from .support import has_cell, send, wait_until

pytestmark = pytest.mark.anyio


async def test_a_denied_action_is_a_notice_and_nobody_is_asked(scripted: Scripted) -> None:
    call = exec_call("rm -rf ../elsewhere", "c1", login=False, sandbox_permissions="require_escalated")
    verdict = {"outcome": "deny", "risk_level": "high", "user_authorization": "low", "rationale": "outside the repo"}
    steps = [{"items": [call]}, {"items": [message(json.dumps(verdict))]}, {"items": [message("done", id="m2")]}]
    app = PycodexApp(scripted(steps, overrides=['approvals_reviewer="auto_review"']))
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "clean up")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert has_cell(app, NoticeCell, "Auto-review denied: outside the repo")
