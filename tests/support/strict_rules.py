"""What the real OpenAI APIs reject, checked on a request body: the scripted model server's strict mode.

Each rule answers with the status and the error JSON the real API sends (`{"error": {"message", "type", "param",
"code"}}`, HTTP 400), so that a request the real API would refuse fails a test first.

Responses API (`check_responses`):
- under `store: false`, a `reasoning` item without `encrypted_content` (the server kept nothing to look it up by),
  or with encrypted content this server did not issue, and any `item_reference`;
- a `function_call_output` / `custom_tool_call_output` whose `call_id` matches no call earlier in the input, and a
  call left without its output;
- a tool name outside `^[a-zA-Z0-9_-]{1,64}$` (also inside namespaces);
- a strict JSON schema (a `strict: true` function's parameters, a strict `text.format`) that strict mode refuses:
  every object needs `additionalProperties: false` and `required` listing every property.

Chat Completions (`check_chat`): a `tool` message that answers no earlier `tool_calls`, an assistant's tool call
left without its `tool` answer, tool names, strict schemas, and message roles the API does not know.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, cast

Json = dict[str, Any]
Rejection = tuple[int, Json]

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
_SECRET = b"scripted-model-server"
_ISSUED_PREFIX = "enc_scripted:"


def encrypted_content_for(item_id: str) -> str:
    """The opaque `encrypted_content` this server issues for reasoning item `item_id`."""
    return _ISSUED_PREFIX + hashlib.sha256(_SECRET + item_id.encode()).hexdigest()


def _obj(value: object) -> Json:
    return cast(Json, value) if isinstance(value, dict) else {}


def _objs(value: object) -> list[Json]:
    items = cast(list[object], value) if isinstance(value, list) else []
    return [cast(Json, item) for item in items if isinstance(item, dict)]


def _error(message: str, *, param: str | None = None, code: str | None = None) -> Rejection:
    return 400, {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def _not_found(item_id: str) -> Rejection:
    return _error(
        f"Item with id '{item_id}' not found. Items are not persisted when `store` is set to false. Try again with "
        "`store` set to true, or remove this item from your input.",
        param="input",
    )


def _tool_name(name: object, param: str) -> Rejection | None:
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        return _error(
            f"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern "
            "'^[a-zA-Z0-9_-]+$'.",
            param=param,
            code="invalid_value",
        )
    if len(name) > 64:
        return _error(
            f"Invalid '{param}': string too long. Expected a string with maximum length 64, but got a string with "
            f"length {len(name)} instead.",
            param=param,
            code="string_above_max_length",
        )
    return None


def strict_schema_problem(schema: object, context: tuple[str, ...] = ()) -> str | None:
    """Why strict mode refuses `schema`, or None when it takes it."""
    node = _obj(schema)
    if not node:
        return None
    where = f"In context={context!r}"
    if node.get("type") == "object" or "properties" in node:
        if node.get("additionalProperties") is not False:
            return f"{where}, 'additionalProperties' is required to be supplied and to be false."
        properties = _obj(node.get("properties"))
        required = node.get("required")
        listed = cast(list[object], required) if isinstance(required, list) else []
        missing = [key for key in properties if key not in listed]
        if missing:
            return (
                f"{where}, 'required' is required to be supplied and to be an array including every key in "
                f"properties. Missing '{missing[0]}'."
            )
        for key, sub in properties.items():
            if (problem := strict_schema_problem(sub, (*context, "properties", key))) is not None:
                return problem
    if "items" in node and (problem := strict_schema_problem(node["items"], (*context, "items"))) is not None:
        return problem
    for keyword in ("anyOf", "$defs", "definitions"):
        children = node.get(keyword)
        table = _obj(children)
        listed = cast(list[object], children) if isinstance(children, list) else []
        entries = [(str(k), v) for k, v in table.items()] + [(str(i), v) for i, v in enumerate(listed)]
        for key, sub in entries:
            if (problem := strict_schema_problem(sub, (*context, keyword, key))) is not None:
                return problem
    return None


def _check_tools(tools: list[Json], param: str) -> Rejection | None:
    for index, tool in enumerate(tools):
        kind = tool.get("type")
        if kind in ("function", "custom"):
            if (rejection := _tool_name(tool.get("name"), f"{param}[{index}].name")) is not None:
                return rejection
            if kind == "function" and tool.get("strict") is True:
                problem = strict_schema_problem(tool.get("parameters"))
                if problem is not None:
                    return _error(
                        f"Invalid schema for function '{tool.get('name')}': {problem}",
                        param=f"{param}[{index}].parameters",
                        code="invalid_function_parameters",
                    )
        elif kind == "namespace":
            if (rejection := _tool_name(tool.get("name"), f"{param}[{index}].name")) is not None:
                return rejection
            if (rejection := _check_tools(_objs(tool.get("tools")), f"{param}[{index}].tools")) is not None:
                return rejection
    return None


def _check_input(items: list[Json], stored: bool) -> Rejection | None:
    calls: set[str] = set()
    for index, item in enumerate(items):
        kind = item.get("type")
        item_id = str(item.get("id", ""))
        if kind == "item_reference" and not stored:
            return _not_found(item_id)
        if kind == "reasoning" and not stored:
            encrypted = item.get("encrypted_content")
            if not encrypted:
                return _not_found(item_id)
            # Content a scripted server issued must come back unchanged and with its own item; content from elsewhere
            # (a rollout Codex wrote) cannot be checked here.
            if str(encrypted).startswith(_ISSUED_PREFIX) and encrypted != encrypted_content_for(item_id):
                return _error(
                    f"The encrypted content for item {item_id} could not be verified.",
                    param=f"input[{index}]",
                    code="invalid_encrypted_content",
                )
        if kind in ("function_call", "custom_tool_call"):
            calls.add(str(item.get("call_id")))
        elif kind in ("function_call_output", "custom_tool_call_output") and str(item.get("call_id")) not in calls:
            what = "function call output" if kind == "function_call_output" else "custom tool call output"
            return _error(f"No tool call found for {what} with call_id {item.get('call_id')}.", param="input")
    outputs = {str(item.get("call_id")) for item in items if str(item.get("type", "")).endswith("_call_output")}
    if unanswered := sorted(calls - outputs):
        return _error(f"No tool output found for function call {unanswered[0]}.", param="input")
    return None


def check_responses(body: Json) -> Rejection | None:
    """The real Responses API's answer to `body` if it would reject it, else None."""
    if (rejection := _check_input(_objs(body.get("input")), body.get("store") is not False)) is not None:
        return rejection
    if (rejection := _check_tools(_objs(body.get("tools")), "tools")) is not None:
        return rejection
    text_format = _obj(_obj(body.get("text")).get("format"))
    if text_format.get("type") == "json_schema" and text_format.get("strict"):
        problem = strict_schema_problem(text_format.get("schema"))
        if problem is not None:
            return _error(
                f"Invalid schema for response_format '{text_format.get('name')}': {problem}",
                param="text.format.schema",
                code="invalid_json_schema",
            )
    return None


