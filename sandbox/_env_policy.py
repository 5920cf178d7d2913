"""The `[shell_environment_policy]` model and `build_env`, which applies it for a command under a sandbox policy."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from ._env import Inherit, compose_env
from ._policy import DangerFullAccess, ReadOnly, WorkspaceWrite, has_full_network


class ShellEnvironmentPolicy(BaseModel):
    """Which environment variables commands see (Codex's `[shell_environment_policy]`).

    `ignore_default_excludes` defaults to true: names containing KEY, SECRET or TOKEN are passed on unless this is
    set to false or an `exclude` pattern names them. `experimental_use_profile` is accepted and has no effect.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    inherit: Inherit = "all"
    ignore_default_excludes: bool = True
    exclude: tuple[str, ...] = ()
    set: dict[str, str] = Field(default_factory=lambda: {})
    include_only: tuple[str, ...] = ()
    experimental_use_profile: bool = False


def build_env(
    env_policy: ShellEnvironmentPolicy | None = None,
    *,
    sandbox_policy: ReadOnly | WorkspaceWrite | DangerFullAccess,
    thread_id: str | None = None,
    base: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> dict[str, str]:
    """The environment for a command run under `sandbox_policy` in thread `thread_id`.

    Sets `CODEX_SANDBOX_NETWORK_DISABLED=1` when the sandbox policy restricts the network (also for a command that
    is later retried without the sandbox), and `CODEX_SANDBOX=seatbelt` when macOS confines the command.
    """
    policy = env_policy or ShellEnvironmentPolicy()
    platform = platform or sys.platform
    confined = not isinstance(sandbox_policy, DangerFullAccess)
    return compose_env(
        os.environ if base is None else base,
        inherit=policy.inherit,
        ignore_default_excludes=policy.ignore_default_excludes,
        exclude=policy.exclude,
        set_vars=policy.set,
        include_only=policy.include_only,
        thread_id=thread_id,
        network_restricted=not has_full_network(sandbox_policy),
        seatbelt=confined and platform == "darwin",
        windows=platform == "win32",
    )
