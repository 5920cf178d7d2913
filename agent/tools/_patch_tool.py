"""`apply_patch`: the model edits files with Codex's patch format (freeform on the Responses wire, a JSON function
on Chat Completions). The work is done by `_patch`, loaded with the first patch."""

from __future__ import annotations

from typing import Any

from ._base import ArgumentError, ToolContext
from ._tool import Output, Tool, ToolCall

JsonObject = dict[str, Any]

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


async def _apply_patch(ctx: ToolContext, call: ToolCall) -> Output:
    from ._patch import run_apply_patch

    patch_text = call.input if call.input is not None else call.arguments.get("input")
    if not isinstance(patch_text, str):
        raise ArgumentError("failed to parse function arguments: missing field `input`")
    return await run_apply_patch(ctx, call.call_id, patch_text)


APPLY_PATCH_TOOL = Tool(
    "apply_patch", APPLY_PATCH_FREEFORM, _apply_patch, approval="patch", chat_spec=APPLY_PATCH_FUNCTION
)
