"""`exec_command` and `write_stdin`: shell commands in the sandbox, and the sessions that keep running."""

from __future__ import annotations

from typing import Any

from ._base import ToolContext
from ._tool import Output, Tool, ToolCall

JsonObject = dict[str, Any]

_TOKENS = "Most output tokens to return (default 10000); the middle of longer output is cut."

EXEC_COMMAND: JsonObject = {
    "type": "function",
    "name": "exec_command",
    "description": (
        "Run a shell command in the workspace. Returns its output once it exits, or after `yield_time_ms` with a "
        "session ID if it is still running (continue with write_stdin)."
    ),
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "cmd": {"type": "string", "description": "The shell command line to run."},
            "justification": {
                "type": "string",
                "description": "Only with `require_escalated`: the question shown to the user when asking for "
                "approval.",
            },
            "login": {"type": "boolean", "description": "Run a login shell (-l). Defaults to true."},
            "max_output_tokens": {"type": "number", "description": _TOKENS},
            "prefix_rule": {
                "type": "array",
                "description": "Only with `require_escalated`: a command prefix the user may approve for good, "
                'e.g. ["npm", "test"].',
                "items": {"type": "string"},
            },
            "sandbox_permissions": {
                "type": "string",
                "description": "`use_default` (the default) runs sandboxed; `require_escalated` asks the user to "
                "run this command outside the sandbox.",
                "enum": ["use_default", "require_escalated"],
            },
            "shell": {"type": "string", "description": "Shell binary to use. Defaults to the user's shell."},
            "tty": {
                "type": "boolean",
                "description": "Give the command a terminal (PTY) and keep stdin open for write_stdin. Defaults to "
                "false (plain pipes).",
            },
            "workdir": {"type": "string", "description": "Directory to run in. Defaults to the session's cwd."},
            "yield_time_ms": {
                "type": "number",
                "description": "How long to wait for the command before returning (default 10000, 250 to 30000).",
            },
        },
        "required": ["cmd"],
        "additionalProperties": False,
    },
}

WRITE_STDIN: JsonObject = {
    "type": "function",
    "name": "write_stdin",
    "description": (
        "Send characters to a running exec_command session and return the output produced since the last call. "
        "Send empty `chars` to just wait for more output."
    ),
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "chars": {"type": "string", "description": "Characters to write; empty to poll without writing."},
            "max_output_tokens": {"type": "number", "description": _TOKENS},
            "session_id": {"type": "number", "description": "The session ID exec_command returned."},
            "yield_time_ms": {
                "type": "number",
                "description": "How long to wait for output (writes: default 250, at most 30000; empty polls: "
                "5000 to 300000).",
            },
        },
        "required": ["session_id"],
        "additionalProperties": False,
    },
}


async def _exec_command(ctx: ToolContext, call: ToolCall) -> Output:
    # Loaded on the first command, not before the first model request (it brings execpolicy and apply_patch).
    from ._exec_command import run_exec_command

    return await run_exec_command(ctx, call.call_id, call.arguments)


async def _write_stdin(ctx: ToolContext, call: ToolCall) -> Output:
    text, _code = await ctx.exec_sessions.write_stdin(call.arguments)
    return text


EXEC_COMMAND_TOOL = Tool("exec_command", EXEC_COMMAND, _exec_command, parallel=True, approval="command")
WRITE_STDIN_TOOL = Tool("write_stdin", WRITE_STDIN, _write_stdin, parallel=True)
