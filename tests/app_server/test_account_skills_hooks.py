"""account/login/start (API key), account/logout, skills/list and hooks/list through `pycodex app-server` on stdio;
every message is checked against Codex's schema as it arrives."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer, exec_call, message

pytestmark = pytest.mark.anyio


async def test_login_with_an_api_key_shows_in_account_read_and_logout_forgets_it(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CODEX_API_KEY", raising=False)
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            before = await client.call("account/read", {})
            assert before["account"] is None
            chatgpt = await client.request("account/login/start", {"type": "chatgpt"})
            assert chatgpt["error"]["code"] == -32602 and "not supported by pycodex" in chatgpt["error"]["message"]
            result = await client.call("account/login/start", {"type": "apiKey", "apiKey": "sk-test-secret-1234"})
            assert result == {"type": "apiKey"}
            done = await client.wait_for(lambda m: m.get("method") == "account/login/completed")
            assert done["params"]["success"] is True
            updated = await client.wait_for(lambda m: m.get("method") == "account/updated")
            assert updated["params"]["authMode"] == "apikey"
            auth = codex_home / "auth.json"
            assert json.loads(auth.read_text())["OPENAI_API_KEY"] == "sk-test-secret-1234"
            assert stat.S_IMODE(auth.stat().st_mode) == 0o600
            after = await client.call("account/read", {})
            assert after["account"] == {"type": "apiKey"}
            logged_out = await client.request("account/logout", omit_params=True)
            assert logged_out["result"] == {}
            assert not auth.exists()
            gone = await client.call("account/read", {})
            assert gone["account"] is None
    assert not any("sk-test-secret-1234" in json.dumps(m) for m in client.messages if "method" in m)
    assert "sk-test-secret-1234" not in (codex_home / "app-server.stderr").read_text(encoding="utf-8")


async def test_skills_list_shows_a_skill_in_codex_home_and_a_broken_one(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    good = codex_home / "skills" / "release-notes"
    good.mkdir(parents=True)
    (good / "SKILL.md").write_text(
        "---\nname: release-notes\ndescription: Write release notes from the git log.\n---\nSteps...\n"
    )
    bad = codex_home / "skills" / "broken"
    bad.mkdir()
    (bad / "SKILL.md").write_text("no frontmatter here\n")
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            result = await client.call("skills/list", {"cwds": [str(work)]})
            [entry] = result["data"]
            assert entry["cwd"] == str(work)
            [skill] = entry["skills"]
            assert skill["name"] == "release-notes" and skill["scope"] == "user" and skill["enabled"] is True
            assert skill["description"] == "Write release notes from the git log."
            assert skill["path"] == str(good / "SKILL.md")
            assert [e["path"] for e in entry["errors"]] == [str(bad / "SKILL.md")]
            default = await client.call("skills/list", {})
            assert default["data"][0]["cwd"] == str(work)
            missing = await client.request("skills/list", {"cwds": [str(work / "nope")]})
            assert "not a directory" in missing["error"]["message"]


async def test_hooks_list_shows_a_configured_hook_and_its_trust(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    (codex_home / "config.toml").write_text(
        '[[hooks.PreToolUse]]\nmatcher = "Bash"\n[[hooks.PreToolUse.hooks]]\ntype = "command"\n'
        'command = "echo checked"\ntimeout = 30\n'
    )
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            result = await client.call("hooks/list", {"cwds": [str(work)]})
            [entry] = result["data"]
            [hook] = entry["hooks"]
            assert hook["eventName"] == "preToolUse" and hook["command"] == "echo checked"
            assert hook["matcher"] == "Bash" and hook["timeoutSec"] == 30
            assert hook["source"] == "user" and hook["sourcePath"] == str(codex_home / "config.toml")
            assert hook["trustStatus"] == "untrusted" and hook["enabled"] is True
            from agent.hooks import load_hooks, trust_hooks

            hooks = load_hooks([codex_home], trusted_hashes={})
            assert trust_hooks(codex_home / "config.toml", hooks.all) == 1
            again = await client.call("hooks/list", {})
            [trusted] = again["data"][0]["hooks"]
            assert trusted["trustStatus"] == "trusted"
            assert trusted["currentHash"].startswith("sha256:")


def _hook(event: str, command: str, matcher: str = "") -> str:
    head = f'[[hooks.{event}]]\nmatcher = "{matcher}"\n[[hooks.{event}.hooks]]\n'
    return head + f'type = "command"\ncommand = {json.dumps(command)}\n'


async def test_a_turn_reports_its_trusted_hooks_as_hook_notifications(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path
) -> None:
    from agent.hooks import load_hooks, trust_hooks

    marker = tmp_path / "prompted"
    blocker = tmp_path / "block.sh"
    blocker.write_text("#!/bin/sh\necho 'no touching today' >&2\nexit 2\n")
    blocker.chmod(0o755)
    config = codex_home / "config.toml"
    config.write_text(_hook("UserPromptSubmit", f"touch {marker}") + _hook("PreToolUse", str(blocker), "Bash"))
    assert trust_hooks(config, load_hooks([codex_home], trusted_hashes={}).all) == 2
    steps = [{"items": [exec_call("touch made.txt", "c1", login=False)]}, {"items": [message("done")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "never"})
            thread_id = started["thread"]["id"]
            turn = await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "completed"
    assert marker.exists() and not (work / "made.txt").exists()
    began = client.notifications("hook/started")
    ended = client.notifications("hook/completed")
    assert [n["run"]["eventName"] for n in began] == ["userPromptSubmit", "preToolUse"]
    assert [(n["run"]["eventName"], n["run"]["status"]) for n in ended] == [
        ("userPromptSubmit", "completed"),
        ("preToolUse", "blocked"),
    ]
    assert all(n["threadId"] == thread_id and n["turnId"] == turn["turn"]["id"] for n in began + ended)
    assert [n["run"]["id"] for n in began] == [n["run"]["id"] for n in ended]
    assert all(n["run"]["status"] == "running" and n["run"]["sourcePath"] == str(config) for n in began)
    assert ended[0]["run"]["entries"] == [] and ended[0]["run"]["source"] == "user"
    [entry] = ended[1]["run"]["entries"]
    assert entry["kind"] == "feedback" and "no touching today" in entry["text"]


async def test_hooks_list_shows_an_administrators_managed_hooks(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc"
    (system / "hooks").mkdir(parents=True)
    managed = f"[hooks]\nmanaged_dir = {json.dumps(str(system / 'hooks'))}\n" + _hook("Stop", "/opt/audit.sh")
    (system / "requirements.toml").write_text(managed, encoding="utf-8")
    monkeypatch.setenv("PYCODEX_SYSTEM_CONFIG_DIR", str(system))
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            result = await client.call("hooks/list", {"cwds": [str(work)]})
            [hook] = result["data"][0]["hooks"]
            assert (hook["eventName"], hook["command"]) == ("stop", "/opt/audit.sh")
            assert hook["isManaged"] is True and hook["trustStatus"] == "managed"
            assert (hook["source"], hook["sourcePath"]) == ("system", str(system / "requirements.toml"))
