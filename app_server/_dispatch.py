"""Which request goes where: the handler table, the handshake rules, and the answers for what pycodex lacks."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._wire import Params
from .errors import InvalidRequestError, NotSupportedError

if TYPE_CHECKING:
    from ._connection import Connection, Reply

HandlerFn = Callable[["Connection", Params], Awaitable[Any]]


@dataclass(frozen=True)
class Handler:
    fn: HandlerFn | str
    """The handler, or `module:function` under `app_server` to import on first use (the engine loads only when a
    client needs it, so `initialize` is answered before)."""
    slow: bool = False
    """Runs beside the connection's reader (a command, a compaction), so answers to approvals keep flowing."""
    takes_params: bool = True
    """Codex requires `params` for every method whose params type is not empty."""


# Methods other work of pycodex will serve; until then they answer this, naming what they wait for. One entry a
# method: delete it when its handler lands.
NOT_YET: dict[str, str] = {}

# Every client request of Codex 0.169's app-server protocol (`codex app-server generate-json-schema`).
CODEX_METHODS = frozenset(
    {
        "initialize",
        "thread/start",
        "thread/resume",
        "thread/fork",
        "thread/archive",
        "thread/delete",
        "thread/unsubscribe",
        "thread/name/set",
        "thread/goal/set",
        "thread/goal/get",
        "thread/goal/clear",
        "thread/metadata/update",
        "thread/attachment/add",
        "thread/attachment/list",
        "thread/attachmentOwner/list",
        "thread/attachment/remove",
        "thread/section/move",
        "thread/unarchive",
        "thread/compact/start",
        "thread/shellCommand",
        "thread/approveGuardianDeniedAction",
        "thread/revert",
        "thread/list",
        "threadSection/list",
        "threadSection/create",
        "threadSection/update",
        "threadSection/delete",
        "thread/loaded/list",
        "thread/read",
        "thread/turns/list",
        "thread/items/list",
        "thread/inject_items",
        "skills/list",
        "skills/extraRoots/set",
        "hooks/list",
        "marketplace/add",
        "marketplace/remove",
        "marketplace/upgrade",
        "plugin/list",
        "plugin/installed",
        "plugin/reconcile",
        "plugin/read",
        "plugin/skill/read",
        "plugin/share/save",
        "plugin/share/updateTargets",
        "plugin/share/list",
        "plugin/share/checkout",
        "plugin/share/delete",
        "app/read",
        "app/list",
        "app/installed",
        "fs/readFile",
        "fs/writeFile",
        "fs/createDirectory",
        "fs/getMetadata",
        "fs/readDirectory",
        "fs/remove",
        "fs/copy",
        "fs/watch",
        "fs/unwatch",
        "skills/config/write",
        "plugin/install",
        "plugin/uninstall",
        "turn/start",
        "turn/steer",
        "turn/interrupt",
        "review/start",
        "model/list",
        "account/gatewayOAuth/read",
        "account/gatewayOAuth/login",
        "account/gatewayOAuth/cancel",
        "modelProvider/list",
        "modelProvider/config/write",
        "modelProvider/capabilities/read",
        "experimentalFeature/list",
        "permissionProfile/list",
        "experimentalFeature/enablement/set",
        "mcpServer/oauth/login",
        "config/mcpServer/reload",
        "mcpServerStatus/list",
        "mcpServer/resource/read",
        "mcpServer/tool/call",
        "windowsSandbox/setupStart",
        "windowsSandbox/readiness",
        "account/login/start",
        "account/login/cancel",
        "account/logout",
        "account/securitySetup/read",
        "account/rateLimits/read",
        "account/rateLimitResetCredit/consume",
        "account/usage/read",
        "account/workspaceMessages/read",
        "account/sendAddCreditsNudgeEmail",
        "feedback/upload",
        "feedback/save",
        "command/exec",
        "command/exec/write",
        "command/exec/terminate",
        "command/exec/resize",
        "config/read",
        "externalAgentConfig/detect",
        "externalAgentConfig/import",
        "externalAgentConfig/import/recordHistory",
        "externalAgentConfig/import/readHistories",
        "config/value/write",
        "config/batchWrite",
        "configRequirements/read",
        "account/read",
        "fuzzyFileSearch",
    }
)


class Dispatcher:
    """Looks a method up and calls its handler, after the checks every request goes through."""

    def __init__(self, handlers: Mapping[str, Handler]) -> None:
        self._handlers = dict(handlers)
        self._resolved: dict[str, HandlerFn] = {}

    def _function(self, method: str, handler: Handler) -> HandlerFn:
        if not isinstance(handler.fn, str):
            return handler.fn
        fn = self._resolved.get(method)
        if fn is None:
            module, _, name = handler.fn.partition(":")
            fn = getattr(importlib.import_module(f"app_server.{module}"), name)
            self._resolved[method] = fn
        return fn

    def lookup(self, method: str) -> Handler | None:
        return self._handlers.get(method)

    def methods(self) -> list[str]:
        return sorted(self._handlers)

    async def call(self, conn: Connection, method: str, message: dict[str, Any]) -> Reply:
        from ._connection import Reply

        if method == "initialize":
            if conn.initialized:
                raise InvalidRequestError("Already initialized")
        elif not conn.initialized:
            raise InvalidRequestError("Not initialized")
        handler = self._handlers.get(method)
        if handler is None:
            if method in NOT_YET:
                raise NotSupportedError(f"`{method}` is not supported by pycodex yet: {NOT_YET[method]}", method=method)
            if method in CODEX_METHODS:
                raise NotSupportedError(
                    f"`{method}` is not supported by pycodex (it serves: {', '.join(self.methods())})", method=method
                )
            raise InvalidRequestError(f"Invalid request: unknown method `{method}`")
        if handler.takes_params and "params" not in message:
            raise InvalidRequestError("Invalid request: missing field `params`")
        fn = self._function(method, handler)
        result = await fn(conn, Params(method, message.get("params")))
        return result if isinstance(result, Reply) else Reply(result)
