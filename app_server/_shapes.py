"""Codex's app-server shapes (camelCase) for what the engine knows: threads, sandbox policies, token usage."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from agent import Config, ThreadRecord, TokenUsage

CLI_VERSION = "0.1.0"
SANDBOX_MODES = ("read-only", "workspace-write", "danger-full-access")
APPROVAL_POLICIES = ("untrusted", "on-failure", "on-request", "never")
# Codex's SessionSource for our rollouts' `source` values.
_SOURCES: dict[str, Any] = {"exec": "exec", "cli": "cli", "tui": "cli", "vscode": "vscode", "mcp": {"custom": "mcp"}}


SOURCE_KINDS = (
    "cli",
    "vscode",
    "exec",
    "appServer",
    "subAgent",
    "subAgentReview",
    "subAgentCompact",
    "subAgentThreadSpawn",
    "subAgentOther",
    "unknown",
)
_SOURCE_KINDS = {"exec": "exec", "cli": "cli", "tui": "cli", "vscode": "vscode", "subagent": "subAgentThreadSpawn"}


def source_kind_matches(source: str | None, kinds: Sequence[str]) -> bool:
    """Whether a thread recorded with `source` is of one of Codex's `ThreadSourceKind`s (`subAgent`: any child)."""
    kind = _SOURCE_KINDS.get(source or "", "unknown")
    return kind in kinds or ("subAgent" in kinds and kind.startswith("subAgent"))


def sandbox_policy(policy: Any) -> dict[str, Any]:
    """`SandboxPolicy` for one of `sandbox`'s policies."""
    kind = policy.type
    if kind == "read-only":
        return {"type": "readOnly", "networkAccess": False}
    if kind == "danger-full-access":
        return {"type": "dangerFullAccess"}
    return {
        "type": "workspaceWrite",
        "writableRoots": [str(root) for root in policy.writable_roots],
        "networkAccess": bool(policy.network_access),
        "excludeTmpdirEnvVar": bool(policy.exclude_tmpdir_env_var),
        "excludeSlashTmp": bool(policy.exclude_slash_tmp),
    }


def sandbox_mode_of(policy: object) -> str:
    """The `sandbox_mode` a `SandboxPolicy` object (turn/start's `sandboxPolicy`) selects."""
    kind: object = cast(dict[str, Any], policy).get("type") if isinstance(policy, dict) else None
    modes = {"readOnly": "read-only", "workspaceWrite": "workspace-write", "dangerFullAccess": "danger-full-access"}
    if kind not in modes:
        raise ValueError("`sandboxPolicy.type` must be readOnly, workspaceWrite or dangerFullAccess")
    return modes[str(kind)]


def approval_policy(value: str) -> str:
    # Codex's AskForApproval has no on-failure any more; pycodex still runs it, and says on-request on the wire.
    return "on-request" if value == "on-failure" else value


def settings(config: Config) -> dict[str, Any]:
    """The fields thread/start, thread/resume and thread/fork answer with besides the thread."""
    return {
        "model": config.model,
        "modelProvider": config.provider.id,
        "serviceTier": config.toml.service_tier,
        "cwd": str(config.cwd),
        "instructionSources": [],
        "approvalPolicy": approval_policy(config.approval_policy),
        "approvalsReviewer": config.toml.approvals_reviewer or "user",
        "sandbox": sandbox_policy(config.sandbox_policy),
        "reasoningEffort": config.reasoning_effort,
    }


def unix_seconds(timestamp: str | None) -> int:
    if not timestamp:
        return 0
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


