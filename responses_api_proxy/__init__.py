"""`pycodex responses-api-proxy`: a loopback reverse proxy that adds the OpenAI API key to Responses API requests,
so that a CI job can give an agent model access without giving it the key.

This package imports only `agent`'s public names (for redaction).
"""

from ._app import ProxyOptions as ProxyOptions
from ._app import build_app as build_app
from ._serve import serve as serve

__all__ = ["ProxyOptions", "build_app", "serve"]
