"""Model providers: the built-in ones and those from `[model_providers.<id>]`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..errors import ProviderAuthError
from ._schema import ModelProviderToml, WireApi

DEFAULT_REQUEST_MAX_RETRIES = 4
DEFAULT_STREAM_MAX_RETRIES = 5
DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000
DEFAULT_OSS_PROVIDER = "ollama"
DEFAULT_OSS_MODEL = "gpt-oss:20b"
BUILTIN_PROVIDER_IDS = ("openai", "ollama", "lmstudio")


@dataclass(frozen=True)
class AuthCommandSpec:
    """`[model_providers.<id>.auth]`: a command that prints the bearer token (run by the model client)."""

    command: str
    args: tuple[str, ...] = ()
    timeout_ms: int = 5000
    refresh_interval_ms: int = 300_000
    cwd: str | None = None


@dataclass(frozen=True)
class ProviderInfo:
    """How to reach one model provider."""

    id: str
    name: str
    base_url: str
    wire_api: WireApi = "responses"
    env_key: str | None = None
    env_key_instructions: str | None = None
    experimental_bearer_token: str | None = field(default=None, repr=False)
    query_params: Mapping[str, str] = field(default_factory=lambda: {})
    http_headers: Mapping[str, str] = field(default_factory=lambda: {})
    env_http_headers: Mapping[str, str] = field(default_factory=lambda: {})
    request_max_retries: int = DEFAULT_REQUEST_MAX_RETRIES
    stream_max_retries: int = DEFAULT_STREAM_MAX_RETRIES
    stream_idle_timeout_ms: int = DEFAULT_STREAM_IDLE_TIMEOUT_MS
    is_local: bool = False
    auth_command: AuthCommandSpec | None = None
    """`[model_providers.<id>.auth]`: a command that prints the bearer token."""
    stored_key: Callable[[], str | None] | None = field(default=None, repr=False, compare=False)
    """Reads the key of `pycodex login` (used when the `env_key` variable is unset)."""

    def url(self, path: str) -> str:
        """The full URL of `path` (e.g. `responses`) with the provider's query parameters."""
        url = f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        if self.query_params:
            url += "?" + urlencode(dict(self.query_params))
        return url

    def api_key(self, env: Mapping[str, str] | None = None) -> str | None:
        """The bearer token: `experimental_bearer_token`, else the `env_key` variable.

        Raises `ProviderAuthError` naming the variable when `env_key` is set but empty.
        """
        env = os.environ if env is None else env
        if self.experimental_bearer_token:
            return self.experimental_bearer_token
        if not self.env_key:
            return None
        value = env.get(self.env_key, "").strip()
        if value:
            return value
        if self.stored_key is not None:
            stored = self.stored_key()
            if stored:
                return stored
        hint = f" {self.env_key_instructions}" if self.env_key_instructions else ""
        login = "run `pycodex login --with-api-key` (the key is read from stdin) or " if self.stored_key else ""
        raise ProviderAuthError(
            f"the model provider `{self.id}` needs an API key: {login}set the environment variable {self.env_key}."
            f"{hint}"
        )

    def headers(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """Static headers plus those whose values come from environment variables (unset ones are skipped)."""
        env = os.environ if env is None else env
        headers = dict(self.http_headers)
        for header, var in self.env_http_headers.items():
            value = env.get(var, "").strip()
            if value:
                headers[header] = value
        return headers


def builtin_provider(provider_id: str, env: Mapping[str, str], openai_base_url: str | None) -> ProviderInfo | None:
    """The built-in provider with this id, if any."""
    if provider_id == "openai":
        base = openai_base_url or env.get("OPENAI_BASE_URL", "").strip() or "https://api.openai.com/v1"
        return ProviderInfo(
            id="openai",
            name="OpenAI",
            base_url=base,
            env_key="OPENAI_API_KEY",
            env_key_instructions="Create a key at https://platform.openai.com/api-keys, or use --oss with a local "
            "Ollama or LM Studio.",
        )
    if provider_id == "ollama":
        base = env.get("CODEX_OSS_BASE_URL", "").strip()
        if not base:
            port = env.get("CODEX_OSS_PORT", "").strip() or "11434"
            base = f"http://localhost:{port}/v1"
        return ProviderInfo(id="ollama", name="Ollama", base_url=base, wire_api="chat", is_local=True)
    if provider_id == "lmstudio":
        base = env.get("LMSTUDIO_BASE_URL", "").strip() or "http://localhost:1234/v1"
        return ProviderInfo(id="lmstudio", name="LM Studio", base_url=base, wire_api="chat", is_local=True)
    return None


def provider_from_toml(provider_id: str, toml: ModelProviderToml) -> ProviderInfo:
    """A provider defined in config.toml."""
    return ProviderInfo(
        id=provider_id,
        name=toml.name or provider_id,
        base_url=toml.base_url or "https://api.openai.com/v1",
        wire_api=toml.wire_api,
        env_key=toml.env_key,
        env_key_instructions=toml.env_key_instructions,
        experimental_bearer_token=toml.experimental_bearer_token,
        query_params=dict(toml.query_params or {}),
        http_headers=dict(toml.http_headers or {}),
        env_http_headers=dict(toml.env_http_headers or {}),
        request_max_retries=(
            toml.request_max_retries if toml.request_max_retries is not None else DEFAULT_REQUEST_MAX_RETRIES
        ),
        stream_max_retries=(
            toml.stream_max_retries if toml.stream_max_retries is not None else DEFAULT_STREAM_MAX_RETRIES
        ),
        stream_idle_timeout_ms=toml.stream_idle_timeout_ms or DEFAULT_STREAM_IDLE_TIMEOUT_MS,
        auth_command=None
        if toml.auth is None
        else AuthCommandSpec(
            command=toml.auth.command,
            args=toml.auth.args,
            timeout_ms=toml.auth.timeout_ms,
            refresh_interval_ms=toml.auth.refresh_interval_ms,
            cwd=toml.auth.cwd,
        ),
    )
