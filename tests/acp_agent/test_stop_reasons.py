"""Stop reasons end to end: the scripted model stops at its output limit or refuses, a hook blocks the prompt; the
engine ends the turn with a typed reason (no retry) and the ACP client gets `max_tokens` / `refusal`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.acp_agent.harness import RecordingClient, prompt_once
from tests.cli.exec_harness import provider_flags
from tests.support.model_server import exec_call, message, refusal

pytestmark = pytest.mark.anyio


async def _prompt(steps: list[dict[str, Any]], tmp_path: Path, codex_home: Path) -> tuple[Any, RecordingClient, Any]:
    """One prompt with stream retries on (a cut-short response must not be retried); the answer, the client and the
    model's requests."""
    client = RecordingClient()
    answer, requests = await prompt_once(
        client,
        steps,
        tmp_path,
        "write a lot",
        codex_home=codex_home,
        stderr=tmp_path / "err",
        provider=lambda url: provider_flags(url, stream_retries=3),
    )
    return answer, client, requests


async def test_a_response_cut_at_the_output_limit_ends_the_turn_with_max_tokens_without_a_retry(
    tmp_path: Path, codex_home: Path
) -> None:
    # The cut response also holds a call: it is not run (its arguments may be cut too).
    items = [message("The first half of a long"), exec_call("touch should-not-exist", "c1", login=False)]
    steps: list[dict[str, Any]] = [{"items": items, "incomplete": "max_output_tokens"}, {"items": [message("x")]}]
    answer, client, requests = await _prompt(steps, tmp_path, codex_home)
    assert answer.stop_reason == "max_tokens"
    assert len(requests) == 1
    assert client.text().startswith("The first half of a long")
    assert "output token limit" in client.text()
    assert client.of("tool_call") == []
    assert not (tmp_path / "should-not-exist").exists()


async def test_a_content_filtered_response_ends_the_turn_with_refusal(tmp_path: Path, codex_home: Path) -> None:
    steps: list[dict[str, Any]] = [{"items": [], "incomplete": "content_filter"}, {"items": [message("x")]}]
    answer, client, requests = await _prompt(steps, tmp_path, codex_home)
    assert answer.stop_reason == "refusal"
    assert len(requests) == 1
    assert "refused" in client.text()


async def test_a_refusal_part_is_shown_and_ends_the_turn_with_refusal(tmp_path: Path, codex_home: Path) -> None:
    steps: list[dict[str, Any]] = [{"items": [refusal("I can't help with that.")]}]
    answer, client, _ = await _prompt(steps, tmp_path, codex_home)
    assert answer.stop_reason == "refusal"
    assert client.text().startswith("I can't help with that.")


async def test_a_prompt_blocked_by_a_user_prompt_submit_hook_ends_with_refusal(
    tmp_path: Path, codex_home: Path
) -> None:
    from agent.hooks import load_hooks, trust_hooks

    hook = tmp_path / "prompt.sh"
    hook.write_text("#!/bin/sh\ncat >/dev/null\necho 'prompts about secrets are not allowed' >&2\nexit 2\n")
    hook.chmod(0o755)
    config = codex_home / "config.toml"
    config.write_text(
        '[[hooks.UserPromptSubmit]]\nmatcher = ""\n[[hooks.UserPromptSubmit.hooks]]\ntype = "command"\n'
        f'command = "{hook}"\n'
    )
    assert trust_hooks(config, load_hooks([codex_home], trusted_hashes={}).all) == 1
    answer, client, requests = await _prompt([{"items": [message("x")]}], tmp_path, codex_home)
    assert answer.stop_reason == "refusal"
    assert requests == []
    assert "prompts about secrets are not allowed" in client.text()
