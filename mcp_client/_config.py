"""`[mcp_servers.<name>]` tables: pydantic models with Codex's keys, defaults and validation messages.

The TOML table is flat (`command`/`args`/... or `url`/...); the model nests the transport-specific keys under
`transport`, discriminated on `type` (`stdio` | `streamable_http`), which is also the shape `mcp list --json` prints.
Keys left unset stay `None` so that `mcp get/list --json` can show them as `null` as Codex does; the
`effective_*` properties give the values in force.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import McpConfigError

DEFAULT_STARTUP_TIMEOUT_SEC = 30.0
DEFAULT_TOOL_TIMEOUT_SEC = 120.0

ApprovalMode = Literal["auto", "prompt", "approve"]
CredentialsStoreMode = Literal["auto", "keyring", "file"]
McpProtocol = Literal["handshake-first", "newest"]

_SERVER_NAME = re.compile(r"^[A-Za-z0-9_\-:@/.]+$")

_HTTP_ONLY_KEYS = ("url", "bearer_token_env_var", "http_headers", "env_http_headers", "oauth", "oauth_resource")
_STDIO_ONLY_KEYS = ("args", "env", "env_vars", "cwd")
_TRANSPORT_KEYS = frozenset(("command", "http_headers_helper", "bearer_token", *_HTTP_ONLY_KEYS, *_STDIO_ONLY_KEYS)) - {
    "oauth",
    "oauth_resource",
}


def validate_server_name(name: str) -> None:
    """Raise `McpConfigError` unless `name` is a valid MCP server name."""
    if not _SERVER_NAME.match(name):
        raise McpConfigError(
            f"invalid server name '{name}' (use letters, numbers, '-', '_', ':', '@', '/', '.')", server=name
        )


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EnvVarSpec(_Model):
    """One entry of `env_vars`: the name of a variable to pass through from our environment."""

    name: str
    source: Literal["local", "remote"] = "local"

    @model_validator(mode="before")
    @classmethod
    def _from_bare_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class McpStdioTransport(_Model):
    """A server we spawn and talk to over its stdin/stdout."""

    type: Literal["stdio"] = "stdio"
    command: str
    args: list[str] = Field(default_factory=lambda: [])
    env: dict[str, str] | None = None
    env_vars: list[EnvVarSpec] = Field(default_factory=lambda: [])
    cwd: str | None = None


class McpStreamableHttpTransport(_Model):
    """A server reached over Streamable HTTP."""

    type: Literal["streamable_http"] = "streamable_http"
    url: str
    bearer_token_env_var: str | None = None
    http_headers: dict[str, str] | None = None
    env_http_headers: dict[str, str] | None = None


McpTransportConfig = Annotated[McpStdioTransport | McpStreamableHttpTransport, Field(discriminator="type")]


class McpToolConfig(_Model):
    """`[mcp_servers.<name>.tools.<tool>]`."""

    approval_mode: ApprovalMode | None = None


class McpServerOAuthConfig(_Model):
    """`[mcp_servers.<name>.oauth]`: how the client identifies itself to the server's authorization server.

    `client_id` is Codex's key (a client registered beforehand; its secret, if any, is kept in the credential store,
    never in config.toml). `client_metadata_url` is ours: the HTTPS URL of a client ID metadata document, used as
    the client id where the authorization server supports that (otherwise registration is dynamic as before).
    """

    client_id: str | None = None
    client_metadata_url: str | None = None

    @field_validator("client_metadata_url")
    @classmethod
    def _https_with_a_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc or parts.path in ("", "/"):
            raise ValueError("must be an https:// URL with a path (the client ID metadata document)")
        return value


class McpServerConfig(_Model):
    """One `[mcp_servers.<name>]` table. Build it from the flat TOML table with `model_validate`."""

    transport: McpTransportConfig
    enabled: bool = True
    required: bool = False
    enabled_tools: list[str] | None = None
    disabled_tools: list[str] | None = None
    startup_timeout_sec: float | None = Field(default=None, gt=0)
    tool_timeout_sec: float | None = Field(default=None, gt=0)
    supports_parallel_tool_calls: bool = False
    default_tools_approval_mode: ApprovalMode | None = None
    tools: dict[str, McpToolConfig] = Field(default_factory=lambda: {})
    scopes: list[str] | None = None
    oauth: McpServerOAuthConfig | None = None
    oauth_resource: str | None = None
    protocol: McpProtocol = "handshake-first"
    """Ours. `handshake-first`: the initialize handshake (the 2025-11-25 era, as Codex speaks it), in which a server
    can ask questions mid-call (`ctx.elicit`, sampling, roots); the 2026-07-28 era only for a server that refuses the
    handshake. `newest`: the newest era the server offers (stateless 2026-07-28, where a server can ask only by
    returning an input-required result)."""

    @model_validator(mode="before")
    @classmethod
    def _nest_transport(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        source = cast("Mapping[Any, Any]", value)
        table: dict[str, Any] = {str(k): v for k, v in source.items()}
        if "transport" in table:
            return table
        if "command" in table:
            for key in (*_HTTP_ONLY_KEYS, "bearer_token"):
                if key in table:
                    raise ValueError(f"{key} is not supported for stdio")
            kind = "stdio"
        elif "url" in table:
            for key in (*_STDIO_ONLY_KEYS, "bearer_token"):
                if key in table:
                    raise ValueError(f"{key} is not supported for streamable_http")
            kind = "streamable_http"
        else:
            raise ValueError("invalid transport: set `command` (stdio) or `url` (streamable HTTP)")
        transport: dict[str, Any] = {"type": kind}
        rest: dict[str, Any] = {}
        for key, item in table.items():
            (transport if key in _TRANSPORT_KEYS else rest)[key] = item
        if "startup_timeout_sec" not in rest and "startup_timeout_ms" in rest:
            millis = rest["startup_timeout_ms"]
            if isinstance(millis, int | float) and not isinstance(millis, bool):
                rest["startup_timeout_sec"] = float(millis) / 1000.0
        rest.pop("startup_timeout_ms", None)
        transport.pop("http_headers_helper", None)
        return {**rest, "transport": transport}

    @property
    def effective_startup_timeout_sec(self) -> float:
        """The startup timeout in force (30 s unless configured)."""
        return self.startup_timeout_sec if self.startup_timeout_sec is not None else DEFAULT_STARTUP_TIMEOUT_SEC

    @property
    def effective_tool_timeout_sec(self) -> float:
        """The tool-call timeout in force (120 s unless configured)."""
        return self.tool_timeout_sec if self.tool_timeout_sec is not None else DEFAULT_TOOL_TIMEOUT_SEC

    def is_tool_enabled(self, tool: str) -> bool:
        """Whether `tool` passes `enabled_tools` (allow-list) and then `disabled_tools`."""
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return not (self.disabled_tools is not None and tool in self.disabled_tools)

    def approval_mode_for(self, tool: str) -> ApprovalMode:
        """The approval mode for `tool`: per-tool, then the server default, then `auto`."""
        per_tool = self.tools.get(tool)
        if per_tool is not None and per_tool.approval_mode is not None:
            return per_tool.approval_mode
        return self.default_tools_approval_mode or "auto"


UNSUPPORTED_SERVER_KEYS = {
    "http_headers_helper": "a command that prints HTTP headers",
    "experimental_environment": "a remote execution environment for the server",
    "name": "a legacy key Codex ignores as well",
}
"""Keys of a `[mcp_servers.<name>]` table that Codex has and pycodex does not act on (reported, never silent)."""

SERVER_KEYS = frozenset(
    {*McpServerConfig.model_fields, *_TRANSPORT_KEYS, "startup_timeout_ms", *UNSUPPORTED_SERVER_KEYS} - {"transport"}
)
"""Every key a `[mcp_servers.<name>]` table may set."""

_NESTED_KEYS: dict[str, frozenset[str]] = {
    "oauth": frozenset(McpServerOAuthConfig.model_fields),
    "tools": frozenset(McpToolConfig.model_fields),
}


def unknown_server_keys(table: Mapping[str, Any]) -> list[str]:
    """The keys of one `[mcp_servers.<name>]` table that nothing declares, as dotted paths inside the table
    (`tols`, `oauth.client`, `tools.echo.aproval_mode`)."""
    found = [str(key) for key in table if key not in SERVER_KEYS]
    oauth = table.get("oauth")
    if isinstance(oauth, Mapping):
        found += [f"oauth.{key}" for key in cast("Mapping[str, Any]", oauth) if key not in _NESTED_KEYS["oauth"]]
    tools = table.get("tools")
    if isinstance(tools, Mapping):
        for tool, settings in cast("Mapping[str, Any]", tools).items():
            if isinstance(settings, Mapping):
                keys = cast("Mapping[str, Any]", settings)
                found += [f"tools.{tool}.{key}" for key in keys if key not in _NESTED_KEYS["tools"]]
    return found


def nearest_server_key(key: str) -> str | None:
    """The declared key closest to an unknown one (same level), for a "did you mean"."""
    import difflib

    parts = key.split(".")
    if len(parts) == 1:
        candidates = SERVER_KEYS
    elif parts[0] in _NESTED_KEYS:
        candidates = _NESTED_KEYS[parts[0]]
    else:
        return None
    close = difflib.get_close_matches(parts[-1], sorted(candidates), n=1, cutoff=0.6)
    return ".".join([*parts[:-1], close[0]]) if close else None


def _describe(error: ValidationError) -> tuple[str, str | None]:
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    loc = [str(part) for part in first["loc"] if part not in ("transport", "stdio", "streamable_http")]
    field = ".".join(loc) if loc else None
    if field:
        message = f"{field}: {message}"
    return message, field


def parse_server_config(name: str, table: Mapping[str, Any]) -> McpServerConfig:
    """Validate one `[mcp_servers.<name>]` table, raising `McpConfigError` with Codex-like messages."""
    validate_server_name(name)
    try:
        return McpServerConfig.model_validate(table)
    except ValidationError as exc:
        message, field = _describe(exc)
        raise McpConfigError(f"{message} in `mcp_servers.{name}`", server=name, field=field) from None


def parse_mcp_servers(table: Mapping[str, Any]) -> dict[str, McpServerConfig]:
    """Validate the whole `mcp_servers` table."""
    servers: dict[str, McpServerConfig] = {}
    for name, entry in table.items():
        if not isinstance(entry, Mapping):
            raise McpConfigError(f"`mcp_servers.{name}` must be a table", server=name)
        servers[name] = parse_server_config(name, entry)  # pyright: ignore[reportUnknownArgumentType]
    return servers


class McpOAuthSettings(_Model):
    """The top-level OAuth keys: `mcp_oauth_credentials_store`, `mcp_oauth_callback_port`, `mcp_oauth_callback_url`."""

    credentials_store: CredentialsStoreMode = "auto"
    callback_port: int | None = Field(default=None, ge=0, le=65535)
    callback_url: str | None = None
