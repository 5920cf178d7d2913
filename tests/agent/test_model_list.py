"""A custom provider's models come from its own `/models`, and the TUI's picker lists them instead of OpenAI's."""

from __future__ import annotations

import pytest

from agent import provider_models
from agent.config import ProviderInfo
from tests.support.model_server import ScriptedModelServer
from tui._pickers import KNOWN_MODELS, model_picker


@pytest.mark.anyio
async def test_provider_models_asks_the_provider() -> None:
    with ScriptedModelServer([]) as server:
        provider = ProviderInfo(id="mock", name="mock", base_url=server.base_url)
        assert await provider_models(provider) == ["scripted-model"]
    gone = ProviderInfo(id="mock", name="mock", base_url="http://127.0.0.1:9/v1")
    assert await provider_models(gone) is None


def test_the_model_picker_lists_only_the_providers_models_for_a_custom_provider() -> None:
    picker = model_picker("local-a", ["local-a", "local-b"], known=False)
    names = [choice.value for choice in picker._choices]  # pyright: ignore[reportPrivateUsage]
    assert names == ["local-a", "local-b"]
    assert not set(KNOWN_MODELS) & set(names)
