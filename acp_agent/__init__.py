"""pycodex as an Agent Client Protocol agent (`pycodex acp`): editors drive it over stdio.

Built on the `agent-client-protocol` package (its schema types and connection); sessions are `agent.Session`s.
Importing this package is light: the `acp` package and the engine load in `run_stdio`'s background thread.
"""

from ._front import run_stdio as run_stdio
from ._options import AcpOptions as AcpOptions
from .errors import AcpError as AcpError

__all__ = ["AcpError", "AcpOptions", "run_stdio"]
