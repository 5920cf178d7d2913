"""The one path from a front door's settings to overrides: values checked once, labels for `config explain`."""

from __future__ import annotations

from typing import get_args

import pytest

import sandbox
from agent.config import (
    APPROVAL_POLICIES,
    SANDBOX_MODES,
    FlagError,
    FlagNames,
    SessionFlags,
    overrides_from_flags,
)


def test_the_sandbox_modes_are_the_sandbox_packages_modes() -> None:
    assert SANDBOX_MODES == get_args(sandbox.SandboxMode)
    assert APPROVAL_POLICIES == ("untrusted", "on-failure", "on-request", "never")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (SessionFlags(sandbox="nowhere"), "invalid value for --sandbox: 'nowhere' (choose from read-only, "),
        (SessionFlags(approval_policy="sometimes"), "invalid value for --ask-for-approval: 'sometimes'"),
    ],
)
def test_a_value_that_does_not_exist_is_a_flag_error_naming_the_flag(flags: SessionFlags, message: str) -> None:
    with pytest.raises(FlagError) as caught:
        overrides_from_flags(flags)
    assert str(caught.value).startswith(message)


def test_a_front_door_names_its_settings_its_own_way() -> None:
    with pytest.raises(FlagError, match=r"invalid value for `sandbox`: 'x'"):
        overrides_from_flags(SessionFlags(sandbox="x"), FlagNames(sandbox="`sandbox`"))


def test_full_auto_fills_only_what_was_not_given() -> None:
    overrides = overrides_from_flags(SessionFlags(full_auto=True, approval_policy="untrusted"))
    assert (overrides.sandbox_mode, overrides.approval_policy) == ("workspace-write", "untrusted")
    assert overrides.labels == {"sandbox_mode": "--full-auto", "approval_policy": "--ask-for-approval"}


def test_bypass_opens_everything_and_a_front_door_rule_beats_the_flags() -> None:
    bypass = overrides_from_flags(SessionFlags(bypass_approvals_and_sandbox=True, sandbox="read-only"))
    assert (bypass.sandbox_mode, bypass.approval_policy) == ("danger-full-access", "never")
    forced = overrides_from_flags(SessionFlags(approval_policy="on-request"), approval_policy=("never", "exec"))
    assert forced.approval_policy == "never"
    assert forced.labels["approval_policy"] == "exec"


def test_model_profile_and_oss_are_labelled_with_their_flags() -> None:
    overrides = overrides_from_flags(SessionFlags(model="m", profile="p", oss=True))
    assert (overrides.model, overrides.profile, overrides.oss) == ("m", "p", True)
    assert overrides.labels == {"model": "--model", "profile": "--profile", "model_provider": "--oss"}