_CHAT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def _check_chat_message(messages: list[Json], index: int) -> Rejection | None:
    message = messages[index]
    role = message.get("role")
    if role not in _CHAT_ROLES:
        return _error(
            f"Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'developer'.",
            param=f"messages[{index}].role",
            code="invalid_value",
        )
    if role == "assistant" and message.get("tool_calls"):
        wanted = [str(call.get("id")) for call in _objs(message.get("tool_calls"))]
        answered: set[str] = set()
        for later in messages[index + 1 :]:
            if later.get("role") != "tool":
                break
            answered.add(str(later.get("tool_call_id")))
        if missing := [call_id for call_id in wanted if call_id not in answered]:
            return _error(
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(missing)}",
                param="messages",
            )
    if role == "tool":
        ids = {
            str(call.get("id"))
            for earlier in messages[:index]
            if earlier.get("role") == "assistant"
            for call in _objs(earlier.get("tool_calls"))
        }
        if str(message.get("tool_call_id")) not in ids:
            return _error(
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
                "'tool_calls'.",
                param=f"messages.[{index}].role",
            )
    return None


def check_chat(body: Json) -> Rejection | None:
    """The real Chat Completions API's answer to `body` if it would reject it, else None."""
    messages = _objs(body.get("messages"))
    for index in range(len(messages)):
        if (rejection := _check_chat_message(messages, index)) is not None:
            return rejection
    for index, tool in enumerate(_objs(body.get("tools"))):
        function = _obj(tool.get("function"))
        if (rejection := _tool_name(function.get("name"), f"tools[{index}].function.name")) is not None:
            return rejection
        if function.get("strict") is True and (problem := strict_schema_problem(function.get("parameters"))):
            return _error(
                f"Invalid schema for function '{function.get('name')}': {problem}",
                param=f"tools[{index}].function.parameters",
                code="invalid_function_parameters",
            )
    response_format = _obj(body.get("response_format"))
    schema = _obj(response_format.get("json_schema"))
    if response_format.get("type") == "json_schema" and schema.get("strict"):
        if (problem := strict_schema_problem(schema.get("schema"))) is not None:
            return _error(
                f"Invalid schema for response_format '{schema.get('name')}': {problem}",
                param="response_format",
                code="invalid_json_schema",
            )
    return None
