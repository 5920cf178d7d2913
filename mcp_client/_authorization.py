"""A new browser login inside a running session, handed to whichever front end is running.

When a server refuses the stored token mid-session (403 `insufficient_scope`: the call needs more scopes; or 401
after the refresh failed), the OAuth client builds a new authorization request and opens a loopback callback
server, with the same PKCE, `state` and `iss` checks as `pycodex mcp login`. The front end's
`AuthorizationHandler` is shown an `AuthorizationRequest`: it shows `url` to the person (or opens a browser) and
awaits `request.complete()`, which returns once the browser came back to the callback server. The new tokens are
then stored and the refused request is sent again. A handler that returns without completing declines: the call
fails with a message naming `pycodex mcp login` (and the scopes wanted).

While a handler runs, the call's `tool_timeout_sec` clock is stopped: the wait is for a person, not the server.
"""

from __future__ import annotations

import logging
import math
import sys
import webbrowser
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, Protocol, TextIO

import anyio
import anyio.to_thread
from mcp.shared.auth import AuthorizationCodeResult

from ._callback import CALLBACK_TIMEOUT_SEC, can_open_browser

logger = logging.getLogger(__name__)

AuthorizationReason = Literal["insufficient_scope", "reauthorize"]


@dataclass(eq=False)
class AuthorizationRequest:
    """A login the server asks for in the middle of a session."""

    server: str
    """The configured server name."""
    url: str
    """The authorization URL to open in a browser."""
    scopes: tuple[str, ...]
    """The scopes the new login asks for (what was granted before, plus what the server now wants)."""
    reason: AuthorizationReason
    """`insufficient_scope`: the call needs more scopes; `reauthorize`: the tokens expired or were revoked."""
    _wait: Callable[[float], Awaitable[AuthorizationCodeResult]] = field(repr=False)
    _result: AuthorizationCodeResult | None = field(default=None, repr=False)

    @property
    def completed(self) -> bool:
        """Whether the browser came back with an authorization code."""
        return self._result is not None

    @property
    def code_result(self) -> AuthorizationCodeResult | None:
        """What the browser brought back (the OAuth client checks its `state` and `iss`)."""
        return self._result

    async def complete(self, timeout_sec: float = CALLBACK_TIMEOUT_SEC) -> None:
        """Wait until the browser comes back to the loopback callback server.

        Raises:
            McpOAuthError: the authorization server refused, or nothing came back within `timeout_sec`.
        """
        self._result = await self._wait(timeout_sec)

    def describe(self) -> str:
        """One sentence saying why the login is needed."""
        if self.reason == "insufficient_scope":
            wanted = " ".join(self.scopes) or "more scopes"
            return f"The {self.server} MCP server needs more access for this call (scopes: {wanted})."
        return f"The {self.server} MCP server needs a new login (its tokens expired or were revoked)."


class AuthorizationHandler(Protocol):
    """Lets a person complete a login a server asks for mid-session (see the module docstring)."""

    async def __call__(self, request: AuthorizationRequest) -> None: ...


async def decline_authorization(request: AuthorizationRequest) -> None:
    """The default handler (nobody to ask): decline, so the call fails with the `pycodex mcp login` message."""
    logger.info("declined a new login for MCP server %s (%s)", request.server, request.reason)


class ConsoleAuthorization:
    """A terminal's `AuthorizationHandler`.

    With a person at the terminal (stdin and `stream` are TTYs, unless `interactive` says otherwise) it prints the
    authorization URL to `stream` (stderr by default), opens a browser when there is a display, and waits up to
    `timeout_sec` for the login. Without one it declines at once.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        open_browser: bool = True,
        timeout_sec: float = CALLBACK_TIMEOUT_SEC,
    ) -> None:
        self._stream = stream
        self._interactive = interactive
        self._open_browser = open_browser
        self._timeout_sec = timeout_sec

    def _person_is_there(self, stream: TextIO) -> bool:
        if self._interactive is not None:
            return self._interactive
        try:
            return sys.stdin.isatty() and stream.isatty()
        except (AttributeError, ValueError):  # a closed or replaced stream
            return False

    async def __call__(self, request: AuthorizationRequest) -> None:
        stream = self._stream or sys.stderr
        if not self._person_is_there(stream):
            return
        stream.write(
            f"{request.describe()}\nAuthorize `{request.server}` by opening this URL in your browser "
            f"(waiting {self._timeout_sec:g} seconds):\n{request.url}\n\n"
        )
        stream.flush()
        if self._open_browser and can_open_browser():
            await anyio.to_thread.run_sync(webbrowser.open, request.url)
        await request.complete(self._timeout_sec)
        stream.write(f"Logged in to `{request.server}` again; continuing.\n")
        stream.flush()


class CallClock:
    """The deadline of one call, as seconds of budget that are spent only while the clock runs."""

    def __init__(self, scope: anyio.CancelScope, budget_sec: float) -> None:
        self._scope = scope
        self._budget = budget_sec
        self._pauses = 0
        scope.deadline = anyio.current_time() + budget_sec

    def pause(self) -> None:
        if not self._pauses:
            self._budget = max(0.0, self._scope.deadline - anyio.current_time())
            self._scope.deadline = math.inf
        self._pauses += 1

    def resume(self) -> None:
        self._pauses -= 1
        if not self._pauses:
            self._scope.deadline = anyio.current_time() + self._budget


# The SDK's HTTP transport sends each message in its sender's context, so the OAuth flow of a call's request sees
# the clock the call put here.
_current_clock: ContextVar[CallClock | None] = ContextVar("mcp_client_call_clock", default=None)


@contextmanager
def call_clock(scope: anyio.CancelScope, budget_sec: float) -> Generator[CallClock]:
    """Run the block's call against a clock with `budget_sec` seconds (the scope is cancelled when it runs out)."""
    clock = CallClock(scope, budget_sec)
    token = _current_clock.set(clock)
    try:
        yield clock
    finally:
        _current_clock.reset(token)


@contextmanager
def waiting_for_a_person() -> Generator[None]:
    """Stop the clock of the call this code serves while the block runs (a no-op outside a call)."""
    clock = _current_clock.get()
    if clock is None:
        yield
        return
    clock.pause()
    try:
        yield
    finally:
        clock.resume()
