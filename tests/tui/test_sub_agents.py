"""A sub-agent's own transcript in the TUI: a click on its entry (or `/agents`) opens it over the main one, it follows
the child while it runs, Escape goes back, and the main session runs on meanwhile.

The model is the scripted server with a router: the parent (offered the sub-agent tools) spawns a child and waits
for it; the child (at the depth limit, offered none) answers once the test opens its gate.
"""
# pyright: reportPrivateUsage=false

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import agent
from tests.support.model_server import ScriptedModelServer, function_call, message, reasoning
from tui import PycodexApp
from tui._cells import AgentCell, NoticeCell, ReasoningCell, SubAgentCell, TurnEndCell, UserCell
from tui._messages import OpenSubAgent
from tui._pickers import PickerDialog
from tui._sub_agents import SubAgentScreen
from tui._transcript import CellView

from .support import cells_of, has_cell, screen_text, send, turn_done, wait_until

pytestmark = pytest.mark.anyio

CHILD_TASK = "count the files"
CHILD_ANSWER = "There are 3 files."
PARENT_ANSWER = "The child counted 3 files."


class Router:
    """Answers the parent and its child from what each request carries; the child waits for `gate`, the parent's
    last answer for `parent_gate`."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.parent_gate = threading.Event()
        self.parent_requests: list[dict[str, Any]] = []

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        if "spawn_agent" not in json.dumps(body.get("tools", [])):
            self.gate.wait(20)
            return {"items": [reasoning("**Counting files**"), message(CHILD_ANSWER, id="msg_child")]}
        self.parent_requests.append(body)
        outputs = [str(i.get("output")) for i in body.get("input", []) if i.get("type") == "function_call_output"]
        if not outputs:
            return {"items": [function_call("spawn_agent", {"message": CHILD_TASK}, "call_spawn")]}
        if len(outputs) == 1:
            agent_id = json.loads(outputs[0])["agent_id"]
            return {"items": [function_call("wait_agent", {"targets": [agent_id], "timeout_ms": 20000}, "call_wait")]}
        self.parent_gate.wait(20)
        return {"items": [message(PARENT_ANSWER, id="msg_parent")]}


@pytest.fixture
def router() -> Iterator[Router]:
    made = Router()
    yield made
    made.gate.set()  # a failed test must not leave a request hanging
    made.parent_gate.set()


@pytest.fixture
def config(repo: Path, router: Router) -> Iterator[agent.Config]:
    with ScriptedModelServer([], route=router) as server:
        yield agent.load_config(
            agent.ConfigOverrides(cwd=repo, approval_policy="never", sandbox_mode="workspace-write"),
            [
                f'model_providers.mock={{name="Scripted", base_url="{server.base_url}"}}',
                "model_provider=mock",
                "model=test-model",
            ],
        )


def child_screen(app: PycodexApp) -> SubAgentScreen | None:
    return app.screen if isinstance(app.screen, SubAgentScreen) else None


def shows(app: PycodexApp, kind: type[Any], text: str) -> bool:
    screen = child_screen(app)
    return screen is not None and any(isinstance(c, kind) and text in c.plain() for c in screen.transcript.cells)


async def test_a_click_opens_the_running_childs_transcript_which_follows_it_and_escape_goes_back(
    config: agent.Config, router: Router
) -> None:
    app = PycodexApp(config)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "go")
        await wait_until(pilot, lambda: has_cell(app, SubAgentCell))
        [cell] = cells_of(app, SubAgentCell)
        assert isinstance(cell, SubAgentCell)
        assert app.session is not None
        [child] = app.session.sub_agents()
        assert cell.nickname == child.nickname and cell.agent_id == child.id

        view = next(v for v in app.transcript.query(CellView) if v.cell is cell)
        await pilot.click(view)
        await wait_until(pilot, lambda: shows(app, UserCell, CHILD_TASK))
        screen = child_screen(app)
        assert screen is not None
        # The child is still waiting for the model: no answer yet, and the title says who it is.
        assert not shows(app, AgentCell, CHILD_ANSWER)
        await wait_until(
            pilot, lambda: child.nickname in screen_text(app) and "esc back to the main" in screen_text(app)
        )

        router.gate.set()
        await wait_until(pilot, lambda: shows(app, AgentCell, CHILD_ANSWER))
        await wait_until(pilot, lambda: shows(app, TurnEndCell, ""))
        assert shows(app, ReasoningCell, "Counting files")
        await wait_until(pilot, lambda: CHILD_ANSWER in screen_text(app))
        assert not any(isinstance(c, AgentCell) and PARENT_ANSWER in c.plain() for c in screen.transcript.cells)

        # The parent went on while the child's view was open: it has the child's answer and asked the model again.
        await wait_until(pilot, lambda: len(router.parent_requests) == 3)
        await pilot.press("escape")
        await wait_until(pilot, lambda: child_screen(app) is None)
        # Esc left the view; it did not interrupt the parent's turn, which finishes once the model answers.
        assert app.driver.running and not has_cell(app, NoticeCell, "Interrupted")
        router.parent_gate.set()
        await wait_until(pilot, lambda: turn_done(app) and has_cell(app, AgentCell, PARENT_ANSWER))
        await wait_until(pilot, lambda: PARENT_ANSWER in screen_text(app))
        assert not has_cell(app, UserCell, CHILD_TASK)


async def test_a_finished_child_opens_from_its_settled_entry_and_from_agents(
    config: agent.Config, router: Router
) -> None:
    router.gate.set()
    router.parent_gate.set()
    app = PycodexApp(config)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "go")
        await wait_until(pilot, lambda: turn_done(app) and has_cell(app, AgentCell, PARENT_ANSWER))
        assert app.session is not None
        [child] = app.session.sub_agents()

        # Settled entries are drawn as lines of the history view (as a long or resumed thread's are): a click on
        # the sub-agent's line opens it too.
        app.transcript.add_many([])
        history = app.transcript.history
        [index] = [i for i, c in enumerate(history.cells) if isinstance(c, SubAgentCell)]
        await pilot.pause()
        await pilot.click(history, offset=(4, history._starts[index]))
        await wait_until(pilot, lambda: shows(app, AgentCell, CHILD_ANSWER))
        assert shows(app, UserCell, CHILD_TASK)
        # The turn ended before the view opened; it still has its rule (timed by when its events arrived).
        await wait_until(pilot, lambda: shows(app, TurnEndCell, "worked for"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: child_screen(app) is None)

        # Again, from the list (and from the log the TUI kept: the engine hands the stream out once).
        await send(pilot, "/agents")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerDialog))
        await wait_until(pilot, lambda: child.nickname in screen_text(app) and "completed" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: shows(app, AgentCell, CHILD_ANSWER))
        await wait_until(pilot, lambda: CHILD_ANSWER in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: child_screen(app) is None)

        await send(pilot, f"/agents {child.nickname.lower()}")
        await wait_until(pilot, lambda: shows(app, UserCell, CHILD_TASK))


async def test_agents_without_children_says_so(config: agent.Config) -> None:
    app = PycodexApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "/agents")
        await wait_until(pilot, lambda: has_cell(app, NoticeCell, "has not started any sub-agents"))
        assert not isinstance(app.screen, PickerDialog)
        # An entry of a thread that is not this session's (a resumed one's) names the way to its transcript.
        app.post_message(OpenSubAgent("0190aaaa-0000-7000-8000-000000000000"))
        await wait_until(pilot, lambda: has_cell(app, NoticeCell, "pycodex resume 0190aaaa-0000-7000"))
        assert child_screen(app) is None
