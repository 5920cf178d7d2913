"""The TUI's choices for a network approval."""

from __future__ import annotations

from agent.protocol import NetworkApprovalRequest
from tui._approval_dialogs import network_choices


def test_network_choices_offer_always_only_with_a_profile_to_save_it_to() -> None:
    request = NetworkApprovalRequest(call_id="c", host="pypi.org", port=443, method="CONNECT", profile="dev")
    choices = network_choices(request)
    assert [(key, decision) for key, decision, _ in choices] == [
        ("y", "approved"),
        ("a", "approved_for_session"),
        ("p", "approved_execpolicy_amendment"),
        ("d", "denied"),
        ("esc", "abort"),
    ]
    assert "always allow pypi.org" in choices[2][2]
    without = network_choices(request.model_copy(update={"profile": None}))
    assert "approved_execpolicy_amendment" not in [decision for _, decision, _ in without]
