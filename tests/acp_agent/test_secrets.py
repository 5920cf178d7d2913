"""What `pycodex acp` sends the editor is redacted: a key a command prints and a key the model writes, both streamed
in pieces, are absent from every `session/update` (the pieces joined), while the model's next request still had
the live output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.acp_agent.harness import RecordingClient, prompt_once
from tests.support.model_server import exec_call, message
from tests.support.secret_stream import MESSAGE, OUTPUT_REDACTED, REDACTED_MESSAGE, SECRET, write_script

pytestmark = pytest.mark.anyio


async def test_a_key_streamed_in_pieces_is_absent_from_every_update(
    work: Path, tmp_path: Path, codex_home: Path
) -> None:
    script = write_script(work)
    # The key is in the command line too: the tool call's title and raw input are redacted as well.
    steps = [{"items": [exec_call(f"sh {script} {SECRET}", "c1", login=False)]}, {"items": [message(MESSAGE)]}]
    client = RecordingClient()
    answer, requests = await prompt_once(
        client, steps, work, "show it", codex_home=codex_home, stderr=tmp_path / "err", mode="auto"
    )
    assert answer.stop_reason == "end_turn"
    assert SECRET in json.dumps(requests[1].body)  # the model saw the live output
    chunks: list[str] = [u.content.text for u in client.of("agent_message_chunk")]
    assert len(chunks) >= 2, chunks
    assert "".join(chunks) == REDACTED_MESSAGE
    # Each update of the call carries its output so far: the streamed ones first, then the final one.
    outputs: list[str] = []
    for update in client.updates_of("c1"):
        blocks: list[Any] = update.content or []
        outputs += [b.content.text for b in blocks if getattr(b.content, "text", "").startswith("```")]
    assert len(outputs) >= 3, outputs  # streamed in pieces (at least two), then the end
    assert outputs[-2] == outputs[-1] == f"```\n{OUTPUT_REDACTED}```"
    started = [u for u in client.of("tool_call") if u.tool_call_id == "c1"][0]
    assert started.title == f"sh {script} [REDACTED_SECRET]"
    every = json.dumps([update.model_dump(mode="json") for _, update in client.updates])
    assert SECRET not in every
