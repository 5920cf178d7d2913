"""`pycodex mcp-server --listen`: Streamable HTTP on loopback, bearer auth, DNS-rebinding protection, both eras."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import mcp_types as types
import pytest
from anyio.streams.text import TextReceiveStream
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.model_server import ScriptedModelServer, message

from .harness import PYCODEX, REPO, server_env, write_provider

pytestmark = pytest.mark.anyio

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@asynccontextmanager
async def http_server(codex_home: Path, *args: str, env: dict[str, str] | None = None) -> AsyncGenerator[str, None]:
    """Start `pycodex mcp-server --listen http://127.0.0.1:0 ARGS` and yield its /mcp URL."""
    full_env = {**os.environ, **server_env(codex_home), **(env or {})}
    command = [*PYCODEX, "mcp-server", "--listen", "http://127.0.0.1:0", *args]
    async with await anyio.open_process(command, env=full_env, cwd=str(REPO), stdout=subprocess.DEVNULL) as process:
        assert process.stderr is not None
        text = ""
        with anyio.fail_after(30):
            async for chunk in TextReceiveStream(process.stderr):
                text += chunk
                if "listening on " in text and text.endswith("\n"):
                    break
        url = text.split("listening on ", 1)[1].split()[0]
        try:
            yield url
        finally:
            process.terminate()
            with anyio.move_on_after(10, shield=True):
                await process.wait()


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_codex_call_over_http_with_the_bearer_token(mode: str, codex_home: Path, tmp_path: Path) -> None:
    with ScriptedModelServer([{"items": [message("Over HTTP.")]}]) as model:
        write_provider(codex_home, model.base_url)
        async with http_server(
            codex_home, "--auth-token-env", "PYCODEX_TEST_TOKEN", env={"PYCODEX_TEST_TOKEN": "s3cret"}
        ) as url:
            updates: list[str | None] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                updates.append(message)

            async with httpx2.AsyncClient(headers={"authorization": "Bearer s3cret"}, timeout=30) as http:
                transport = streamable_http_client(url, http_client=http)
                async with Client(transport, mode=mode) as client:  # type: ignore[arg-type]
                    with anyio.fail_after(60):
                        result = await client.call_tool(
                            "codex", {"prompt": "hi", "cwd": str(tmp_path)}, progress_callback=on_progress
                        )
    assert isinstance(result.content[0], types.TextContent) and result.content[0].text == "Over HTTP."
    assert updates[0] == "Turn started" and updates[-1] == "Turn complete"


async def test_requests_without_the_right_token_get_401(codex_home: Path) -> None:
    async with http_server(
        codex_home, "--auth-token-env", "PYCODEX_TEST_TOKEN", env={"PYCODEX_TEST_TOKEN": "s3cret"}
    ) as url:
        async with httpx2.AsyncClient(timeout=10) as http:
            missing = await http.post(url, json=INIT, headers=HEADERS)
            wrong = await http.post(url, json=INIT, headers={**HEADERS, "authorization": "Bearer nope"})
            right = await http.post(url, json=INIT, headers={**HEADERS, "authorization": "Bearer s3cret"})
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "s3cret" not in missing.text
    assert right.status_code == 200


async def test_a_foreign_host_header_is_refused(codex_home: Path) -> None:
    async with http_server(codex_home) as url:
        async with httpx2.AsyncClient(timeout=10) as http:
            answer = await http.post(url, json=INIT, headers={**HEADERS, "host": "evil.example:80"})
    assert answer.status_code == 421


@pytest.mark.parametrize(
    ("args", "env", "problem"),
    [
        (["--listen", "http://0.0.0.0:0"], {}, "not a loopback address"),
        (["--listen", "http://127.0.0.1:0", "--auth-token-env", "PYCODEX_UNSET_TOKEN"], {}, "unset or empty"),
        (["--auth-token-env", "X"], {}, "need --listen"),
    ],
)
def test_unsafe_or_incomplete_listen_options_are_refused(
    args: list[str], env: dict[str, str], problem: str, codex_home: Path
) -> None:
    full_env = {**os.environ, **server_env(codex_home), **env}
    full_env.pop("PYCODEX_UNSET_TOKEN", None)
    done = subprocess.run(
        [*PYCODEX, "mcp-server", *args], env=full_env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert problem in done.stderr
