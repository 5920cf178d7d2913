"""`/review` in the app: the uncommitted changes reach a read-only reviewer, whose findings arrive as one cell."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.model_server import message
from tui import PycodexApp
from tui._cells import AgentCell, NoticeCell
from tui._review_command import parse_review_args

from .conftest import Scripted
from .support import cells_of, has_cell, send, wait_until

pytestmark = pytest.mark.anyio


@pytest.fixture
def changed(repo: Path) -> Path:
    (repo / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "-C", str(repo), "add", "a.py"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "a"], check=True
    )
    (repo / "a.py").write_text("x = 2\n")
    return repo


async def test_review_shows_the_findings_of_a_read_only_reviewer(scripted: Scripted, changed: Path) -> None:
    verdict = {
        "findings": [
            {
                "title": "[P1] x changed",
                "body": "It was one.",
                "confidence_score": 0.9,
                "priority": 1,
                "code_location": {"absolute_file_path": str(changed / "a.py"), "line_range": {"start": 1, "end": 1}},
            }
        ],
        "overall_correctness": "patch is incorrect",
        "overall_explanation": "One problem.",
        "overall_confidence_score": 0.8,
    }
    app = PycodexApp(scripted([{"items": [message(json.dumps(verdict))]}], sandbox="workspace-write"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/review")
        await wait_until(pilot, lambda: has_cell(app, AgentCell, "Review comment:"))
        [cell] = cells_of(app, AgentCell)
        assert (
            cell.plain() == f"One problem.\n\nReview comment:\n\n- [P1] x changed — {changed}/a.py:1-1\n  It was one."
        )
        assert has_cell(app, NoticeCell, "1 finding(s) of priority 0 or 1")
        body = scripted.server.requests[-1].body
        sent = json.dumps(body["input"])
        assert "-x = 1" in sent and "+x = 2" in sent
        assert "Sandbox mode: read-only" in sent
        assert app.session is not None and app.session.config.sandbox_mode == "workspace-write"  # the chat's own


def test_review_arguments_name_the_target() -> None:
    assert parse_review_args("") == parse_review_args("uncommitted")
    base = parse_review_args("base main")
    assert not isinstance(base, str) and (base.kind, base.branch) == ("base", "main")
    commit = parse_review_args("commit abc123 Fix the thing")
    assert not isinstance(commit, str) and (commit.sha, commit.title) == ("abc123", "Fix the thing")
    custom = parse_review_args("look at the parser only")
    assert not isinstance(custom, str) and custom.instructions == "look at the parser only"
    assert parse_review_args("base") == "/review base needs a branch name."
