"""`pycodex mcp-server` over stdio, with a fast front.

Importing the MCP SDK and the engine takes about a second, which is longer than hosts like to wait for the first
answer. So the front, written with the standard library only, answers the handshake (`initialize`, and `tools/list`
after it; on the 2026-07-28 wire `server/discover` and `tools/list`) from answers the SDK itself produced
(`_fast_answers.json`, regenerated and compared by the tests) while a background thread imports the rest. The first
message it does not know how to answer exactly (a tool call, anything unusual) hands the connection to the SDK
server: the answered `initialize` is replayed into it under a private id whose answer is dropped, followed by
everything since (2026-07-28 requests are stateless, so nothing needs replaying there).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO, cast

from ._handoff import REPLAY_ID
from ._options import ServerOptions

_ANSWERS = Path(__file__).with_name("_fast_answers.json")
_MODERN_META_KEY = "io.modelcontextprotocol/protocolVersion"
_CLIENT_INFO_KEY = "io.modelcontextprotocol/clientInfo"
_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"


def _claim_stdio() -> tuple[BinaryIO, BinaryIO]:
    """Take the wire off fds 0 and 1: commands the agent runs read /dev/null, and stray prints go to stderr."""
    wire_in, wire_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return os.fdopen(wire_in, "rb"), os.fdopen(wire_out, "wb")


def _preload() -> None:
    from ._preload import warm_up

    warm_up()


def _object(value: Any) -> dict[str, Any] | None:
    return cast(dict[str, Any], value) if isinstance(value, dict) else None


def _is_plain_initialize(params: dict[str, Any] | None) -> bool:
    """An `initialize` the SDK accepts as is: the fields it requires, of the right types, no 2026 envelope."""
    if params is None:
        return False
    meta = _object(params.get("_meta", {}))
    info = _object(params.get("clientInfo"))
    return (
        meta is not None
        and _MODERN_META_KEY not in meta
        and isinstance(params.get("protocolVersion"), str)
        and isinstance(params.get("capabilities"), dict)
        and info is not None
        and isinstance(info.get("name"), str)
        and isinstance(info.get("version"), str)
    )


class Front:
    """Answers what it can; records what the SDK must see again."""

    def __init__(self, answers: dict[str, Any], writer: BinaryIO) -> None:
        self._answers = answers
        self._writer = writer
        self.prelude: list[bytes] = []
        self._version: str | None = None

    def _send(self, request_id: Any, result: Any) -> None:
        body = {"jsonrpc": "2.0", "id": request_id, "result": result}
        self._writer.write(json.dumps(body, separators=(",", ":")).encode() + b"\n")
        self._writer.flush()

    def _is_plain_stateless(self, raw_params: Any, params: dict[str, Any] | None) -> bool:
        """A 2026-07-28 request with a well-formed envelope and nothing else (no cursor, no other params)."""
        if params is None or set(params) != {"_meta"}:
            return False
        meta = _object(params["_meta"])
        return meta is not None and _envelope_ok(meta, self._answers["server/discover"])

    def handle(self, line: bytes) -> bool:
        """Answer `line` if it is one the front knows; False hands the connection over."""
        try:
            message = _object(json.loads(line))
        except ValueError:
            return False
        if message is None or message.get("jsonrpc") != "2.0":
            return False
        method = message.get("method")
        raw_params = message.get("params")
        params = _object(raw_params)
        request_id = message.get("id")
        has_id = isinstance(request_id, str | int) and not isinstance(request_id, bool)
        if method == "initialize" and has_id and self._version is None and _is_plain_initialize(params):
            assert params is not None
            by_version: dict[str, Any] = self._answers["initialize"]
            version = str(params["protocolVersion"])
            if version not in by_version:
                version = str(self._answers["latest"])
            self._version = version
            self._send(request_id, by_version[version])
            self.prelude.append(json.dumps({**message, "id": REPLAY_ID}).encode() + b"\n")
            return True
        if method == "notifications/initialized" and self._version is not None and "id" not in message:
            self.prelude.append(line)
            return True
        if method in ("server/discover", "tools/list") and has_id and self._is_plain_stateless(raw_params, params):
            assert params is not None
            version = params["_meta"][_MODERN_META_KEY]
            table = "server/discover" if method == "server/discover" else "tools/list (stateless)"
            self._send(request_id, self._answers[table][version])
            return True
        if method == "tools/list" and has_id and self._version is not None:
            plain = raw_params is None or (params is not None and set(params) <= {"_meta"})
            meta = _object((params or {}).get("_meta", {}))
            if plain and meta is not None and _MODERN_META_KEY not in meta:
                self._send(request_id, self._answers["tools/list"][self._version])
                return True
        return False


def _envelope_ok(meta: dict[str, Any], versions: dict[str, Any]) -> bool:
    info = _object(meta.get(_CLIENT_INFO_KEY, {}))
    return (
        isinstance(meta.get(_MODERN_META_KEY), str)
        and meta[_MODERN_META_KEY] in versions
        and isinstance(meta.get(_CAPABILITIES_KEY), dict)
        and info is not None
        and (
            _CLIENT_INFO_KEY not in meta or (isinstance(info.get("name"), str) and isinstance(info.get("version"), str))
        )
    )


def run_stdio(options: ServerOptions) -> int:
    """Serve MCP on stdin/stdout until the host closes stdin. Returns the exit code."""
    reader, writer = _claim_stdio()
    previous = sys.getswitchinterval()
    # The import thread holds the GIL most of the time; a short switch interval keeps the front's answers quick.
    sys.setswitchinterval(0.0005)
    loader = threading.Thread(target=_preload, name="pycodex-preload", daemon=True)
    loader.start()
    front = Front(json.loads(_ANSWERS.read_text(encoding="utf-8")), writer)
    pending: bytes | None = None
    while line := reader.readline():
        if not front.handle(line):
            pending = line
            break
    loader.join()
    sys.setswitchinterval(previous)
    if pending is None:
        return 0
    import anyio

    from ._stdio import serve

    anyio.run(serve, options, reader, writer, [*front.prelude, pending])
    return 0
