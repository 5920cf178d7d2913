"""The model: the `Model` protocol, the Responses and Chat Completions clients over HTTP, the request and
response types, and `ScriptedModel` for in-process engine tests.

Names load on first use (PEP 562), so importing one piece does not import the rest."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import ModelClient as ModelClient
    from ._scripted import ScriptedModel as ScriptedModel
    from ._scripted import custom_call as custom_call
    from ._scripted import function_call as function_call
    from ._scripted import reasoning as reasoning
    from ._scripted import reply as reply
    from ._scripted import text as text
    from ._types import JsonObject as JsonObject
    from ._types import Model as Model
    from ._types import ModelResponse as ModelResponse
    from ._types import NullSink as NullSink
    from ._types import Prompt as Prompt
    from ._types import StreamSink as StreamSink

_WHERE = {
    "custom_call": "._scripted",
    "function_call": "._scripted",
    "JsonObject": "._types",
    "Model": "._types",
    "ModelClient": "._client",
    "ModelResponse": "._types",
    "NullSink": "._types",
    "Prompt": "._types",
    "reasoning": "._scripted",
    "reply": "._scripted",
    "ScriptedModel": "._scripted",
    "StreamSink": "._types",
    "text": "._scripted",
}

__all__ = [
    "custom_call",
    "function_call",
    "JsonObject",
    "Model",
    "ModelClient",
    "ModelResponse",
    "NullSink",
    "Prompt",
    "reasoning",
    "reply",
    "ScriptedModel",
    "StreamSink",
    "text",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
