"""The app-server: shared state (options, loaded threads, the method table) and the life of one connection."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from ._connection import Connection, log_to_stderr
from ._dispatch import Dispatcher, Handler

if TYPE_CHECKING:
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
    "initialize": Handler("_misc_methods:initialize"),
    "thread/start": Handler("_thread_methods:thread_start"),
    "thread/resume": Handler("_thread_methods:thread_resume"),
    "thread/fork": Handler("_thread_methods:thread_fork"),
    "thread/read": Handler("_thread_methods:thread_read"),
    "thread/list": Handler("_thread_methods:thread_list"),
    "thread/archive": Handler("_thread_methods:thread_archive"),
    "thread/unarchive": Handler("_thread_methods:thread_unarchive"),
    "thread/name/set": Handler("_thread_methods:thread_set_name"),
    "thread/compact/start": Handler("_thread_methods:thread_compact_start"),
    "thread/loaded/list": Handler("_thread_methods:thread_loaded_list"),
    "thread/turns/list": Handler("_thread_methods:thread_turns_list"),
    "thread/unsubscribe": Handler("_thread_methods:thread_unsubscribe"),
    "thread/delete": Handler("_thread_methods:thread_delete"),
    "turn/start": Handler("_turn_methods:turn_start"),
    "turn/steer": Handler("_turn_methods:turn_steer"),
    "turn/interrupt": Handler("_turn_methods:turn_interrupt"),
    "model/list": Handler("_misc_methods:model_list"),
    "config/read": Handler("_misc_methods:config_read"),
    "config/value/write": Handler("_config_write:config_value_write"),
    "config/batchWrite": Handler("_config_write:config_batch_write"),
    "mcpServerStatus/list": Handler("_misc_methods:mcp_server_status_list"),
    "account/read": Handler("_account_methods:account_read"),
    "account/login/start": Handler("_account_methods:login_start"),
    "account/logout": Handler("_account_methods:logout", takes_params=False),
    "skills/list": Handler("_listing_methods:skills_list", slow=True),
    "hooks/list": Handler("_listing_methods:hooks_list", slow=True),
    "review/start": Handler("_review_methods:review_start", slow=True),
    "command/exec": Handler("_misc_methods:command_exec", slow=True),
    "fuzzyFileSearch": Handler("_misc_methods:fuzzy_file_search", slow=True),
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
        """The loaded threads (the engine is imported on first use)."""
        if self._threads is None:
            assert self._tg is not None, "the server is not running"
            from ._threads import Threads

            self._threads = Threads(self._tg, log=self.log)
        return self._threads

    async def forget(self, conn: Connection) -> None:
        if self._threads is not None:
            await self._threads.forget(conn)

    def warm_up(self) -> None:
        """Import the engine now that `initialize` is answered (while the client reads the answer). In the event
        loop's thread on purpose: imports racing in two threads can see each other's half-made modules."""
        _import_engine()

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
            try:
                await serve(self)
            finally:
                if self._threads is not None:
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


def _import_engine() -> None:
    import importlib

    for module in ("app_server._thread_methods", "app_server._turn_methods", "agent._session"):
        importlib.import_module(module)
