"""The allowed values of the settings every front door takes, declared once (stdlib only: the MCP server's fast
front reads them before anything heavy is imported). `sandbox.SandboxMode` must list the same modes; a test holds
the two together."""

from __future__ import annotations

from typing import Literal, get_args

ApprovalPolicy = Literal["untrusted", "on-failure", "on-request", "never"]
SandboxModeName = Literal["read-only", "workspace-write", "danger-full-access"]

APPROVAL_POLICIES: tuple[ApprovalPolicy, ...] = get_args(ApprovalPolicy)
SANDBOX_MODES: tuple[SandboxModeName, ...] = get_args(SandboxModeName)
