"""The one place where foreign exceptions (mcp, httpx2, pydantic, OS, anyio task groups) become words or ours."""

from __future__ import annotations

import errno
from typing import cast

import httpx2
from mcp import MCPError
from mcp.client.auth import OAuthFlowError
from pydantic import ValidationError

from .errors import McpClientError


def leaf_exception(exc: BaseException) -> BaseException:
    """The first non-group exception inside (nested) exception groups, preferring our own errors."""
    if isinstance(exc, BaseExceptionGroup):
        group = cast("BaseExceptionGroup[BaseException]", exc)
        leaves = [leaf_exception(item) for item in group.exceptions]
        for leaf in leaves:
            if isinstance(leaf, McpClientError):
                return leaf
        return leaves[0] if leaves else group
    return exc


def describe_exception(exc: BaseException) -> str:
    """A short, secret-free sentence for what went wrong."""
    leaf = leaf_exception(exc)
    if isinstance(leaf, McpClientError):
        return leaf.message
    if isinstance(leaf, MCPError):
        if leaf.error.message == "Connection closed":
            return "the server closed the connection"
        return f"MCP error {leaf.error.code}: {leaf.error.message}"
    if isinstance(leaf, httpx2.HTTPStatusError):
        return f"HTTP {leaf.response.status_code} from {leaf.request.url}"
    if isinstance(leaf, httpx2.ConnectError):
        return f"could not connect ({leaf})"
    if isinstance(leaf, httpx2.TimeoutException):
        return "the HTTP request timed out"
    if isinstance(leaf, httpx2.HTTPError):
        return f"HTTP error: {type(leaf).__name__}: {leaf}"
    if isinstance(leaf, OAuthFlowError):
        return f"OAuth error: {leaf}"
    if isinstance(leaf, FileNotFoundError):
        return f"command not found: {leaf.filename}" if leaf.filename else "command not found"
    if isinstance(leaf, PermissionError):
        return f"permission denied: {leaf.filename}" if leaf.filename else "permission denied"
    if isinstance(leaf, OSError):
        name = errno.errorcode.get(leaf.errno or 0, "")
        return f"{leaf.strerror or leaf} ({name})" if name else str(leaf)
    if isinstance(leaf, ValidationError):
        return f"the server sent a malformed message ({leaf.error_count()} validation errors)"
    if isinstance(leaf, TimeoutError):
        return "timed out"
    return f"{type(leaf).__name__}: {leaf}"


def is_unauthorized(exc: BaseException) -> bool:
    """Whether the failure is an HTTP 401 from the server (it wants OAuth and we sent no usable token)."""
    leaf = leaf_exception(exc)
    if isinstance(leaf, httpx2.HTTPStatusError):
        return leaf.response.status_code == 401
    if isinstance(leaf, MCPError):
        return "401" in leaf.error.message or "Unauthorized" in leaf.error.message
    return False
