"""A small app-server client for the tests: stdio (a real `pycodex app-server` subprocess) or a WebSocket.

It records every message the server sends and checks each against Codex's schema as it arrives (when the schema
could be generated), so every test run over the app-server is also a schema test.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
from anyio.streams.text import TextReceiveStream

from tests.app_server.codex_schema import CodexSchema

REPO = Path(__file__).resolve().parents[2]


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def provider_args(base_url: str) -> list[str]:
    return [
        "-c",
        f'model_providers.mock={{name="mock", base_url="{base_url}", env_key="MOCK_API_KEY", wire_api="responses", '
        "request_max_retries=0, stream_max_retries=0}",
        "-c",
        "model_provider=mock",
    ]


class Client:
    """Speaks the protocol over any transport that can send a text message and yields the ones received."""

    def __init__(self, send: Callable[[str], Awaitable[None]], schema: CodexSchema | None) -> None:
        self._send = send
        self.schema = schema
        self.messages: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self._next_id = 1
        self._methods: dict[int | str, str] = {}
        self._changed = anyio.Event()
        self.closed = False

    async def read(self, incoming: AsyncIterator[str], *, lines: bool) -> None:
        """Receive until the server closes: JSON lines (stdio, chunks cut anywhere) or one message per frame."""
        buffer = ""
        try:
            async for text in incoming:
                if not lines:
                    self._received(json.loads(text))
                    continue
                buffer += text
                *complete, buffer = buffer.split("\n")
                for line in complete:
                    if line.strip():
                        self._received(json.loads(line))
        finally:
            self.closed = True
            self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    def _received(self, message: dict[str, Any]) -> None:
        if self.schema is not None:
            request_method = None if "method" in message else self._methods.get(message.get("id", -1))
            try:
                self.schema.check(message, request_method)
            except Exception as exc:  # a violation, or a schema this check cannot read: both fail the test
                self.violations.append(f"{type(exc).__name__}: {str(exc)[:2000]}")
        self.messages.append(message)
        self._wake()

    async def send(self, message: dict[str, Any] | str) -> None:
        if isinstance(message, dict) and "id" in message and "method" in message:
            self._methods[message["id"]] = message["method"]
        await self._send(message if isinstance(message, str) else json.dumps(message))

    async def request(self, method: str, params: Any = None, *, omit_params: bool = False) -> dict[str, Any]:
        """Send a request and return the whole response message."""
        request_id = self._next_id
        self._next_id += 1
        self._methods[request_id] = method
        message: dict[str, Any] = {"id": request_id, "method": method}
        if not omit_params:
            message["params"] = {} if params is None else params
        await self.send(message)
        return await self.wait_for(lambda m: m.get("id") == request_id and "method" not in m)

    async def call(self, method: str, params: Any = None) -> Any:
        response = await self.request(method, params)
        if "error" in response:
            raise RpcError(response["error"]["code"], response["error"]["message"])
        return response["result"]

    async def initialize(self, name: str = "pycodex-tests") -> dict[str, Any]:
        result = await self.call("initialize", {"clientInfo": {"name": name, "title": None, "version": "1.0"}})
        await self.send({"method": "initialized"})
        return result

    async def respond(self, request_id: int | str, result: Any) -> None:
        await self.send({"id": request_id, "result": result})

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], *, start: int = 0, within: float = 30
    ) -> dict[str, Any]:
        """The first message from index `start` on that satisfies `predicate`, waiting for it if need be."""
        with anyio.fail_after(within):
            index = start
            while True:
                while index < len(self.messages):
                    if predicate(self.messages[index]):
                        return self.messages[index]
                    index += 1
                if self.closed:
                    raise AssertionError("the server closed the connection")
                await self._changed.wait()

    def notifications(self, method: str) -> list[dict[str, Any]]:
        return [m["params"] for m in self.messages if m.get("method") == method and "id" not in m]

    def assert_schema_clean(self) -> None:
        assert not self.violations, "\n".join(self.violations)


@asynccontextmanager
async def stdio_server(
    base_url: str, *, cwd: Path, codex_home: Path, schema: CodexSchema | None, args: list[str] | None = None
) -> AsyncGenerator[tuple[Client, anyio.abc.Process], None]:
    """`pycodex app-server` on stdio with the scripted model as its provider, and a client reading it."""
    env = {**os.environ, "CODEX_HOME": str(codex_home), "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "cli", "app-server", *provider_args(base_url), *(args or [])]
    stderr = (codex_home / "app-server.stderr").open("w", encoding="utf-8")
    process = await anyio.open_process(command, cwd=cwd, env=env, stderr=stderr)
    assert process.stdin is not None and process.stdout is not None
    stdin = process.stdin

    async def send(text: str) -> None:
        await stdin.send((text + "\n").encode())

    client = Client(send, schema)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(client.read, TextReceiveStream(process.stdout), lines=True))
            try:
                yield client, process
            finally:
                with anyio.CancelScope(shield=True):
                    await stdin.aclose()
                    with anyio.move_on_after(20):
                        await process.wait()
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
                tg.cancel_scope.cancel()
    finally:
        stderr.close()
    client.assert_schema_clean()


@asynccontextmanager
async def socket_server(
    base_url: str, *, cwd: Path, codex_home: Path, listen: str, args: list[str] | None = None
) -> AsyncGenerator[tuple[str, anyio.abc.Process], None]:
    """`pycodex app-server --listen LISTEN` as a subprocess; yields the address its banner announces."""
    env = {**os.environ, "CODEX_HOME": str(codex_home), "MOCK_API_KEY": "sk-mock", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "cli", "app-server", "--listen", listen, *provider_args(base_url), *(args or [])]
    process = await anyio.open_process(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
    assert process.stderr is not None
    banner = ""
    try:
        with anyio.fail_after(30):
            async for chunk in TextReceiveStream(process.stderr):
                banner += chunk
                if "listening on: " in banner and banner.endswith("\n"):
                    break
        address = banner.split("listening on: ", 1)[1].split()[0]

        async def drain() -> None:
            async for _ in process.stderr:  # pyright: ignore[reportOptionalIterable]
                pass

        async with anyio.create_task_group() as tg:
            tg.start_soon(drain)
            try:
                yield address, process
            finally:
                with anyio.CancelScope(shield=True):
                    if process.returncode is None:
                        process.terminate()
                    with anyio.move_on_after(20):
                        await process.wait()
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
                tg.cancel_scope.cancel()
    finally:
        if process.returncode is None:
            process.kill()


@asynccontextmanager
async def websocket_client(
    address: str, schema: CodexSchema | None, *, token: str | None = None
) -> AsyncGenerator[Client, None]:
    """A client over a WebSocket (`ws://HOST:PORT` or `unix://PATH`)."""
    from websockets.asyncio.client import connect, unix_connect

    headers = {"Authorization": f"Bearer {token}"} if token else None
    if address.startswith("unix://"):
        opening = unix_connect(address.removeprefix("unix://"), additional_headers=headers)
    else:
        opening = connect(address, additional_headers=headers)
    async with opening as websocket:

        async def send(text: str) -> None:
            await websocket.send(text)

        async def incoming() -> AsyncIterator[str]:
            from websockets.exceptions import ConnectionClosed

            try:
                async for message in websocket:
                    yield message if isinstance(message, str) else message.decode()
            except ConnectionClosed:
                return

        client = Client(send, schema)
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(client.read, incoming(), lines=False))
            try:
                yield client
            finally:
                tg.cancel_scope.cancel()
    client.assert_schema_clean()
