"""review/start through `pycodex app-server` on stdio: a read-only reviewer on a repository with an uncommitted
change, the scripted model answering with findings; every message is checked against Codex's schema."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio


def _commit_then_change(work: Path) -> Path:
    source = work / "calc.py"
    source.write_text("def add(a, b):\n    return a + b\n")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "add"], check=True)
    source.write_text("def add(a, b):\n    return a - b\n")
    return source


def _findings(path: Path) -> dict[str, Any]:
    finding = {
        "title": "[P1] add subtracts",
        "body": "`add` now returns a - b.",
        "confidence_score": 0.9,
        "priority": 1,
        "code_location": {"absolute_file_path": str(path), "line_range": {"start": 2, "end": 2}},
    }
    return {
        "findings": [finding],
        "overall_correctness": "patch is incorrect",
        "overall_explanation": "The change breaks addition.",
        "overall_confidence_score": 0.8,
    }


async def test_review_start_reviews_the_uncommitted_change_as_a_turn_with_review_items(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    source = _commit_then_change(work)
    steps = [{"items": [message(json.dumps(_findings(source)))]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work)})
            thread_id = started["thread"]["id"]
            bad = await client.request("review/start", {"threadId": thread_id, "target": {"type": "commit"}})
            assert bad["error"]["code"] == -32602 and "`target.sha`" in bad["error"]["message"]
            result = await client.call(
                "review/start", {"threadId": thread_id, "target": {"type": "uncommittedChanges"}}
            )
            assert result["reviewThreadId"] == thread_id and result["turn"]["status"] == "inProgress"
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["id"] == result["turn"]["id"]
    assert done["params"]["turn"]["status"] == "completed"
    items = [n["item"] for n in client.notifications("item/completed")]
    assert [i["type"] for i in items] == ["enteredReviewMode", "exitedReviewMode"]
    assert items[0]["review"] == "current changes"
    assert "add subtracts" in items[1]["review"] and f"{source}:2" in items[1]["review"]
    [request] = model.requests
    sent = json.dumps(request.body["input"])
    assert "return a - b" in sent  # the reviewer saw the diff
    assert request.body["text"]["format"]["type"] == "json_schema"


async def test_review_start_with_nothing_to_review_says_so_without_asking_the_model(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
            await client.call("review/start", {"threadId": thread_id, "target": {"type": "uncommittedChanges"}})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert model.requests == []
    exited = [n["item"] for n in client.notifications("item/completed")][-1]
    assert exited["type"] == "exitedReviewMode" and exited["review"].startswith("Nothing to review")


async def test_turn_interrupt_stops_a_running_review(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    _commit_then_change(work)
    with ScriptedModelServer([{"hang": True}]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = (await client.call("thread/start", {"cwd": str(work)}))["thread"]["id"]
            target = {"type": "uncommittedChanges"}
            turn_id = (await client.call("review/start", {"threadId": thread_id, "target": target}))["turn"]["id"]
            await client.wait_for(lambda m: m.get("method") == "item/completed")
            busy = await client.request("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "x"}]})
            assert "already running turn" in busy["error"]["message"]
            await client.call("turn/interrupt", {"threadId": thread_id, "turnId": turn_id})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
            assert done["params"]["turn"]["status"] == "interrupted"
            read = await client.call("thread/read", {"threadId": thread_id})
            assert read["thread"]["status"] == {"type": "idle"}
