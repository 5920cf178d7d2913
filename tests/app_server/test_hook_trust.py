"""The app-server refuses a hook nobody has trusted: it does not run, and the client gets a `warning` naming it and
saying how to trust it (a real `pycodex app-server` on stdio, every message checked against Codex's schema)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, message

pytestmark = pytest.mark.anyio


async def test_an_untrusted_hook_does_not_run_and_a_warning_names_it(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path
) -> None:
    from agent.hooks import load_hooks

    marker = tmp_path / "ran"
    config = codex_home / "config.toml"
    config.write_text(
        '[[hooks.UserPromptSubmit]]\nmatcher = ""\n[[hooks.UserPromptSubmit.hooks]]\n'
        f'type = "command"\ncommand = {json.dumps(f"touch {marker}")}\n',
        encoding="utf-8",
    )
    (hook,) = load_hooks([codex_home], trusted_hashes={}).untrusted
    with ScriptedModelServer([{"items": [message("done")]}]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work)})
            thread_id = started["thread"]["id"]
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "completed"
    assert not marker.exists()
    assert client.notifications("hook/started") == []
    warnings = [n["message"] for n in client.notifications("warning")]
    refusal = [w for w in warnings if hook.key in w]
    assert refusal, warnings
    assert "is not trusted, so it will not run" in refusal[0] and "pycodex hooks trust" in refusal[0]
