"""The proxy as an ASGI app: `POST /v1/responses` (and `/responses`) is forwarded to the upstream URL with
`Authorization: Bearer <key>`; the answer streams back as it arrives. Everything else is refused (403), as in Codex.

The key lives in this process's memory only: it is never logged, never written, and never echoed in an error. The
client's own `Authorization` header is dropped. With a body log directory, each exchange is written as
`NNNNNN-request.json` and `NNNNNN-response.txt` (mode 0600), redacted: the key is not in them (it was never in the
request body, and the request headers are logged without `Authorization`) and neither is any other secret the
redactor recognises.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from agent import redact_secrets

DEFAULT_UPSTREAM = "https://api.openai.com/v1/responses"
# Hop-by-hop and length headers are the server's own business; the client's credentials are replaced.
_DROP_REQUEST = {"authorization", "host", "content-length", "connection", "transfer-encoding", "accept-encoding"}
_DROP_RESPONSE = {"content-length", "connection", "transfer-encoding", "content-encoding", "keep-alive"}


@dataclass(frozen=True)
class ProxyOptions:
    """What the proxy needs: the key (kept out of reprs), where to forward, and where to log bodies."""

    api_key: str = field(repr=False)
    upstream: str = DEFAULT_UPSTREAM
    body_log_dir: Path | None = None
    http_shutdown: bool = False


class _BodyLog:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._dir = directory
        self._numbers = itertools.count(1)

    def next_number(self) -> int:
        return next(self._numbers)

    def write(self, name: str, text: str) -> None:
        fd = os.open(self._dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(redact_secrets(text))


def _request_record(request: Request, body: bytes) -> str:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
    text = body.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = text
    record = {"method": request.method, "path": request.url.path, "headers": headers, "body": parsed}
    return json.dumps(record, indent=2, ensure_ascii=False)


def build_app(options: ProxyOptions, http: httpx2.AsyncClient | None = None) -> Starlette:
    """The ASGI app. `http` is the client used upstream (injected in tests); one is made otherwise."""
    client = http or httpx2.AsyncClient(timeout=httpx2.Timeout(None, connect=30.0))
    log = None if options.body_log_dir is None else _BodyLog(options.body_log_dir)

    async def forward(request: Request) -> Response:
        body = await request.body()
        number = 0
        if log is not None:
            number = log.next_number()
            log.write(f"{number:06d}-request.json", _request_record(request, body))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
        headers["authorization"] = f"Bearer {options.api_key}"
        upstream_request = client.build_request("POST", options.upstream, content=body, headers=headers)
        try:
            upstream = await client.send(upstream_request, stream=True)
        except httpx2.HTTPError as exc:
            return PlainTextResponse(f"the upstream server cannot be reached: {type(exc).__name__}", status_code=502)

        async def relay() -> AsyncIterator[bytes]:
            seen: list[bytes] = []
            try:
                async for chunk in upstream.aiter_raw():
                    if log is not None:
                        seen.append(chunk)
                    yield chunk
            finally:
                await upstream.aclose()
                if log is not None:
                    head = f"HTTP {upstream.status_code}\n" + "".join(
                        f"{k}: {v}\n" for k, v in upstream.headers.items() if k.lower() != "set-cookie"
                    )
                    log.write(f"{number:06d}-response.txt", head + "\n" + b"".join(seen).decode("utf-8", "replace"))

        response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE}
        return StreamingResponse(relay(), status_code=upstream.status_code, headers=response_headers)

    async def refuse(request: Request) -> Response:
        return PlainTextResponse("only POST /v1/responses is forwarded", status_code=403)

    async def shutdown(request: Request) -> Response:
        if not options.http_shutdown:
            return await refuse(request)
        request.app.state.shutdown()
        return PlainTextResponse("shutting down")

    routes = [
        Route("/v1/responses", forward, methods=["POST"]),
        Route("/responses", forward, methods=["POST"]),
        Route("/shutdown", shutdown, methods=["GET"]),
        Route("/{rest:path}", refuse, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    ]
    app = Starlette(routes=routes)
    app.state.shutdown = lambda: None
    return app
