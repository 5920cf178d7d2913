"""`pycodex acp` over stdio, with a fast front.

Importing the `acp` package (a few hundred pydantic models) and the engine takes one to several seconds, longer than
an editor likes to wait for the answer to `initialize`. So the front, standard library only, answers a plain
`initialize` from `_initialize.json` (what `PycodexAgent.initialize` returns; a test keeps the two equal) while a
background thread imports the rest. The next line hands the connection to the real agent: the answered
`initialize` is replayed into it under a private id whose answer is dropped, so it learns the client's
capabilities, followed by that line.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO, cast

from ._options import AcpOptions

ANSWER = Path(__file__).with_name("_initialize.json")
REPLAY_ID = "pycodex-front-initialize"


def _claim_stdio() -> tuple[BinaryIO, BinaryIO]:
    """Take the wire off fds 0 and 1: commands the agent runs read /dev/null, and stray prints go to stderr."""
    wire_in, wire_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(wire_in, "rb"), os.fdopen(wire_out, "wb")


def _import_protocol_lean() -> None:
    """Import `acp.schema` (about 280 pydantic models, most of pycodex acp's start-up) doing less: each model's
    validator is built when the model is first used (most never are in a session), and the models' attribute
    docstrings are not read from the source (pydantic reads them with `inspect` and the tokenizer, for JSON-schema
    descriptions the agent never generates; other models keep theirs). Together they take the import from about
    0.8 s to 0.3 s of CPU; the models a session uses cost a few milliseconds each when first used.

    This sets two pydantic internals; if a pydantic release moves them, the import runs as before, only slower.
    """
    import importlib

    try:
        import pydantic._internal._config as config_module
        import pydantic._internal._fields as fields_module

        defaults = cast("dict[str, Any]", config_module.config_defaults)
        fields: Any = fields_module
        extract = fields.extract_docstrings_from_cls
    except (ImportError, AttributeError):  # pragma: no cover - another pydantic
        importlib.import_module("acp.schema")
        return

    def docstrings(cls: type, use_inspect: bool = False) -> dict[str, str]:
        if cls.__module__ == "acp.schema":
            return {}
        return extract(cls, use_inspect=use_inspect)

    # For the process's life: a deferred model collects its fields again when it is first used.
    fields.extract_docstrings_from_cls = docstrings
    defer = defaults.get("defer_build", False)
    defaults["defer_build"] = True
    try:
        importlib.import_module("acp.schema")
    finally:
        defaults["defer_build"] = defer


def _preload() -> None:
    """Import the protocol library and the engine's session path.

    The imports (a few hundred pydantic models) make long-lived objects and next to no garbage: the cyclic
    collector is off meanwhile, and what they made is frozen so later collections skip it.
    """
    import gc
    import importlib

    gc.disable()
    try:
        import agent

        _import_protocol_lean()
        importlib.import_module("acp_agent._stdio")
        importlib.import_module("agent.protocol")
        for name in ("Session", "load_config", "SessionFlags", "TextInput", "TurnOutcome"):
            getattr(agent, name)
        importlib.import_module("httpcore2")  # what the session's HTTP client loads when it is made
    finally:
        gc.freeze()
        gc.enable()


def installed_version() -> str:
    """pycodex's installed version, from the name of its `.dist-info` folder on `sys.path` (importing
    `importlib.metadata` would cost the answer to `initialize` a fifth of a second)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith("pycodex-") and name.endswith(".dist-info"):
                return name.removeprefix("pycodex-").removesuffix(".dist-info")
    return "0.0.0"  # pragma: no cover - a source tree without an installed distribution


def fast_answer(line: bytes, answer: dict[str, Any]) -> tuple[bytes, bytes] | None:
    """(the answer line, the line to replay) for a plain `initialize`; None for anything else."""
    try:
        message: Any = json.loads(line)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    request = cast("dict[str, Any]", message)
    request_id = request.get("id")
    params = request.get("params")
    if (
        request.get("jsonrpc") != "2.0"
        or request.get("method") != "initialize"
        or not isinstance(request_id, str | int)
        or isinstance(request_id, bool)
        or not isinstance(params, dict)
    ):
        return None
    version = cast("dict[str, Any]", params).get("protocolVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        return None
    result = {**answer, "protocolVersion": min(version, int(answer["protocolVersion"]))}
    result["agentInfo"] = dict(cast("dict[str, Any]", result["agentInfo"]), version=installed_version())
    body = {"jsonrpc": "2.0", "id": request_id, "result": result}
    replay = {**request, "id": REPLAY_ID}
    encode = json.dumps
    return encode(body, separators=(",", ":")).encode() + b"\n", encode(replay).encode() + b"\n"


def run_stdio(options: AcpOptions) -> int:
    """Serve ACP on stdin/stdout until the client closes stdin. Returns the exit code (0)."""
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="pycodex acp: %(levelname)s %(message)s")
    reader, writer = _claim_stdio()
    previous = sys.getswitchinterval()
    # The import thread holds the GIL most of the time; a short switch interval keeps the front's answer quick.
    sys.setswitchinterval(0.0005)
    loader = threading.Thread(target=_preload, name="pycodex-preload", daemon=True)
    loader.start()
    prelude: list[bytes] = []
    line = reader.readline()
    if line:
        answered = fast_answer(line, json.loads(ANSWER.read_text(encoding="utf-8")))
        if answered is None:
            prelude.append(line)
        else:
            writer.write(answered[0])
            writer.flush()
            prelude.append(answered[1])
    loader.join()
    sys.setswitchinterval(previous)
    if not line:
        return 0
    import anyio

    from ._stdio import serve

    anyio.run(serve, options, reader, writer, prelude, backend="asyncio")
    return 0
