"""The two tools' definitions as plain JSON, shared by the fast front (stdlib only) and the SDK server.

Input schemas follow Codex's `codex` / `codex-reply` (kebab-case properties, `{threadId, content}` output) with
the full `approval-policy` enum and `profile`; the descriptions are ours.
"""

from __future__ import annotations

from typing import Any, Final

from agent.config import APPROVAL_POLICIES as _POLICIES
from agent.config import SANDBOX_MODES as _MODES

SERVER_NAME: Final = "pycodex-mcp-server"
SERVER_TITLE: Final = "pycodex"
SERVER_VERSION: Final = "0.1.0"
INSTRUCTIONS: Final = (
    "pycodex is a coding agent. Call `codex` with a prompt to start a thread of work in a repository; it runs "
    "commands in a sandbox and edits files, asking for approval when its policy says so. Call `codex-reply` with "
    "the returned threadId to continue the same thread."
)

CODEX_TOOL: Final = "codex"
REPLY_TOOL: Final = "codex-reply"

APPROVAL_POLICIES: Final = _POLICIES
SANDBOX_MODES: Final = _MODES

_OUTPUT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {"threadId": {"type": "string"}, "content": {"type": "string"}},
    "required": ["threadId", "content"],
}


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


CODEX_INPUT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "prompt": _text("What the agent should do: the first message of a new thread."),
        "model": _text("Model to use instead of the configured one."),
        "profile": _text("Configuration profile (a [profiles.NAME] table of config.toml) to start from."),
        "cwd": _text("Directory the agent works in. A relative path is taken from the server's working directory."),
        "approval-policy": {
            "type": "string",
            "enum": list(APPROVAL_POLICIES),
            "description": "When the agent must ask before running a command: untrusted (anything not known to "
            "be safe), on-failure (when the sandbox blocked it), on-request (when the model asks), never.",
        },
        "sandbox": {
            "type": "string",
            "enum": list(SANDBOX_MODES),
            "description": "What the agent's commands may touch: read-only, workspace-write or danger-full-access.",
        },
        "config": {
            "type": "object",
            "additionalProperties": True,
            "description": "Config settings by dotted key (as `-c key=value` would set them), over config.toml.",
        },
        "base-instructions": _text("Instructions that replace the agent's built-in ones."),
        "developer-instructions": _text("Extra instructions sent as a developer message."),
        "compact-prompt": _text("Prompt used when the conversation is compacted."),
    },
    "required": ["prompt"],
    "additionalProperties": False,
}

REPLY_INPUT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "prompt": _text("The next message for the thread."),
        "threadId": _text("The thread to continue, as returned by `codex`."),
        "conversationId": _text("Deprecated name of threadId, still accepted."),
    },
    "required": ["prompt"],
}

TOOLS: Final[list[dict[str, Any]]] = [
    {
        "name": CODEX_TOOL,
        "title": "pycodex",
        "description": "Start a pycodex coding session on a prompt and return its final answer with the thread "
        "id. Progress arrives as notifications; approvals are asked through elicitation.",
        "inputSchema": CODEX_INPUT_SCHEMA,
        "outputSchema": _OUTPUT_SCHEMA,
        "execution": {"taskSupport": "optional"},
    },
    {
        "name": REPLY_TOOL,
        "title": "pycodex reply",
        "description": "Continue a pycodex thread with another prompt and return the new final answer.",
        "inputSchema": REPLY_INPUT_SCHEMA,
        "outputSchema": _OUTPUT_SCHEMA,
        "execution": {"taskSupport": "optional"},
    },
]
