"""The models a provider offers: `GET {base_url}/models` (OpenAI's shape, which Ollama, LM Studio, vLLM and most
OpenAI-compatible servers also answer), for pickers that should list the provider's models, not OpenAI's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import httpx2

from ..config import ProviderInfo
from ..errors import ProviderAuthError

TIMEOUT_S = 3.0


async def provider_models(provider: ProviderInfo, *, env: Mapping[str, str] | None = None) -> list[str] | None:
    """The model ids the provider lists, sorted; None when it cannot be asked or does not answer in `TIMEOUT_S`."""
    try:
        key = provider.api_key(env)
    except ProviderAuthError:
        return None
    headers = dict(provider.headers(env))
    if key:
        headers["authorization"] = f"Bearer {key}"
    try:
        async with httpx2.AsyncClient(timeout=TIMEOUT_S) as client:
            response = await client.get(provider.url("models"), headers=headers)
    except httpx2.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        data: Any = response.json()
    except ValueError:
        return None
    entries: object = cast(dict[str, Any], data).get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    ids = [str(cast(dict[str, Any], e)["id"]) for e in cast(list[Any], entries) if isinstance(e, dict) and e.get("id")]
    return sorted(set(ids))
