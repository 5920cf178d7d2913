"""The approval dialog of a patch says why it needs approval, in the sandbox's own terms."""

from __future__ import annotations

import sandbox
from agent.tools._patch import _outside_reason  # pyright: ignore[reportPrivateUsage]


def test_a_read_only_sandbox_is_not_described_as_having_writable_roots() -> None:
    assert "read-only" in _outside_reason(sandbox.ReadOnly())
    assert "writable roots" not in _outside_reason(sandbox.ReadOnly())
    assert "outside the writable roots" in _outside_reason(sandbox.WorkspaceWrite())