def thread(
    *,
    thread_id: str,
    cwd: str,
    model_provider: str,
    model: str | None,
    created_at: int,
    updated_at: int,
    preview: str,
    path: str | None,
    name: str | None = None,
    source: str | None = "vscode",
    status: dict[str, Any] | None = None,
    ephemeral: bool = False,
    git: dict[str, Any] | None = None,
    forked_from: str | None = None,
    turns: Sequence[dict[str, Any]] = (),
    spawn: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `Thread` object; `spawn` is a sub-agent's origin (the rollout's `thread_spawn`: parent, depth, nickname,
    role), which gives it Codex's `subAgent` source and its parent, nickname and role."""
    return {
        "id": thread_id,
        "sessionId": thread_id,
        "forkedFromId": forked_from,
        "parentThreadId": spawn.get("parent_thread_id") if spawn else None,
        "preview": preview,
        "ephemeral": ephemeral,
        "projectId": None,
        "modelProvider": model_provider,
        "model": model,
        "createdAt": created_at,
        "updatedAt": updated_at,
        "status": status or {"type": "notLoaded"},
        "path": path,
        "cwd": cwd,
        "cliVersion": CLI_VERSION,
        "originator": "pycodex",
        "source": {"subAgent": {"thread_spawn": spawn}} if spawn else _SOURCES.get(source or "", "unknown"),
        "threadSource": None,
        "agentNickname": spawn.get("agent_nickname") if spawn else None,
        "agentRole": spawn.get("agent_role") if spawn else None,
        "gitInfo": git,
        "name": name,
        "turns": list(turns),
    }


def thread_of_record(record: ThreadRecord, *, status: dict[str, Any] | None = None) -> dict[str, Any]:
    git = None
    if record.git_branch or record.git_commit:
        git = {"branch": record.git_branch, "sha": record.git_commit, "originUrl": None}
    return thread(
        thread_id=record.id,
        cwd=record.cwd or "/",
        model_provider=record.model_provider or "openai",
        model=record.model,
        created_at=unix_seconds(record.created_at),
        updated_at=unix_seconds(record.updated_at),
        preview=record.first_user_message or "",
        path=str(record.rollout_path),
        name=record.title,
        source=record.source,
        status=status,
        git=git,
        spawn=spawn_origin(record.rollout_path) if record.source == "subagent" else None,
    )


def thread_spawn(meta: dict[str, Any]) -> dict[str, Any] | None:
    """A rollout's `session_meta.source.subagent.thread_spawn` in the shape Codex's schema gives it, or None."""
    source = meta.get("source")
    sub = cast(dict[str, Any], source).get("subagent") if isinstance(source, dict) else None
    spawn = cast(dict[str, Any], sub).get("thread_spawn") if isinstance(sub, dict) else None
    if not isinstance(spawn, dict):
        return None
    fields = cast(dict[str, Any], spawn)
    parent, depth = fields.get("parent_thread_id"), fields.get("depth")
    if not isinstance(parent, str) or not isinstance(depth, int):
        return None
    out: dict[str, Any] = {"parent_thread_id": parent, "depth": depth}
    for key in ("agent_path", "agent_nickname", "agent_role"):
        value = fields.get(key)
        out[key] = value if isinstance(value, str) else None
    return out


def spawn_origin(rollout: Path) -> dict[str, Any] | None:
    """The `thread_spawn` origin in the first record (`session_meta`) of a sub-agent's rollout, or None."""
    try:
        with rollout.open("rb") as file:
            first: object = json.loads(file.readline())
    except (OSError, ValueError):
        return None
    payload = cast(dict[str, Any], first).get("payload") if isinstance(first, dict) else None
    return thread_spawn(cast(dict[str, Any], payload)) if isinstance(payload, dict) else None


def usage(value: TokenUsage) -> dict[str, int]:
    """A `TokenUsageBreakdown`."""
    return {
        "totalTokens": value.total_tokens,
        "inputTokens": value.input_tokens,
        "cachedInputTokens": value.cached_input_tokens,
        "cacheWriteInputTokens": 0,
        "outputTokens": value.output_tokens,
        "reasoningOutputTokens": value.reasoning_output_tokens,
    }


def command_text(command: Sequence[str]) -> str:
    return shlex.join(command)


def command_actions(command: Sequence[str]) -> list[dict[str, Any]]:
    # Codex parses commands into read/listFiles/search actions for display; pycodex reports every command as is.
    script = command[-1] if len(command) >= 3 and command[-2] in ("-c", "-lc") else shlex.join(command)
    return [{"type": "unknown", "command": script}]
