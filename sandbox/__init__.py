"""Sandbox policies and the one door through which a model's commands run."""

from ._confine import find_bwrap as find_bwrap
from ._policy import DangerFullAccess as DangerFullAccess
from ._policy import ReadOnly as ReadOnly
from ._policy import SandboxMode as SandboxMode
from ._policy import SandboxPolicy as SandboxPolicy
from ._policy import WorkspaceWrite as WorkspaceWrite
from ._policy import WritableRoot as WritableRoot
from ._policy import has_full_network as has_full_network
from ._policy import is_path_writable as is_path_writable
from ._policy import policy_for_mode as policy_for_mode
from ._policy import writable_roots as writable_roots
from ._process import Process as Process
from ._process import default_shell as default_shell
from ._process import spawn as spawn
from .errors import SandboxError as SandboxError
from .errors import SandboxUnavailableError as SandboxUnavailableError

__all__ = [
    "DangerFullAccess",
    "Process",
    "ReadOnly",
    "SandboxError",
    "SandboxMode",
    "SandboxPolicy",
    "SandboxUnavailableError",
    "WorkspaceWrite",
    "WritableRoot",
    "default_shell",
    "find_bwrap",
    "has_full_network",
    "is_path_writable",
    "policy_for_mode",
    "spawn",
    "writable_roots",
]
