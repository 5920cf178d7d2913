"""An ACP client (the `agent-client-protocol` package) driving `python -m cli acp` as a real subprocess, with the
model served by the scripted loopback server."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import anyio
from acp import Client, spawn_agent_process, text_block
from acp.client.connection import ClientSideConnection
from acp.schema import (
    AcceptElicitationResponse,
    AllowedOutcome,
    DeclineElicitationResponse,
    DeniedOutcome,
    PermissionOption,
    PromptResponse,
    RequestPermissionResponse,
    ToolCallUpdate,
)

from tests.cli.exec_harness import provider_flags
from tests.support.model_server import RecordedRequest, ScriptedModelServer

REPO = Path(__file__).resolve().parents[2]


@dataclass
class RecordingClient:
    """Records every update; answers permission requests with `answer` (an option id, or None to cancel)."""

    answer: str | None = "allow_once"
    updates: list[tuple[str, Any]] = field(default_factory=lambda: [])
    permissions: list[tuple[ToolCallUpdate, list[PermissionOption]]] = field(default_factory=lambda: [])
    on_update: Callable[[Any], None] | None = None
    asked: anyio.Event = field(default_factory=anyio.Event)
    hold_permission: anyio.Event | None = None
    form_answer: dict[str, Any] | None = None
    elicitations: list[tuple[str, Any]] = field(default_factory=lambda: [])
    answer_for: Callable[[ToolCallUpdate], str | None] | None = None
    """When set, chooses the answer to each permission request (else `answer`)."""

    async def create_elicitation(self, message: str, mode: Any, **kwargs: Any) -> Any:
        self.elicitations.append((message, mode))
        if self.form_answer is None:
            return DeclineElicitationResponse(action="decline")
        return AcceptElicitationResponse(action="accept", content=self.form_answer)

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates.append((session_id, update))
        if self.on_update is not None:
            self.on_update(update)

    async def request_permission(
        self, session_id: str, tool_call: ToolCallUpdate, options: list[PermissionOption], **kwargs: Any
    ) -> RequestPermissionResponse:
        self.permissions.append((tool_call, options))
        self.asked.set()
        if self.hold_permission is not None:
            await self.hold_permission.wait()
        answer = self.answer if self.answer_for is None else self.answer_for(tool_call)
        if answer is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=answer))

    def kinds(self) -> list[str]:
        return [u.session_update for _, u in self.updates]

    def of(self, kind: str) -> list[Any]:
        return [u for _, u in self.updates if u.session_update == kind]

    def updates_of(self, tool_call_id: str) -> list[Any]:
        """The tool_call and tool_call_update updates of one call, in order."""
        return [u for _, u in self.updates if getattr(u, "tool_call_id", None) == tool_call_id]

    def text(self, kind: str = "agent_message_chunk") -> str:
        return "".join(u.content.text for u in self.of(kind) if getattr(u.content, "type", "") == "text")


def agent_args(base_url: str, *extra: str, provider: list[str] | None = None) -> list[str]:
    return [
        "-m",
        "cli",
        "acp",
        *(provider_flags(base_url) if provider is None else provider),
        "-c",
        "model_context_window=200000",
        *extra,
    ]


@asynccontextmanager
async def spawn(
    client: RecordingClient,
    base_url: str,
    *extra: str,
    codex_home: Path,
    stderr: Path,
    env: dict[str, str] | None = None,
    provider: list[str] | None = None,
) -> AsyncGenerator[ClientSideConnection]:
    """`python -m cli acp` with the scripted provider (or the `provider` flags given); yields the client connection
    (initialize not yet sent)."""
    full_env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CODEX_HOME": str(codex_home),
        "MOCK_API_KEY": "sk-mock-123",
        **(env or {}),
    }
    with stderr.open("ab") as err:
        async with spawn_agent_process(
            cast("Client", client),  # it answers what a test client needs: updates, permissions, elicitation
            sys.executable,
            *agent_args(base_url, *extra, provider=provider),
            env=full_env,
            cwd=str(REPO),
            transport_kwargs={"stderr": err},
            use_unstable_protocol=True,
        ) as (conn, _process):
            yield conn


async def prompt_once(
    client: RecordingClient,
    steps: list[dict[str, Any]],
    cwd: Path,
    text: str,
    *,
    codex_home: Path,
    stderr: Path,
    mode: str | None = None,
    provider: Callable[[str], list[str]] | None = None,
) -> tuple[PromptResponse, list[RecordedRequest]]:
    """One session in a fresh `pycodex acp` against a scripted model: initialize, session/new in `cwd` (the mode set
    when given), one prompt of `text`. Returns the answer and the model's requests. `provider` makes the provider
    flags from the model server's URL (the scripted provider by default)."""
    with ScriptedModelServer(steps) as server:
        flags = provider(server.base_url) if provider is not None else None
        async with spawn(client, server.base_url, codex_home=codex_home, stderr=stderr, provider=flags) as conn:
            await conn.initialize(protocol_version=1)
            session = await conn.new_session(cwd=str(cwd), mcp_servers=[])
            if mode is not None:
                await conn.set_session_mode(session_id=session.session_id, mode_id=mode)
            answer = await conn.prompt(session_id=session.session_id, prompt=[text_block(text)])
        requests = server.requests
    return answer, requests
