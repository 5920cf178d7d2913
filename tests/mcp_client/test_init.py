from __future__ import annotations

import mcp_client


def test_every_public_name_is_exported_on_purpose() -> None:
    assert sorted(mcp_client.__all__) == sorted(
        name for name in vars(mcp_client) if not name.startswith("_") and name not in {"errors"}
    )
    assert {"McpConnectionManager", "McpServerConfig", "ElicitationHandler", "login", "logout"} <= set(
        mcp_client.__all__
    )


def test_errors_share_one_base_class() -> None:
    errors = [getattr(mcp_client, name) for name in mcp_client.__all__ if name.endswith("Error")]

    assert errors
    assert all(issubclass(error, mcp_client.McpClientError) for error in errors)
