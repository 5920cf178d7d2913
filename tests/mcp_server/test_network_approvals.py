"""A network approval as MCP elicitation: the question names the host, and "always" is offered for a profile."""

from __future__ import annotations

from agent import protocol as p
from mcp_server._approval_forms import form_schema, message, offered
from mcp_server._threads import Approval


def network_request(profile: str | None) -> p.NetworkApprovalRequest:
    return p.NetworkApprovalRequest(
        call_id="c1",
        host="pypi.org",
        port=443,
        protocol="https",
        method="CONNECT",
        reason="network access to pypi.org:443 (CONNECT) is not in the allowlist",
        profile=profile,
    )


def test_a_network_question_names_the_host_and_offers_always_for_a_profile() -> None:
    approval = Approval("k", "t", "turn", network_request("dev"))
    assert offered(approval) == ["approved", "approved_for_session", "approved_execpolicy_amendment", "denied", "abort"]
    assert "A command wants to reach https://pypi.org:443 (CONNECT)" in message(approval)
    titles = [o["title"] for o in form_schema(approval)["properties"]["decision"]["oneOf"]]
    assert titles[2] == "Always allow pypi.org (saved to the permission profile in config.toml)"


def test_without_a_profile_there_is_nowhere_to_save_always() -> None:
    assert "approved_execpolicy_amendment" not in offered(Approval("k", "t", "turn", network_request(None)))
