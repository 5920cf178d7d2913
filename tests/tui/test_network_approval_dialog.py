"""The TUI's choices for a network approval."""

from __future__ import annotations

from agent.protocol import ExecApprovalRequest, NetworkApprovalContext
from tui._approval_dialogs import exec_choices


def test_network_choices_name_the_host_and_offer_always_only_with_a_profile() -> None:
    context = NetworkApprovalContext(host="pypi.org", port=443, protocol="https", method="CONNECT", profile="dev")
    request = ExecApprovalRequest(call_id="c", command=("pip",), cwd="/w", network_approval_context=context)
    choices = exec_choices(request)
    assert [(key, decision) for key, decision, _ in choices] == [
        ("y", "approved"),
        ("a", "approved_for_session"),
        ("p", "approved_execpolicy_amendment"),
        ("d", "denied"),
        ("esc", "abort"),
    ]
    assert "always allow pypi.org" in choices[2][2]
    without = exec_choices(
        request.model_copy(update={"network_approval_context": context.model_copy(update={"profile": None})})
    )
    assert "approved_execpolicy_amendment" not in [decision for _, decision, _ in without]
