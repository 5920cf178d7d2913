"""The framing of Codex's app-server protocol: JSON-RPC 2.0 shapes without the `"jsonrpc"` field.

Every message is one JSON object (a line on stdio and unix sockets, a text frame on WebSockets). A client may send
`"jsonrpc": "2.0"`; the server never does. Requests carry `id`, `method` and (for methods that take them) `params`;
notifications carry `method` and `params`, and the server adds `emittedAtMs` to its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from .errors import InvalidParamsError

Message = dict[str, Any]
RequestId = int | str


def now_ms() -> int:
    return int(time.time() * 1000)


def encode(message: Mapping[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Message:
    """The JSON object in `text`. Raises ValueError saying what is wrong when it is not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(value, dict):
        raise ValueError(f"a message must be a JSON object, not {type(value).__name__}")
    return cast(Message, value)


def response(request_id: RequestId, result: Any) -> Message:
    return {"id": request_id, "result": result}


def error(request_id: RequestId, code: int, message: str) -> Message:
    return {"error": {"code": code, "message": message}, "id": request_id}


def notification(method: str, params: Any) -> Message:
    return {"method": method, "params": params, "emittedAtMs": now_ms()}


def request(request_id: RequestId, method: str, params: Any) -> Message:
    return {"method": method, "id": request_id, "params": params}


@dataclass
class Answer:
    """A client's answer to a server request: its id and result, or None when there was none (an error, a
    disconnect)."""

    request_id: int
    result: Any


class Params:
    """A request's params with typed getters; a wrong value raises `InvalidParamsError` naming the field."""

    def __init__(self, method: str, raw: object) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidParamsError(f"Invalid params for {method}: `params` must be an object")
        self.method = method
        self.raw = cast(dict[str, Any], raw)

    def _bad(self, name: str, expected: str) -> InvalidParamsError:
        got = type(self.raw.get(name)).__name__
        return InvalidParamsError(
            f"Invalid params for {self.method}: `{name}` must be {expected} (got {got})", field=name
        )

    def str(self, name: str) -> str:
        value = self.raw.get(name)
        if value is None:
            raise InvalidParamsError(f"Invalid params for {self.method}: missing field `{name}`", field=name)
        if not isinstance(value, str):
            raise self._bad(name, "a string")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._bad(name, "a string")
        return value

    def opt_bool(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self._bad(name, "true or false")
        return value

    def opt_int(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "an integer")
        return value

    def opt_obj(self, name: str) -> dict[str, Any] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._bad(name, "an object")
        return cast(dict[str, Any], value)

    def list(self, name: str) -> list[Any]:
        value = self.raw.get(name)
        if value is None:
            raise InvalidParamsError(f"Invalid params for {self.method}: missing field `{name}`", field=name)
        if not isinstance(value, list):
            raise self._bad(name, "an array")
        return cast(list[Any], value)

    def opt_str_list(self, name: str) -> list[str] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in cast(Sequence[Any], value)):
            raise self._bad(name, "an array of strings")
        return cast(list[str], value)

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        value = self.opt_str(name)
        if value is not None and value not in choices:
            raise InvalidParamsError(
                f"Invalid params for {self.method}: `{name}` must be one of {', '.join(choices)} (got {value!r})",
                field=name,
            )
        return value
