"""`pycodex app-server` over stdio, driven by the test client: the handshake, bad input, a turn with an approval,
the thread methods, interrupts and a client that goes away mid-turn. Every message is checked against Codex's
schema as it arrives (see `client.py`)."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from tests.app_server.client import Client, stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.cli.exec_harness import wait_for_file
from tests.support.model_server import ScriptedModelServer, exec_call, message, reasoning

pytestmark = pytest.mark.anyio


def escalated(cmd: str, call_id: str) -> dict[str, Any]:
    """A command the model asks to run outside the sandbox: under on-request it needs an approval."""
    return exec_call(cmd, call_id, login=False, sandbox_permissions="require_escalated", justification="to test")


async def start_thread(client: Client, work: Path, **params: Any) -> str:
    result = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "on-request", **params})
    return result["thread"]["id"]


async def test_requests_before_initialize_are_refused_then_the_handshake_answers(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            early = await client.request("thread/list", {})
            assert early["error"] == {"code": -32600, "message": "Not initialized"}
            result = await client.initialize("my-ide")
            assert result["codexHome"] == str(codex_home)
            assert result["platformFamily"] == "unix" and result["userAgent"].startswith("my-ide/")
            again = await client.request("initialize", {"clientInfo": {"name": "x", "version": "1"}})
            assert again["error"]["message"] == "Already initialized"


async def test_bad_input_gets_clear_errors_and_the_server_goes_on(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            await client.send("{this is not json")
            warning = await client.wait_for(lambda m: m.get("method") == "warning")
            assert "not JSON" in warning["params"]["message"]
            unknown = await client.request("no/such", {})
            assert unknown["error"] == {"code": -32600, "message": "Invalid request: unknown method `no/such`"}
            missing = await client.request("thread/start", omit_params=True)
            assert missing["error"]["message"] == "Invalid request: missing field `params`"
            wrong = await client.request("thread/read", {"threadId": 7})
            assert wrong["error"]["code"] == -32602 and "`threadId` must be a string" in wrong["error"]["message"]
            absent = await client.request("thread/read", {})
            assert "missing field `threadId`" in absent["error"]["message"]
            nothing = await client.request("thread/read", {"threadId": "0194a4c2-0000-7000-8000-000000000000"})
            assert nothing["error"]["message"].startswith("thread not found")
            other = await client.request("thread/goal/get", {"threadId": "x"})
            assert "`thread/goal/get` is not supported by pycodex" in other["error"]["message"]
            # A client may send "jsonrpc": "2.0"; the server still answers (and never sends the field itself).
            await client.send({"jsonrpc": "2.0", "id": "s-1", "method": "model/list", "params": {}})
            listed = await client.wait_for(lambda m: m.get("id") == "s-1")
            assert listed["result"]["data"][0]["isDefault"] is True
    assert all("jsonrpc" not in m for m in client.messages)


async def test_a_turn_streams_items_asks_approval_and_runs_the_command(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [
        {"items": [reasoning("look first"), escalated("echo approved | tee made.txt", "call_1")]},
        {"items": [message("Made it.")]},
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            started = await client.call("thread/start", {"cwd": str(work), "approvalPolicy": "on-request"})
            thread_id = started["thread"]["id"]
            assert started["approvalPolicy"] == "on-request" and started["sandbox"]["type"] == "readOnly"
            turn = await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            assert turn["turn"]["status"] == "inProgress"
            ask = await client.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
            assert ask["params"]["itemId"] == "call_1" and ask["params"]["reason"] == "to test"
            assert "accept" in ask["params"]["availableDecisions"]
            await client.respond(ask["id"], {"decision": "accept"})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "completed"
    assert done["params"]["turn"]["items"][0]["text"] == "Made it."
    assert (work / "made.txt").read_text(encoding="utf-8") == "approved\n"
    methods = [m.get("method") for m in client.messages if "method" in m and m.get("method") != "warning"]
    assert methods.index("turn/started") < methods.index("item/commandExecution/requestApproval")
    assert client.notifications("serverRequest/resolved") == [{"threadId": thread_id, "requestId": ask["id"]}]
    completed = [n["item"] for n in client.notifications("item/completed")]
    assert [i["type"] for i in completed] == ["userMessage", "reasoning", "commandExecution", "agentMessage"]
    assert completed[2]["status"] == "completed" and completed[2]["exitCode"] == 0
    assert completed[2]["aggregatedOutput"] == "approved\n"
    output = "".join(n["delta"] for n in client.notifications("item/commandExecution/outputDelta"))
    assert output == "approved\n"
    deltas = "".join(n["delta"] for n in client.notifications("item/agentMessage/delta"))
    assert deltas == "Made it."
    summary = "".join(n["delta"] for n in client.notifications("item/reasoning/summaryTextDelta"))
    assert summary == "look first" and completed[1]["summary"] == ["look first"]
    assert [n["thread"]["id"] for n in client.notifications("thread/started")] == [thread_id]
    flags = [n["status"] for n in client.notifications("thread/status/changed")]
    assert {"type": "active", "activeFlags": ["waitingOnApproval"]} in flags and flags[-1] == {"type": "idle"}
    assert client.notifications("thread/tokenUsage/updated")[-1]["tokenUsage"]["total"]["totalTokens"] == 240


async def test_a_declined_command_is_not_run_and_its_item_says_declined(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [escalated("echo no > never.txt", "call_1")]}, {"items": [message("Understood.")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = await start_thread(client, work)
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            ask = await client.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
            await client.respond(ask["id"], {"decision": "decline"})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert not (work / "never.txt").exists()
    command = [n["item"] for n in client.notifications("item/completed") if n["item"]["type"] == "commandExecution"]
    assert [c["status"] for c in command] == ["declined"]


async def test_thread_methods_list_read_name_archive_fork_and_resume(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [message("first answer")]}, {"items": [message("second answer")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = await start_thread(client, work)
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "hello"}]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
            await client.call("thread/name/set", {"threadId": thread_id, "name": "greeting"})
            read = await client.call("thread/read", {"threadId": thread_id, "includeTurns": True})
            (turn,) = read["thread"]["turns"]
            assert [i["type"] for i in turn["items"]] == ["userMessage", "agentMessage"]
            assert read["thread"]["preview"] == "hello" and read["thread"]["status"] == {"type": "idle"}
            listed = await client.call("thread/list", {})
            assert [t["id"] for t in listed["data"]] == [thread_id]
            assert listed["data"][0]["name"] == "greeting"
            fork = await client.call("thread/fork", {"threadId": thread_id})
            assert fork["thread"]["forkedFromId"] == thread_id and fork["thread"]["id"] != thread_id
            await client.call("thread/archive", {"threadId": thread_id})
            assert [t["id"] for t in (await client.call("thread/list", {}))["data"]] == [fork["thread"]["id"]]
            archived = await client.call("thread/list", {"archived": True})
            assert [t["id"] for t in archived["data"]] == [thread_id]
            await client.call("thread/unarchive", {"threadId": thread_id})
            only = await client.call("thread/list", {"includedThreadIds": [fork["thread"]["id"]]})
            assert [t["id"] for t in only["data"]] == [fork["thread"]["id"]]
            resumed = await client.call("thread/resume", {"threadId": thread_id})
            assert resumed["thread"]["name"] == "greeting"
            assert [t["status"] for t in resumed["thread"]["turns"]] == ["completed"]
            mark = len(client.messages)
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "again"}]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed", start=mark)
            requests = model.requests
    # The resumed turn carried the first one: the same thread, continued.
    sent = json.dumps(requests[-1].body["input"])
    assert "hello" in sent and "first answer" in sent and "again" in sent
    assert client.notifications("thread/name/updated") == [{"threadId": thread_id, "threadName": "greeting"}]


async def test_turn_interrupt_kills_the_command_and_completes_the_turn_as_interrupted(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    steps = [{"items": [exec_call(f"echo $$ > {pidfile}; exec sleep 30", "call_1", login=False)]}]
    with ScriptedModelServer(steps) as model:
        args = ["-c", "sandbox_mode=danger-full-access"]
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema, args=args) as (
            client,
            _,
        ):
            await client.initialize()
            thread_id = await start_thread(client, work, approvalPolicy="never")
            turn = await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "x"}]})
            await client.wait_for(
                lambda m: m.get("method") == "item/started" and m["params"]["item"]["type"] == "commandExecution"
            )
            pid = await _read_pid(pidfile)
            bad = await client.request("turn/interrupt", {"threadId": thread_id, "turnId": "other"})
            assert "cannot interrupt turn other" in bad["error"]["message"]
            await client.call("turn/interrupt", {"threadId": thread_id, "turnId": turn["turn"]["id"]})
            done = await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "interrupted"
    assert not _alive(pid)


async def test_a_client_that_disconnects_mid_turn_interrupts_it_kills_its_commands_and_keeps_the_rollout(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    steps = [{"items": [exec_call(f"echo $$ > {pidfile}; exec sleep 30", "call_1", login=False)]}]
    with ScriptedModelServer(steps) as model:
        args = ["-c", "sandbox_mode=danger-full-access"]
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema, args=args) as (
            client,
            process,
        ):
            await client.initialize()
            thread_id = await start_thread(client, work, approvalPolicy="never")
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "x"}]})
            pid = await _read_pid(pidfile)
            assert process.stdin is not None
            await process.stdin.aclose()
            with anyio.fail_after(20):
                code = await process.wait()
    assert code == 0
    assert not _alive(pid)
    (rollout,) = (codex_home / "sessions").rglob(f"rollout-*{thread_id}.jsonl")
    records = [json.loads(line) for line in rollout.read_text(encoding="utf-8").splitlines()]
    events = [r["payload"]["type"] for r in records if r["type"] == "event_msg"]
    assert events[0] == "task_started" and events[-1] == "turn_aborted"
    assert any(r["type"] == "response_item" and r["payload"].get("type") == "function_call" for r in records)


async def test_command_exec_fuzzy_search_config_and_account(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    (work / "src").mkdir()
    (work / "src" / "app_server.py").write_text("", encoding="utf-8")
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            ran = await client.call("command/exec", {"command": ["sh", "-c", "echo out; exit 3"], "cwd": str(work)})
            assert ran == {"exitCode": 3, "stdout": "out\n", "stderr": ""}
            found = await client.call("fuzzyFileSearch", {"query": "apsv", "roots": [str(work)]})
            assert found["files"][0]["path"] == "src/app_server.py"
            written = await client.call(
                "config/value/write", {"keyPath": "model_reasoning_effort", "value": "high", "mergeStrategy": "replace"}
            )
            assert written["status"] == "ok" and written["filePath"] == str(codex_home / "config.toml")
            config = await client.call("config/read", {})
            assert config["config"]["model_reasoning_effort"] == "high"
            assert config["config"]["model_provider"] == "mock"
            account = await client.call("account/read", {})
            assert account == {"account": None, "requiresOpenaiAuth": False}
            assert (await client.call("mcpServerStatus/list", {}))["data"] == []
            before = (codex_home / "config.toml").read_text(encoding="utf-8")
            bad = await client.request(
                "config/value/write", {"keyPath": "model_reasoning_effort", "value": 7, "mergeStrategy": "replace"}
            )
            assert "model_reasoning_effort" in bad["error"]["message"]
            # The file that would not load was put back as it was.
            assert (codex_home / "config.toml").read_text(encoding="utf-8") == before
            batch = await client.call(
                "config/batchWrite",
                {
                    "edits": [
                        {"keyPath": "model_verbosity", "value": "low", "mergeStrategy": "replace"},
                        {"keyPath": "model_reasoning_effort", "value": None, "mergeStrategy": "replace"},
                    ],
                    "expectedVersion": written["version"],
                },
            )
            assert batch["status"] == "ok"
            stale = await client.request(
                "config/batchWrite",
                {
                    "edits": [{"keyPath": "model", "value": "x", "mergeStrategy": "replace"}],
                    "expectedVersion": "sha256:0",
                },
            )
            assert "changed since `expectedVersion`" in stale["error"]["message"]


async def _read_pid(path: Path) -> int:
    # The command runs in another process: its pid file is the only sign it started.
    await anyio.to_thread.run_sync(functools.partial(wait_for_file, path, nonempty=True))
    return int(await anyio.Path(path).read_text(encoding="utf-8"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_loaded_list_unsubscribe_and_delete(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([{"items": [message("kept")]}]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            first = await start_thread(client, work)
            second = await start_thread(client, work)
            await client.call("turn/start", {"threadId": first, "input": [{"type": "text", "text": "hi"}]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
            assert (await client.call("thread/loaded/list", {}))["data"] == sorted([first, second])
            assert await client.call("thread/unsubscribe", {"threadId": second}) == {"status": "unsubscribed"}
            # Nobody follows it any more: it is unloaded (its rollout stays; it can be resumed).
            assert (await client.call("thread/loaded/list", {}))["data"] == [first]
            assert await client.call("thread/unsubscribe", {"threadId": second}) == {"status": "notLoaded"}
            assert await client.call("thread/delete", {"threadId": first}) == {}
            assert (await client.call("thread/loaded/list", {}))["data"] == []
            gone = await client.request("thread/read", {"threadId": first})
            assert gone["error"]["message"].startswith("thread not found")
    assert client.notifications("thread/deleted") == [{"threadId": first}]
    assert not list((codex_home / "sessions").rglob(f"rollout-*{first}.jsonl"))


async def test_turns_list_pages_a_threads_turns(work: Path, codex_home: Path, codex_schema: CodexSchema | None) -> None:
    steps = [{"items": [message("one")]}, {"items": [message("two")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = await start_thread(client, work)
            for text in ("first", "second"):
                mark = len(client.messages)
                await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": text}]})
                await client.wait_for(lambda m: m.get("method") == "turn/completed", start=mark)
            newest = await client.call("thread/turns/list", {"threadId": thread_id, "limit": 1})
            older = await client.call(
                "thread/turns/list",
                {"threadId": thread_id, "limit": 1, "cursor": newest["nextCursor"], "itemsView": "summary"},
            )
            ascending = await client.call(
                "thread/turns/list", {"threadId": thread_id, "sortDirection": "asc", "itemsView": "notLoaded"}
            )
    assert [i["text"] for i in newest["data"][0]["items"] if i["type"] == "agentMessage"] == ["two"]
    assert [i["text"] for i in older["data"][0]["items"]] == ["one"] and older["nextCursor"] is None
    assert [t["items"] for t in ascending["data"]] == [[], []] and ascending["data"][0]["status"] == "completed"


async def test_accepting_with_the_execpolicy_amendment_saves_the_rule(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    steps = [{"items": [escalated("echo ruled > ruled.txt", "call_1")]}, {"items": [message("ok")]}]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = await start_thread(client, work)
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            ask = await client.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
            amendment = ask["params"]["proposedExecpolicyAmendment"]
            assert amendment, ask["params"]
            decisions: list[Any] = ask["params"]["availableDecisions"]
            offered = [cast(dict[str, Any], d) for d in decisions if isinstance(d, dict)]
            assert offered == [{"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}}]
            await client.respond(ask["id"], {"decision": offered[0]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
    assert (work / "ruled.txt").read_text(encoding="utf-8") == "ruled\n"
    rules = (codex_home / "rules" / "default.rules").read_text(encoding="utf-8")
    assert json.dumps(amendment[0]) in rules


async def test_a_secret_a_command_prints_is_masked_in_notifications_but_reaches_the_model(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    secret = "sk-proj-" + "Q7x" * 16
    steps = [
        {"items": [exec_call(f"echo OPENAI_API_KEY={secret}", "call_1", login=False)]},
        {"items": [message("Printed it.")]},
    ]
    with ScriptedModelServer(steps) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            thread_id = await start_thread(client, work, approvalPolicy="never")
            await client.call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]})
            await client.wait_for(lambda m: m.get("method") == "turn/completed")
        assert secret in json.dumps(model.requests[-1].body)
    sent = json.dumps(client.messages)
    assert secret not in sent
    completed = [n["item"] for n in client.notifications("item/completed") if n["item"]["type"] == "commandExecution"]
    assert "OPENAI_API_KEY=" in completed[0]["aggregatedOutput"]
