"""The tools the model sees: names and parameter schemas as Codex's models expect, descriptions in our words."""

from __future__ import annotations

import copy
from typing import Any

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

UPDATE_PLAN: JsonObject = {
    "type": "function",
    "name": "update_plan",
    "description": (
        "Record the plan for the task as a list of steps with their status, and keep it current as work "
        "progresses. At most one step may be in_progress.\n"
    ),
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "explanation": {"type": "string", "description": "Why the plan changed (optional)."},
            "plan": {
                "type": "array",
                "description": "The steps, in order.",
                "items": {
                    "type": "object",
                    "properties": {
                        "status": {
                            "type": "string",
                            "description": "Where this step stands.",
                            "enum": ["pending", "in_progress", "completed"],
                        },
                        "step": {"type": "string", "description": "What the step does."},
                    },
                    "required": ["step", "status"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["plan"],
        "additionalProperties": False,
    },
}

VIEW_IMAGE: JsonObject = {
    "type": "function",
    "name": "view_image",
    "description": "Look at an image file from the local filesystem (a screenshot, a diagram, a rendered plot).",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {"path": {"type": "string", "description": "Path of the image file."}},
        "required": ["path"],
        "additionalProperties": False,
    },
}

APPLY_PATCH_GRAMMAR = """start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
"""

APPLY_PATCH_HELP = """Edit files by sending a patch in this format (not JSON, not a unified diff):

*** Begin Patch
*** Add File: path/new.py
+every line of the new file, each starting with +
*** Update File: path/existing.py
*** Move to: path/renamed.py   (optional)
@@ def function_to_change():   (optional anchor: a line just above the change)
 unchanged context line (starts with a space)
-line to remove
+line to add
*** Delete File: path/obsolete.py
*** End Patch

Show about three lines of context above and below each change so it matches one place only. Paths are relative to
the working directory. The whole patch is checked before anything is written: if one part does not fit, nothing
changes and the error says where."""

APPLY_PATCH_FREEFORM: JsonObject = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Edit files with a patch. This tool takes the raw patch text, not JSON.\n\n" + APPLY_PATCH_HELP,
    "format": {"type": "grammar", "syntax": "lark", "definition": APPLY_PATCH_GRAMMAR},
}

APPLY_PATCH_FUNCTION: JsonObject = {
    "type": "function",
    "name": "apply_patch",
    "description": APPLY_PATCH_HELP,
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "input": {"type": "string", "description": "The whole patch, from *** Begin Patch to *** End Patch."}
        },
        "required": ["input"],
        "additionalProperties": False,
    },
}


def builtin_tools(*, plan: bool = True, apply_patch: bool = True, view_image: bool = True) -> list[JsonObject]:
    """The built-in tool definitions in Codex's order (fresh copies: callers may not share them)."""
    tools: list[JsonObject] = [EXEC_COMMAND, WRITE_STDIN]
    if plan:
        tools.append(UPDATE_PLAN)
    if apply_patch:
        tools.append(APPLY_PATCH_FREEFORM)
    if view_image:
        tools.append(VIEW_IMAGE)
    return copy.deepcopy(tools)
