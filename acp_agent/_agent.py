"""The ACP agent: each `acp.Agent` method maps a client request to pycodex sessions (see `_session.AcpSession`)."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
from acp import PROTOCOL_VERSION, RequestError
from acp.helpers import update_current_mode
from acp.schema import (
    AgentCapabilities,
    AuthenticateResponse,
    AuthEnvVar,
    ClientCapabilities,
    CloseSessionResponse,
    EnvVarAuthMethod,
    ForkSessionResponse,
    Implementation,
    InitializeResponse,
    ListSessionsResponse,
    LoadSessionResponse,
    McpCapabilities,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    ResumeSessionResponse,
    SessionAdditionalDirectoriesCapabilities,
    SessionCapabilities,
    SessionCloseCapabilities,
    SessionForkCapabilities,
    SessionInfo,
    SessionListCapabilities,
    SessionResumeCapabilities,
    SetSessionConfigOptionResponse,
    SetSessionModeResponse,
    TerminalAuthMethod,
)

import agent

from . import _modes
from ._config import McpServer, directory, session_config
from ._front import installed_version
from ._options import AcpOptions
from ._prompt import Block, user_input
from ._replay import history_updates
from ._session import AcpSession
from .errors import AUTH_REQUIRED, internal, invalid_params, unknown_session

if TYPE_CHECKING:
    from acp import Client

AUTH_METHOD = "openai-api-key"
LOGIN_METHOD = "pycodex-login"
API_KEY_VAR = "OPENAI_API_KEY"
LIST_PAGE = 50
# How long closing a session waits for its running turn to stop and its MCP servers to shut down.
_CLOSE_WAIT = 5.0


class PycodexAgent:
    """pycodex as an ACP agent. Sessions live in `tg` (the connection's task group)."""

    def __init__(self, options: AcpOptions, tg: anyio.abc.TaskGroup, env: dict[str, str] | None = None) -> None:
        self._options = options
        self._tg = tg
        self._env = os.environ if env is None else env
        self._client: Client | None = None
        self._client_capabilities = ClientCapabilities()
        self._sessions: dict[str, AcpSession] = {}

    def on_connect(self, conn: Client) -> None:
        self._client = conn

    # ---- handshake ----------------------------------------------------------------------------------------------

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: ClientCapabilities | None = None,
        client_info: Implementation | None = None,
        **kwargs: Any,
    ) -> InitializeResponse:
        self._client_capabilities = client_capabilities or ClientCapabilities()
        return InitializeResponse(
            protocol_version=min(protocol_version, PROTOCOL_VERSION),
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(image=True, audio=False, embedded_context=True),
                mcp_capabilities=McpCapabilities(http=True, sse=False),
                session_capabilities=SessionCapabilities(
                    list=SessionListCapabilities(),
                    resume=SessionResumeCapabilities(),
                    close=SessionCloseCapabilities(),
                    fork=SessionForkCapabilities(),
                    additional_directories=SessionAdditionalDirectoriesCapabilities(),
                ),
            ),
            auth_methods=[
                EnvVarAuthMethod(
                    type="env_var",
                    id=AUTH_METHOD,
                    name="OpenAI API key",
                    description=f"pycodex reads the key from {API_KEY_VAR} (or the variable your model provider "
                    "names in config.toml).",
                    vars=[AuthEnvVar(name=API_KEY_VAR, label="OpenAI API key", secret=True)],
                    link="https://platform.openai.com/api-keys",
                ),
                TerminalAuthMethod(
                    type="terminal",
                    id=LOGIN_METHOD,
                    name="Log in with an API key",
                    description="Stores the key as `pycodex login --with-api-key` does (auth.json or the OS keyring); "
                    "every later session uses it.",
                    args=["login", "--with-api-key"],
                ),
            ],
            agent_info=Implementation(name="pycodex", title="pycodex", version=installed_version()),
        )

    async def authenticate(self, method_id: str, **kwargs: Any) -> AuthenticateResponse:
        if method_id == LOGIN_METHOD:
            if await anyio.to_thread.run_sync(_stored_login, self._options) is None:
                raise RequestError(AUTH_REQUIRED, "no stored login: run `pycodex login --with-api-key` and try again")
            return AuthenticateResponse()
        if method_id != AUTH_METHOD:
            raise invalid_params(f"unknown auth method {method_id!r}; pycodex offers {AUTH_METHOD!r}, {LOGIN_METHOD!r}")
        if not self._env.get(API_KEY_VAR):
            raise RequestError(
                AUTH_REQUIRED, f"{API_KEY_VAR} is not set: restart pycodex acp with it in its environment"
            )
        return AuthenticateResponse()

    # ---- sessions -----------------------------------------------------------------------------------------------

    def _session(self, session_id: str) -> AcpSession:
        session = self._sessions.get(session_id)
        if session is None:
            raise unknown_session(session_id)
        return session

    async def _config(
        self, cwd: str, additional_directories: list[str] | None, mcp_servers: list[McpServer] | None
    ) -> agent.Config:
        path = directory(cwd, "cwd")
        extra = [directory(d, f"additionalDirectories[{i}]") for i, d in enumerate(additional_directories or [])]
        try:
            config = await anyio.to_thread.run_sync(
                lambda: session_config(self._options, path, additional_directories=extra, mcp_servers=mcp_servers or [])
            )
        except agent.ConfigError as exc:
            raise internal(f"pycodex's configuration is invalid: {exc}") from None
        except agent.ProviderNotConfiguredError as exc:
            # No key and no local model server: the editor offers the API-key method.
            raise RequestError(AUTH_REQUIRED, str(exc), {"authMethods": [AUTH_METHOD, LOGIN_METHOD]}) from None
        try:
            # The key from the environment, else the one `pycodex login` stored (auth.json or the keyring).
            await anyio.to_thread.run_sync(config.provider.api_key, self._env)
        except agent.ProviderAuthError as exc:
            raise RequestError(
                AUTH_REQUIRED,
                f"{exc} (set it in the environment the editor starts pycodex acp with)",
                {"authMethods": [AUTH_METHOD, LOGIN_METHOD]},
            ) from None
        return config

    async def _open(
        self, config: agent.Config, resume: agent.Rollout | None = None, *, fork: bool = False
    ) -> AcpSession:
        assert self._client is not None
        session = AcpSession(self._client, config, resume=resume, fork=fork, capabilities=self._client_capabilities)
        try:
            await self._tg.start(session.main)
        except agent.ThreadBusyError as exc:
            raise internal(f"the session is open in another pycodex process: {exc}") from None
        except agent.AgentError as exc:
            raise internal(f"the session could not start: {exc}") from None
        session.mode_id = _modes.mode_of(config).id
        self._sessions[session.session_id] = session
        return session

    async def new_session(
        self,
        cwd: str,
        additional_directories: list[str] | None = None,
        mcp_servers: list[McpServer] | None = None,
        **kwargs: Any,
    ) -> NewSessionResponse:
        config = await self._config(cwd, additional_directories, mcp_servers)
        session = await self._open(config)
        session.opened_with = _opened_with(cwd, additional_directories, mcp_servers)
        return NewSessionResponse(
            session_id=session.session_id,
            modes=_modes.mode_state(session.mode_id),
            config_options=list(_modes.config_options(config)),
        )

    async def _reopen(
        self,
        session_id: str,
        cwd: str,
        additional_directories: list[str] | None,
        mcp_servers: list[McpServer] | None,
        *,
        fork: bool = False,
    ) -> tuple[AcpSession, agent.Rollout | None]:
        live = self._sessions.get(session_id)
        opened_with = _opened_with(cwd, additional_directories, mcp_servers)
        if live is not None and not fork:
            if opened_with != live.opened_with:
                # An open session keeps its MCP connections and sandbox roots: refuse rather than ignore the change.
                raise invalid_params(
                    f"session {session_id} is already open in this agent with other settings (cwd, "
                    "additionalDirectories or mcpServers); close it with session/close first to open it with these"
                )
            return live, None
        config = await self._config(cwd, additional_directories, mcp_servers)
        try:
            record = await anyio.to_thread.run_sync(agent.find_thread, config.codex_home, session_id)
            rollout = await anyio.to_thread.run_sync(agent.load_thread, record)
        except agent.ThreadNotFoundError:
            raise unknown_session(session_id) from None
        except agent.AgentError as exc:
            raise internal(f"session {session_id} cannot be read: {exc}") from None
        session = await self._open(config, resume=rollout, fork=fork)
        session.opened_with = opened_with
        return session, rollout

    async def load_session(
        self,
        cwd: str,
        session_id: str,
        mcp_servers: list[McpServer] | None = None,
        additional_directories: list[str] | None = None,
        **kwargs: Any,
    ) -> LoadSessionResponse:
        session, rollout = await self._reopen(session_id, cwd, additional_directories, mcp_servers)
        if rollout is not None:
            for update in history_updates(rollout.items, rollout.plan):
                await session.send_update(update)
        elif session.session is not None:
            for update in history_updates(session.session.history, None):
                await session.send_update(update)
        session.attach()
        return LoadSessionResponse(
            modes=_modes.mode_state(session.mode_id), config_options=list(_modes.config_options(session.config))
        )

    async def resume_session(
        self,
        session_id: str,
        cwd: str,
        additional_directories: list[str] | None = None,
        mcp_servers: list[McpServer] | None = None,
        **kwargs: Any,
    ) -> ResumeSessionResponse:
        session, _ = await self._reopen(session_id, cwd, additional_directories, mcp_servers)
        return ResumeSessionResponse(
            modes=_modes.mode_state(session.mode_id), config_options=list(_modes.config_options(session.config))
        )

    async def fork_session(
        self,
        session_id: str,
        cwd: str,
        additional_directories: list[str] | None = None,
        mcp_servers: list[McpServer] | None = None,
        **kwargs: Any,
    ) -> ForkSessionResponse:
        session, _ = await self._reopen(session_id, cwd, additional_directories, mcp_servers, fork=True)
        return ForkSessionResponse(
            session_id=session.session_id,
            modes=_modes.mode_state(session.mode_id),
            config_options=list(_modes.config_options(session.config)),
        )

    async def list_sessions(
        self, cwd: str | None = None, cursor: str | None = None, **kwargs: Any
    ) -> ListSessionsResponse:
        offset = 0
        if cursor:
            if not cursor.isdigit():
                raise invalid_params(f"cursor: not a cursor this agent gave out: {cursor!r}")
            offset = int(cursor)
        where = directory(cwd, "cwd") if cwd else None
        home = agent.codex_home()
        records = await anyio.to_thread.run_sync(
            lambda: agent.list_threads(home, cwd=where, limit=LIST_PAGE + 1, offset=offset)
        )
        sessions = [
            SessionInfo(
                session_id=r.id,
                cwd=r.cwd or "/",
                title=r.title or r.first_user_message,
                updated_at=r.updated_at,
            )
            for r in records[:LIST_PAGE]
        ]
        more = len(records) > LIST_PAGE
        return ListSessionsResponse(sessions=sessions, next_cursor=str(offset + LIST_PAGE) if more else None)

    async def close_session(self, session_id: str, **kwargs: Any) -> CloseSessionResponse:
        session = self._session(session_id)
        del self._sessions[session_id]
        session.close()
        with anyio.move_on_after(_CLOSE_WAIT):
            await session.closed.wait()
        return CloseSessionResponse()

    async def set_session_mode(self, session_id: str, mode_id: str, **kwargs: Any) -> SetSessionModeResponse:
        session = self._session(session_id)
        mode = next((m for m in _modes.MODES if m.id == mode_id), None)
        if mode is None:
            raise invalid_params(f"unknown mode {mode_id!r}; the modes are {', '.join(_modes.MODE_IDS)}")
        assert session.session is not None
        session.config = session.session.reconfigure(
            approval_policy=mode.approval_policy,  # pyright: ignore[reportArgumentType]
            sandbox_mode=mode.sandbox_mode,  # pyright: ignore[reportArgumentType]
        )
        session.mode_id = mode.id
        await session.send_update(update_current_mode(mode.id))
        return SetSessionModeResponse()

    async def set_config_option(
        self, config_id: str, session_id: str, value: str | bool, **kwargs: Any
    ) -> SetSessionConfigOptionResponse:
        session = self._session(session_id)
        assert session.session is not None
        if config_id == _modes.MODEL_OPTION and isinstance(value, str) and value.strip():
            session.config = session.session.reconfigure(model=value.strip())
        elif config_id == _modes.EFFORT_OPTION and value in _modes.EFFORTS:
            session.config = session.session.reconfigure(reasoning_effort=value)  # pyright: ignore[reportArgumentType]
        else:
            raise invalid_params(
                f"config option {config_id!r} cannot be set to {value!r}; options: {_modes.MODEL_OPTION} (a model "
                f"name), {_modes.EFFORT_OPTION} ({', '.join(_modes.EFFORTS)})"
            )
        return SetSessionConfigOptionResponse(config_options=list(_modes.config_options(session.config)))

    # ---- prompts ------------------------------------------------------------------------------------------------

    async def prompt(self, session_id: str, prompt: list[Block], **kwargs: Any) -> PromptResponse:
        session = self._session(session_id)
        return await session.prompt(user_input(prompt))

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.cancel()

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise RequestError.method_not_found(f"_{method}")

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        return None

    def close_all(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()


def _opened_with(cwd: str, directories: list[str] | None, servers: list[McpServer] | None) -> tuple[Any, ...]:
    """What a session was opened with, to compare a later load or resume of it with."""
    dumped = tuple(json.dumps(s.model_dump(mode="json"), sort_keys=True) for s in servers or ())
    return (os.path.normpath(cwd), tuple(os.path.normpath(d) for d in directories or ()), dumped)


def _stored_login(options: AcpOptions) -> Any:
    """The login `pycodex login` stored (None when there is none), read with the user's config and the `-c` values
    pycodex acp was started with (`cli_auth_credentials_store` may be one)."""
    try:
        config = agent.load_config(agent.ConfigOverrides(profile=options.profile), options.config_overrides)
        return agent.AuthStore(config.codex_home, config.toml.cli_auth_credentials_store).load()
    except agent.AgentError:
        return None
