"""SessionStart's `source` as Codex 0.171 sends it (startup, resume, fork, clear), matched by a SessionStart matcher;
in-process sessions on the scripted model with a real hook program that saves its stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import agent
from agent.model import ScriptedModel, reply, text

pytestmark = pytest.mark.anyio


def configure(codex_home: Path, seen: Path, matcher: str) -> None:
    command = f"cat >> {seen}; echo >> {seen}"
    table = {"SessionStart": [{"matcher": matcher, "hooks": [{"type": "command", "command": command}]}]}
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": table}), encoding="utf-8")


def sources(seen: Path) -> list[str]:
    if not seen.exists():
        return []
    return [json.loads(line)["source"] for line in seen.read_text(encoding="utf-8").splitlines() if line.strip()]


def config_for(repo: Path) -> agent.Config:
    overrides = agent.ConfigOverrides(cwd=repo, approval_policy="never", bypass_hook_trust=True)
    return agent.load_config(
        overrides, ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"]
    )


async def test_a_fork_is_source_fork_and_a_resume_source_resume(repo: Path, codex_home: Path, tmp_path: Path) -> None:
    seen = tmp_path / "start.jsonl"
    configure(codex_home, seen, "startup|resume|fork")
    config = config_for(repo)
    model = ScriptedModel(lambda prompt: reply(text("ok")))
    async with agent.Session(config, model=model) as first:
        await first.run_turn([agent.TextInput(text="hello")])
        thread_id = first.thread_id
    rollout = agent.load_thread(agent.find_thread(config.codex_home, thread_id))
    async with agent.Session(config, model=model, resume=rollout):
        pass
    async with agent.Session(config, model=model, resume=rollout, fork=True):
        pass
    assert sources(seen) == ["startup", "resume", "fork"]


async def test_a_matcher_naming_another_source_keeps_the_hook_from_running(
    repo: Path, codex_home: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "start.jsonl"
    configure(codex_home, seen, "resume")
    async with agent.Session(config_for(repo), model=ScriptedModel(lambda prompt: reply(text("ok"))), ephemeral=True):
        pass
    assert sources(seen) == []
