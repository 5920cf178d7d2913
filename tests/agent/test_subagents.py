"""Sub-agents in-process: the parent spawns a child (a real session on the same scripted model), waits for its
answer and finishes; the thread limit; the depth limit; closing the parent stops a running child."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

import agent
from agent.model import ModelResponse, Prompt, ScriptedModel, function_call, reply, text

pytestmark = pytest.mark.anyio


def config_for(repo: Path, *overrides: str) -> agent.Config:
    return agent.load_config(
        agent.ConfigOverrides(cwd=repo, approval_policy="never", sandbox_mode="workspace-write"),
        ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused", *overrides],
    )


def last_user_text(prompt: Prompt) -> str:
    for item in reversed(prompt.input):
        if item.get("type") == "message" and item.get("role") == "user":
            return "".join(str(p.get("text", "")) for p in item.get("content", []))
    return ""


def has_agent_tools(prompt: Prompt) -> bool:
    """Whether a request offers the sub-agent tools (grouped in their namespace on OpenAI, inline elsewhere)."""
    return any(t.get("name") in ("multi_agent_v1", "spawn_agent") for t in prompt.tools)


def outputs(prompt: Prompt) -> list[str]:
    return [str(i["output"]) for i in prompt.input if str(i.get("type", "")).endswith("_output")]


def agent_call(name: str, arguments: dict[str, object]) -> dict[str, object]:
    call = function_call(name, arguments)
    call["namespace"] = "multi_agent_v1"
    return call


class Router:
    """Answers the parent and its children differently, from what each request carries."""

    def __init__(self) -> None:
        self.child_prompts: list[Prompt] = []

    def __call__(self, prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            self.child_prompts.append(prompt)
            return reply(text("There are 3 files."))
        done = outputs(prompt)
        if not done:
            return reply(agent_call("spawn_agent", {"message": "count the files"}))
        if len(done) == 1:
            spawned: dict[str, str] = json.loads(done[0])
            return reply(agent_call("wait_agent", {"targets": [spawned["agent_id"]], "timeout_ms": 20000}))
        return reply(text("The child said: " + done[-1]))


async def test_a_child_runs_and_wait_returns_its_answer(repo: Path) -> None:
    router = Router()
    model = ScriptedModel(router)
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        with anyio.fail_after(30):
            outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "completed"
    spawned = json.loads(outputs(model.prompts[1])[0])
    assert set(spawned) == {"agent_id", "nickname"}
    waited = json.loads(outputs(model.prompts[-1])[-1])
    assert waited == {"status": {spawned["agent_id"]: {"completed": "There are 3 files."}}, "timed_out": False}
    # The parent offers the namespace; the child, at the depth limit (1), gets no agent tools.
    assert has_agent_tools(model.prompts[0])
    assert not has_agent_tools(router.child_prompts[0])
    # The child's requests are marked as Codex marks them; the parent's are not.
    assert router.child_prompts[0].extra_headers == {
        "x-openai-subagent": "collab_spawn",
        "x-codex-parent-thread-id": session.thread_id,
    }
    assert model.prompts[0].extra_headers == {}


async def test_a_front_end_lists_the_children_and_reads_a_childs_own_events(repo: Path) -> None:
    from agent.protocol import AgentMessage, SessionConfigured, UserMessage

    model = ScriptedModel(Router())
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        assert session.sub_agents() == []
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
        [child] = session.sub_agents()
        spawned = json.loads(outputs(model.prompts[1])[0])
        assert (child.id, child.nickname, child.role) == (spawned["agent_id"], spawned["nickname"], None)
        assert (child.status, child.message) == ("completed", "There are 3 files.")
        stream = await session.sub_agent_events(child.id)
        assert stream is not None
        assert await session.sub_agent_events(child.id) is None  # one reader only
        assert await session.sub_agent_events("not-a-child") is None
        with stream:
            # Everything the child emitted since it started is there, though it was read after the fact.
            msgs = [stream.receive_nowait().msg for _ in range(stream.statistics().current_buffer_used)]
    assert isinstance(msgs[0], SessionConfigured) and msgs[0].session_id == child.id
    assert [m.message for m in msgs if isinstance(m, UserMessage)] == ["count the files"]
    assert [m.message for m in msgs if isinstance(m, AgentMessage)] == ["There are 3 files."]


async def test_a_spawn_past_the_thread_limit_is_refused(repo: Path) -> None:
    def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            return reply(text("done " + last_user_text(prompt)))
        if not outputs(prompt):
            return reply(agent_call("spawn_agent", {"message": "a"}), agent_call("spawn_agent", {"message": "b"}))
        return reply(text("finished"))

    model = ScriptedModel(script)
    async with agent.Session(config_for(repo, "agents.max_threads=1"), model=model, ephemeral=True) as session:
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
    results = outputs(model.prompts[1])
    assert "agent_id" in results[0]
    assert results[1] == "collab spawn failed: agent thread limit reached"


async def test_with_max_depth_zero_no_agent_tools_are_offered(repo: Path) -> None:
    model = ScriptedModel([reply(text("ok"))])
    async with agent.Session(config_for(repo, "agents.max_depth=0"), model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="hi")])
    assert not has_agent_tools(model.prompts[0])


async def test_closing_the_parent_stops_a_child_running_a_command(repo: Path, tmp_path: Path) -> None:
    started = tmp_path / "started"

    def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            if outputs(prompt):
                return reply(text("child done"))
            cmd = f"touch {started}; sleep 30; touch {tmp_path / 'finished'}"
            return reply(function_call("exec_command", {"cmd": cmd, "login": False, "yield_time_ms": 30000}))
        if not outputs(prompt):
            return reply(agent_call("spawn_agent", {"message": "work"}))
        return reply(text("parent done"))

    model = ScriptedModel(script)
    config = config_for(repo, "sandbox_workspace_write.writable_roots=[" + json.dumps(str(tmp_path)) + "]")
    with anyio.fail_after(30):
        async with agent.Session(config, model=model, ephemeral=True) as session:
            await session.run_turn([agent.TextInput(text="go")])
            while not started.exists():  # noqa: ASYNC110 - a file another process creates: nothing to wait on
                await anyio.sleep(0.05)
    assert not (tmp_path / "finished").exists()


def test_exec_json_shows_sub_agent_calls_as_collab_tool_call_items() -> None:
    import io

    from agent.protocol import CollabToolCallBegin, CollabToolCallEnd, Event
    from cli._exec_render import JsonlRenderer

    out = io.StringIO()
    renderer = JsonlRenderer(out)
    renderer.on_event(Event(id="t", msg=CollabToolCallBegin(call_id="c1", tool="spawn_agent", sender_thread_id="p")))
    states = {"child": {"status": "pending_init", "message": None}}
    end = CollabToolCallEnd(
        call_id="c1",
        tool="spawn_agent",
        sender_thread_id="p",
        receiver_thread_ids=("child",),
        prompt="count",
        agents_states=states,
    )
    renderer.on_event(Event(id="t", msg=end))
    started, completed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert started["type"] == "item.started"
    assert started["item"]["type"] == "collab_tool_call" and started["item"]["receiver_thread_ids"] == []
    assert completed["item"] == {
        "id": started["item"]["id"],
        "type": "collab_tool_call",
        "tool": "spawn_agent",
        "sender_thread_id": "p",
        "receiver_thread_ids": ["child"],
        "prompt": "count",
        "agents_states": states,
        "status": "completed",
    }


def test_every_agents_setting_and_role_acts_and_none_is_reported(repo: Path) -> None:
    config = config_for(
        repo,
        "agents.max_threads=2",
        'agents.explorer.description="look"',
        "agents.job_max_runtime_seconds=60",
        "agents.interrupt_message=false",
    )
    assert not [w for w in config.warnings if "agents" in w]


@pytest.mark.parametrize(
    ("override", "key", "problem"),
    [
        ("agents.job_max_runtime_seconds=0", "agents.job_max_runtime_seconds", "must be at least 1 (got 0)"),
        ('agents.job_max_runtime_seconds="60"', "agents.job_max_runtime_seconds", "expected a whole number"),
        ("agents.job_max_runtime_seconds=true", "agents.job_max_runtime_seconds", "expected a whole number"),
        ('agents.interrupt_message="no"', "agents.interrupt_message", "expected true or false"),
        ("agents.max_threads=0", "agents.max_threads", "must be at least 1"),
    ],
)
def test_a_bad_agents_setting_is_a_config_error_naming_the_key(
    repo: Path, override: str, key: str, problem: str
) -> None:
    with pytest.raises(agent.ConfigError) as info:
        config_for(repo, override)
    assert info.value.key == key
    assert f"invalid value for `{key}`" in str(info.value) and problem in str(info.value)
    assert "-c" in str(info.value) and info.value.exit_code == 2


def user_texts(prompt: Prompt) -> list[str]:
    return [
        "".join(str(p.get("text", "")) for p in item.get("content", []))
        for item in prompt.input
        if item.get("type") == "message" and item.get("role") == "user"
    ]


async def test_a_child_job_past_job_max_runtime_seconds_is_stopped_and_reported_errored(repo: Path) -> None:
    child_prompts: list[Prompt] = []

    def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            if last_user_text(prompt) == "work":
                cmd = f"sleep 30; touch {repo / 'finished'}"
                return reply(function_call("exec_command", {"cmd": cmd, "login": False, "yield_time_ms": 30000}))
            child_prompts.append(prompt)
            return reply(text("retried"))
        done = outputs(prompt)
        if not done:
            return reply(agent_call("spawn_agent", {"message": "work"}))
        agent_id = json.loads(done[0])["agent_id"]
        if len(done) in (1, 3):
            return reply(agent_call("wait_agent", {"targets": [agent_id], "timeout_ms": 20000}))
        if len(done) == 2:
            return reply(agent_call("send_input", {"target": agent_id, "message": "try again"}))
        return reply(text("parent done"))

    model = ScriptedModel(script)
    config = config_for(repo, "agents.job_max_runtime_seconds=1")
    async with agent.Session(config, model=model, ephemeral=True) as session:
        with anyio.fail_after(20):
            outcome = await session.run_turn([agent.TextInput(text="go")])
    assert outcome.status == "completed"
    final = outputs(model.prompts[-1])
    agent_id = json.loads(final[0])["agent_id"]
    first_wait = json.loads(final[1])["status"][agent_id]
    assert list(first_wait) == ["errored"]
    assert "agents.job_max_runtime_seconds (1 s)" in first_wait["errored"]
    assert json.loads(final[3])["status"][agent_id] == {"completed": "retried"}
    # The parent was told, as for any child that ends.
    notified = [t for p in model.prompts for t in user_texts(p) if t.startswith("<subagent_notification>")]
    assert any('"errored"' in t and "job_max_runtime_seconds" in t for t in notified)
    # The child's command was stopped, and its next job knows why the previous one ended.
    [retry] = child_prompts
    assert outputs(retry) == ["aborted"]
    assert any(t.startswith("<turn_aborted>") and "job_max_runtime_seconds = 1" in t for t in user_texts(retry))
    assert not (repo / "finished").exists()


async def test_a_childs_question_reaches_the_parents_approver_labelled_with_its_nickname(repo: Path) -> None:
    from agent.protocol import ApprovalRequest, ExecApprovalRequest, ReviewDecision

    class Approver:
        def __init__(self) -> None:
            self.asked: list[ApprovalRequest] = []

        async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
            self.asked.append(request)
            return "denied"

    def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            if outputs(prompt):
                return reply(text("child gave up"))
            return reply(function_call("exec_command", {"cmd": "touch x", "login": False}))
        done = outputs(prompt)
        if not done:
            return reply(agent_call("spawn_agent", {"message": "make x"}))
        if len(done) == 1:
            spawned: dict[str, str] = json.loads(done[0])
            return reply(agent_call("wait_agent", {"targets": [spawned["agent_id"]], "timeout_ms": 20000}))
        return reply(text("parent done"))

    approver = Approver()
    config = agent.load_config(
        agent.ConfigOverrides(cwd=repo, approval_policy="untrusted", sandbox_mode="workspace-write"),
        ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"],
    )
    async with agent.Session(config, model=ScriptedModel(script), approvals=approver, ephemeral=True) as session:
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
    [asked] = approver.asked
    assert isinstance(asked, ExecApprovalRequest)
    assert asked.command[-1] == "touch x"
    assert (asked.reason or "").startswith("Sub-agent ")
    assert not (repo / "x").exists()


async def test_a_sub_agent_of_an_earlier_run_is_resumed_by_its_id(repo: Path) -> None:
    router = Router()
    config = config_for(repo)
    async with agent.Session(config, model=ScriptedModel(router)) as first:
        with anyio.fail_after(30):
            await first.run_turn([agent.TextInput(text="go")])
        parent_id = first.thread_id
    rollout = agent.load_thread(agent.find_thread(config.codex_home, parent_id))
    spawn_output = next(
        json.loads(str(i["output"])) for i in rollout.items if str(i.get("output", "")).startswith('{"agent_id"')
    )
    agent_id = spawn_output["agent_id"]

    def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            return reply(text("resumed and answered: " + last_user_text(prompt)))
        done = outputs(prompt)[2:]  # the first run's spawn and wait outputs come first
        if not done:
            return reply(agent_call("resume_agent", {"id": agent_id}))
        if len(done) == 1:
            return reply(agent_call("send_input", {"target": agent_id, "message": "and the folders?"}))
        if len(done) == 2:
            return reply(agent_call("wait_agent", {"targets": [agent_id], "timeout_ms": 20000}))
        return reply(text("ok"))

    model = ScriptedModel(script)
    async with agent.Session(config, model=model, resume=rollout) as second:
        with anyio.fail_after(30):
            await second.run_turn([agent.TextInput(text="continue")])
    last = outputs(model.prompts[-1])
    assert json.loads(last[-3]) == {"status": "pending_init"}
    assert json.loads(last[-1]) == {
        "status": {agent_id: {"completed": "resumed and answered: and the folders?"}},
        "timed_out": False,
    }


async def test_subagent_start_and_stop_hooks_run_in_each_child(repo: Path, codex_home: Path, tmp_path: Path) -> None:
    seen = tmp_path / "events"
    command = f"cat >> {seen}; echo >> {seen}"
    table = {
        event: [{"matcher": "", "hooks": [{"type": "command", "command": command}]}]
        for event in ("SubagentStart", "SubagentStop")
    }
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": table}), encoding="utf-8")
    overrides = agent.ConfigOverrides(
        cwd=repo, approval_policy="never", sandbox_mode="workspace-write", bypass_hook_trust=True
    )
    config = agent.load_config(
        overrides, ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"]
    )
    async with agent.Session(config, model=ScriptedModel(Router()), ephemeral=True) as session:
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
    events = [json.loads(line) for line in seen.read_text().splitlines() if line.strip()]
    assert [e["hook_event_name"] for e in events] == ["SubagentStart", "SubagentStop"]
    assert events[0]["agent_id"] == events[1]["agent_id"]
    assert events[0]["agent_type"] == events[1]["agent_type"] == "default"
    assert events[0]["turn_id"] == events[1]["turn_id"]
    assert events[1]["last_assistant_message"] == "There are 3 files."
    assert events[1]["stop_hook_active"] is False
    assert events[1]["agent_transcript_path"] is None  # an ephemeral session keeps no transcript


async def test_a_role_gives_the_child_its_instructions_and_agent_type_is_offered(repo: Path) -> None:
    router = Router()

    def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            router.child_prompts.append(prompt)
            return reply(text("explored"))
        if not outputs(prompt):
            return reply(agent_call("spawn_agent", {"message": "look around", "agent_type": "explorer"}))
        return reply(text("done"))

    role = (
        'agents.explorer={description="Reads the code and reports", '
        'developer_instructions="Only read, never write.", nickname_candidates=["Scout"]}'
    )
    model = ScriptedModel(script)
    async with agent.Session(config_for(repo, role), model=model, ephemeral=True) as session:
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
            while not router.child_prompts:  # noqa: ASYNC110 - the child runs beside the finished parent turn
                await anyio.sleep(0.02)
    spawn = next(t for t in model.prompts[0].tools if t.get("name") == "spawn_agent")
    assert "explorer: Reads the code and reports" in spawn["parameters"]["properties"]["agent_type"]["description"]
    assert json.loads(outputs(model.prompts[1])[0])["nickname"] == "Scout"
    developer = [
        str(p.get("text", ""))
        for item in router.child_prompts[0].input
        if item.get("role") == "developer"
        for p in item.get("content", [])
    ]
    assert any("Only read, never write." in text for text in developer)


async def test_an_unknown_agent_type_is_an_error_for_the_model(repo: Path) -> None:
    def script(prompt: Prompt) -> ModelResponse:
        if not outputs(prompt):
            return reply(agent_call("spawn_agent", {"message": "x", "agent_type": "wizard"}))
        return reply(text("ok"))

    model = ScriptedModel(script)
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="go")])
    assert outputs(model.prompts[1]) == ["unknown agent_type 'wizard'"]
    assert (
        "agent_type"
        not in next(t for t in model.prompts[0].tools if t.get("name") == "spawn_agent")["parameters"]["properties"]
    )


async def test_the_parent_hears_each_thing_its_child_does_as_sub_agent_activity(repo: Path) -> None:
    child_asked = anyio.Event()

    async def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            if last_user_text(prompt) == "count the files":
                child_asked.set()
                await anyio.sleep_forever()  # busy until the parent interrupts it
            return reply(text("redirected: " + last_user_text(prompt)))
        done = outputs(prompt)
        if not done:
            return reply(agent_call("spawn_agent", {"message": "count the files", "reasoning_effort": "low"}))
        agent_id = json.loads(done[0])["agent_id"]
        if len(done) == 1:
            await child_asked.wait()
            return reply(agent_call("send_input", {"target": agent_id, "message": "list dirs", "interrupt": True}))
        if len(done) == 2:
            return reply(agent_call("wait_agent", {"targets": [agent_id], "timeout_ms": 20000}))
        return reply(text("done"))

    model = ScriptedModel(script)
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
        events = session.events()
        seen: list[agent.protocol.SubAgentActivity] = []
        while True:
            try:
                msg = events.receive_nowait().msg
            except anyio.WouldBlock:
                break
            if isinstance(msg, agent.protocol.SubAgentActivity):
                seen.append(msg)
    waited = json.loads(outputs(model.prompts[-1])[-1])
    assert list(waited["status"].values()) == [{"completed": "redirected: list dirs"}]
    kinds = [a.kind for a in seen]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert sorted(kinds[1:-1]) == ["interacted", "interrupted"]
    assert len({a.agent_thread_id for a in seen}) == 1
    assert seen[0].reasoning_effort == "low" and seen[0].model == session.config.model


async def test_send_input_with_interrupt_tells_the_childs_next_turn_who_stopped_it(repo: Path) -> None:
    child_asked = anyio.Event()
    child_prompts: list[Prompt] = []

    async def script(prompt: Prompt) -> ModelResponse:
        if not has_agent_tools(prompt):
            if last_user_text(prompt) == "work":
                child_asked.set()
                return reply(function_call("exec_command", {"cmd": "sleep 30", "login": False, "yield_time_ms": 30000}))
            child_prompts.append(prompt)
            return reply(text("hi"))
        done = outputs(prompt)
        if not done:
            return reply(agent_call("spawn_agent", {"message": "work"}))
        agent_id = json.loads(done[0])["agent_id"]
        if len(done) == 1:
            await child_asked.wait()
            return reply(agent_call("send_input", {"target": agent_id, "message": "say hi", "interrupt": True}))
        if len(done) == 2:
            return reply(agent_call("wait_agent", {"targets": [agent_id], "timeout_ms": 20000}))
        return reply(text("parent done"))

    model = ScriptedModel(script)
    async with agent.Session(config_for(repo), model=model, ephemeral=True) as session:
        with anyio.fail_after(20):
            await session.run_turn([agent.TextInput(text="go")])
    final = outputs(model.prompts[-1])
    assert json.loads(final[2])["status"] == {json.loads(final[0])["agent_id"]: {"completed": "hi"}}
    [retry] = child_prompts
    notes = [t for t in user_texts(retry) if t.startswith("<turn_aborted>")]
    assert len(notes) == 1 and "The parent agent interrupted the previous turn" in notes[0]


async def test_a_subagent_start_hook_answering_continue_false_stops_the_child_before_its_work(
    repo: Path, codex_home: Path
) -> None:
    answer = json.dumps({"continue": False, "stopReason": "no helpers today"})
    hook = {"type": "command", "command": f"cat >/dev/null; echo '{answer}'"}
    (codex_home / "hooks.json").write_text(json.dumps({"hooks": {"SubagentStart": [{"hooks": [hook]}]}}))
    overrides = agent.ConfigOverrides(
        cwd=repo, approval_policy="never", sandbox_mode="workspace-write", bypass_hook_trust=True
    )
    config = agent.load_config(
        overrides, ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused"]
    )
    router = Router()
    model = ScriptedModel(router)
    async with agent.Session(config, model=model, ephemeral=True) as session:
        with anyio.fail_after(30):
            await session.run_turn([agent.TextInput(text="go")])
    assert router.child_prompts == []
    waited = json.loads(outputs(model.prompts[-1])[-1])
    (status,) = waited["status"].values()
    assert status == {"errored": "A SubagentStart hook stopped the sub-agent: no helpers today"}
