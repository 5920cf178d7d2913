"""Sandbox policies and the one door through which a model's commands run.

Names are loaded on first use (PEP 562): the policy models pull in pydantic, and `pycodex sandbox linux` starts a
command through the pydantic-free internals in a fraction of that time. Type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._confine import Confined as Confined
    from ._confine import confine_plan as confine_plan
    from ._denial import is_likely_sandbox_denied as is_likely_sandbox_denied
    from ._detect import SandboxReport as SandboxReport
    from ._detect import detect as detect
    from ._detect import find_bwrap as find_bwrap
    from ._env import compose_env as compose_env
    from ._env_policy import ShellEnvironmentPolicy as ShellEnvironmentPolicy
    from ._env_policy import build_env as build_env
    from ._native import native_helper as native_helper
    from ._netpolicy import NetworkPolicy as NetworkPolicy
    from ._plan import Plan as Plan
    from ._plan import WritableRoot as WritableRoot
    from ._plan import plan_for_mode as plan_for_mode
    from ._policy import DangerFullAccess as DangerFullAccess
    from ._policy import ReadOnly as ReadOnly
    from ._policy import SandboxMode as SandboxMode
    from ._policy import SandboxPolicy as SandboxPolicy
    from ._policy import WorkspaceWrite as WorkspaceWrite
    from ._policy import has_full_network as has_full_network
    from ._policy import is_path_writable as is_path_writable
    from ._policy import plan_for_policy as plan_for_policy
    from ._policy import policy_for_mode as policy_for_mode
    from ._policy import writable_roots as writable_roots
    from ._process import Process as Process
    from ._process import default_shell as default_shell
    from ._process import spawn as spawn
    from ._profiles import PermissionProfile as PermissionProfile
    from ._profiles import ProfileError as ProfileError
    from ._profiles import permission_profile as permission_profile
    from ._proxy import ApprovalAnswer as ApprovalAnswer
    from ._proxy import NetworkDecision as NetworkDecision
    from ._proxy import NetworkProxy as NetworkProxy
    from ._proxy import NetworkRequest as NetworkRequest
    from ._route import ProxyRoute as ProxyRoute
    from ._route import proxy_hosts as proxy_hosts
    from ._seatbelt import seatbelt_profile as seatbelt_profile
    from .errors import SandboxError as SandboxError
    from .errors import SandboxSetupError as SandboxSetupError
    from .errors import SandboxUnavailableError as SandboxUnavailableError

_WHERE = {
    "ApprovalAnswer": "._proxy",
    "Confined": "._confine",
    "DangerFullAccess": "._policy",
    "NetworkDecision": "._proxy",
    "NetworkPolicy": "._netpolicy",
    "NetworkProxy": "._proxy",
    "NetworkRequest": "._proxy",
    "PermissionProfile": "._profiles",
    "Plan": "._plan",
    "Process": "._process",
    "ProfileError": "._profiles",
    "ProxyRoute": "._route",
    "ReadOnly": "._policy",
    "SandboxError": ".errors",
    "SandboxMode": "._policy",
    "SandboxPolicy": "._policy",
    "SandboxReport": "._detect",
    "SandboxSetupError": ".errors",
    "SandboxUnavailableError": ".errors",
    "ShellEnvironmentPolicy": "._env_policy",
    "WorkspaceWrite": "._policy",
    "WritableRoot": "._plan",
    "build_env": "._env_policy",
    "compose_env": "._env",
    "confine_plan": "._confine",
    "default_shell": "._process",
    "detect": "._detect",
    "native_helper": "._native",
    "find_bwrap": "._detect",
    "has_full_network": "._policy",
    "is_likely_sandbox_denied": "._denial",
    "is_path_writable": "._policy",
    "permission_profile": "._profiles",
    "plan_for_mode": "._plan",
    "plan_for_policy": "._policy",
    "policy_for_mode": "._policy",
    "proxy_hosts": "._route",
    "seatbelt_profile": "._seatbelt",
    "spawn": "._process",
    "writable_roots": "._policy",
}

__all__ = [
    "ApprovalAnswer",
    "Confined",
    "DangerFullAccess",
    "NetworkDecision",
    "NetworkPolicy",
    "NetworkProxy",
    "NetworkRequest",
    "PermissionProfile",
    "Plan",
    "Process",
    "ProfileError",
    "ProxyRoute",
    "ReadOnly",
    "SandboxError",
    "SandboxMode",
    "SandboxPolicy",
    "SandboxReport",
    "SandboxSetupError",
    "SandboxUnavailableError",
    "ShellEnvironmentPolicy",
    "WorkspaceWrite",
    "WritableRoot",
    "build_env",
    "compose_env",
    "confine_plan",
    "default_shell",
    "detect",
    "find_bwrap",
    "has_full_network",
    "is_likely_sandbox_denied",
    "is_path_writable",
    "native_helper",
    "permission_profile",
    "plan_for_mode",
    "plan_for_policy",
    "policy_for_mode",
    "proxy_hosts",
    "seatbelt_profile",
    "spawn",
    "writable_roots",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
