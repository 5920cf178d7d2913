"""pycodex as an Agent Client Protocol agent (`pycodex acp`): editors drive it over stdio.

Built on the `agent-client-protocol` package (its schema types and connection); sessions are `agent.Session`s.
"""

from ._agent import PycodexAgent as PycodexAgent
from ._options import AcpOptions as AcpOptions
from ._stdio import run_stdio as run_stdio
from ._stdio import serve as serve
from .errors import AcpError as AcpError

__all__ = ["AcpError", "AcpOptions", "PycodexAgent", "run_stdio", "serve"]
