"""The app-server: shared state (options, loaded threads, the method table) and the life of one connection."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.abc

from . import _misc_methods as misc
from . import _thread_methods as threads
from . import _turn_methods as turns
from ._connection import Connection, log_to_stderr
from ._dispatch import Dispatcher, Handler
from ._threads import Threads


@dataclass(frozen=True)
class AppServerOptions:
    """How `pycodex app-server` was started."""

    config_overrides: tuple[str, ...] = ()
    """`-c key=value` flags, applied to every thread under the request's own settings."""
    strict_config: bool = False
    record_messages: bool = False
    """Keep every message sent on each connection (`AppServer.sent`), for tests that check them against a schema."""
    log: Callable[[str], None] = field(default=log_to_stderr)


HANDLERS: dict[str, Handler] = {
    "initialize": Handler(misc.initialize),
    "thread/start": Handler(threads.thread_start),
    "thread/resume": Handler(threads.thread_resume),
    "thread/fork": Handler(threads.thread_fork),
    "thread/read": Handler(threads.thread_read),
    "thread/list": Handler(threads.thread_list),
    "thread/archive": Handler(threads.thread_archive),
    "thread/unarchive": Handler(threads.thread_unarchive),
    "thread/name/set": Handler(threads.thread_set_name),
    "thread/compact/start": Handler(threads.thread_compact_start),
    "turn/start": Handler(turns.turn_start),
    "turn/steer": Handler(turns.turn_steer),
    "turn/interrupt": Handler(turns.turn_interrupt),
    "model/list": Handler(misc.model_list),
    "config/read": Handler(misc.config_read),
    "config/value/write": Handler(misc.config_value_write),
    "mcpServerStatus/list": Handler(misc.mcp_server_status_list),
    "account/read": Handler(misc.account_read),
    "command/exec": Handler(misc.command_exec, slow=True),
    "fuzzyFileSearch": Handler(misc.fuzzy_file_search, slow=True),
}


class AppServer:
    """State shared by the connections of one `pycodex app-server` process. Use inside `running()`."""

    def __init__(self, options: AppServerOptions) -> None:
        self.options = options
        self.dispatcher = Dispatcher(HANDLERS)
        self._tg: anyio.abc.TaskGroup | None = None
        self._threads: Threads | None = None
        self.sent: list[dict[str, Any]] = []
        self._codex_home: Path | None = None

    @property
    def threads(self) -> Threads:
        assert self._threads is not None, "the server is not running"
        return self._threads

    def codex_home(self) -> Path:
        if self._codex_home is None:
            raw = os.environ.get("CODEX_HOME", "").strip()
            self._codex_home = Path(raw).expanduser() if raw else Path.home() / ".codex"
        return self._codex_home

    def log(self, line: str) -> None:
        self.options.log(line)

    def spawn(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        assert self._tg is not None
        self._tg.start_soon(fn, *args)

    async def run(self, serve: Callable[[AppServer], Awaitable[None]]) -> None:
        """Run `serve` (a transport's loop) with the server's task group; loaded threads close when it returns."""
        async with anyio.create_task_group() as tg:
            self._tg = tg
            self._threads = Threads(tg, log=self.log)
            try:
                await serve(self)
            finally:
                self._threads.close_all()

    async def connection(
        self, incoming: AsyncIterator[str], send: Callable[[str], Awaitable[None]], *, label: str
    ) -> None:
        """Serve one client until its messages end; then its questions are cancelled and threads only it followed
        are interrupted and unloaded."""
        conn = Connection(self, send, label=label)
        if self.options.record_messages:
            conn.sent = self.sent
        try:
            async for text in incoming:
                await conn.receive(text)
        finally:
            with anyio.CancelScope(shield=True):
                await conn.close()
