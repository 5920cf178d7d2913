"""Hooks in the app: a hook nobody trusted is shown before the session starts; trusted, it runs and is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.model_server import exec_call, message
from tui import PycodexApp
from tui._approval_dialogs import ApprovalDialog
from tui._cells import NoticeCell, TurnEndCell

from .conftest import Scripted
from .support import has_cell, screen_text, send, wait_until

pytestmark = pytest.mark.anyio

STEPS = [{"items": [exec_call("true", "c1", login=False)]}, {"items": [message("done")]}]


def write_hook(codex_home: Path, marker: Path) -> None:
    hook = {"type": "command", "command": f"cat >/dev/null; touch {marker}", "statusMessage": "Recording the call"}
    table = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [hook]}]}}
    (codex_home / "hooks.json").write_text(json.dumps(table), encoding="utf-8")


async def test_a_new_hook_is_shown_and_once_trusted_it_runs(
    scripted: Scripted, codex_home: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "hook-ran"
    write_hook(codex_home, marker)
    app = PycodexApp(scripted(STEPS))
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalDialog))
        await pilot.pause()
        shown = screen_text(app)
        assert "Trust this hook before the session starts?" in shown
        assert "PreToolUse [Bash]" in shown
        assert "cat >/dev/null; touch" in shown
        await pilot.press("y")
        await wait_until(pilot, lambda: app.session is not None)
        assert "trusted_hash" in (codex_home / "config.toml").read_text()
        await send(pilot, "run it")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert marker.exists()
        assert has_cell(app, NoticeCell, "Recording the call done")


async def test_a_hook_left_untrusted_does_not_run(scripted: Scripted, codex_home: Path, tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    write_hook(codex_home, marker)
    app = PycodexApp(scripted(STEPS))
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalDialog))
        await pilot.press("n")
        await wait_until(pilot, lambda: app.session is not None)
        await send(pilot, "run it")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
        assert not marker.exists()
        assert (
            not (codex_home / "config.toml").exists() or "trusted_hash" not in (codex_home / "config.toml").read_text()
        )


async def test_clear_starts_a_session_whose_session_start_hooks_hear_source_clear(
    scripted: Scripted, codex_home: Path, tmp_path: Path
) -> None:
    from agent.hooks import load_hooks, trust_hooks

    seen = tmp_path / "starts.jsonl"
    hook = {"type": "command", "command": f"cat >> {seen}; echo >> {seen}"}
    table = {"hooks": {"SessionStart": [{"matcher": "", "hooks": [hook]}]}}
    (codex_home / "hooks.json").write_text(json.dumps(table), encoding="utf-8")
    assert trust_hooks(codex_home / "config.toml", load_hooks([codex_home], trusted_hashes={}).all) == 1

    def sources() -> list[str]:
        text = seen.read_text(encoding="utf-8") if seen.exists() else ""
        return [json.loads(line)["source"] for line in text.splitlines() if line.strip()]

    app = PycodexApp(scripted(STEPS))
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: len(sources()) == 1)
        first = app.session
        await send(pilot, "/clear")
        await wait_until(pilot, lambda: len(sources()) == 2 and app.session is not None and app.session is not first)
        await send(pilot, "/new")
        await wait_until(pilot, lambda: len(sources()) == 3)
    assert sources() == ["startup", "clear", "startup"]


async def test_each_new_hook_is_asked_about_on_its_own(scripted: Scripted, codex_home: Path, tmp_path: Path) -> None:
    before, after = tmp_path / "pre-ran", tmp_path / "post-ran"
    table = {
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": f"touch {before}"}]}],
            "PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": f"touch {after}"}]}],
        }
    }
    (codex_home / "hooks.json").write_text(json.dumps(table), encoding="utf-8")
    app = PycodexApp(scripted(STEPS))
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalDialog))
        await pilot.pause()
        first = screen_text(app)
        assert "Trust hook 1 of 2 before the session starts?" in first and "PreToolUse [Bash]" in first
        assert "trust the 1 after it too" in first
        await pilot.press("y")
        await wait_until(pilot, lambda: "hook 2 of 2" in screen_text(app))
        assert "PostToolUse [Bash]" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.session is not None)
        assert has_cell(app, NoticeCell, "You trusted 1 hook")
        await send(pilot, "run it")
        await wait_until(pilot, lambda: has_cell(app, TurnEndCell))
    assert before.exists() and not after.exists()
    assert (codex_home / "config.toml").read_text(encoding="utf-8").count("trusted_hash") == 1
