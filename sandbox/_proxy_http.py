"""The HTTP side of the proxy: CONNECT tunnels and plain `http://` requests, read with h11, then relayed as bytes.

A plain request is forwarded in origin form with the hop-by-hop headers dropped and `Connection: close`, its body
re-framed by h11; the response is relayed untouched until the server closes, and then the client's connection is
closed too, so every request on it has passed the policy. A refusal is a 403 with Codex's `x-proxy-error` header and
a plain-text body that says which rule refused it.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

import anyio
import h11

from ._netpolicy import Blocked, Gate, Protocol
from ._relay import Conn, connect, relay

CHUNK = 256 * 1024
ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"
MAX_HEAD = 64 * 1024
HEAD_TIMEOUT_S = 30.0
_HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"proxy-connection",
    b"te",
    b"trailer",
    b"upgrade",
}


def error_response(status: int, reason: str, body: str, *, proxy_error: str | None = None) -> bytes:
    """A complete `Connection: close` response with a plain-text body."""
    data = (body + "\n").encode()
    head = [f"HTTP/1.1 {status} {reason}", "content-type: text/plain; charset=utf-8"]
    if proxy_error is not None:
        head.append(f"x-proxy-error: {proxy_error}")
    head += [f"content-length: {len(data)}", "connection: close", "", ""]
    return "\r\n".join(head).encode("latin-1") + data


def refusal(blocked: Blocked) -> bytes:
    """The 403 for a request the policy refused."""
    return error_response(403, "Forbidden", blocked.message, proxy_error=blocked.code)


async def _next(conn: h11.Connection, stream: Conn) -> h11.Event | type[h11.PAUSED]:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event  # pyright: ignore[reportReturnType]
        conn.receive_data(await stream.recv(CHUNK))


def _host_port(authority: str, default: int) -> tuple[str, int]:
    parts = urlsplit(f"//{authority}")
    host = parts.hostname or ""
    return host, parts.port or default


async def _connect(proxy: Gate, client: Conn, protocol: Protocol, method: str, host: str, port: int) -> Conn | None:
    address, blocked = await proxy.admit(protocol, method, host, port)
    if blocked is not None:
        await client.send_all(refusal(blocked))
        return None
    try:
        return await connect(address, port)
    except (OSError, TimeoutError) as exc:
        why = exc.strerror or "timed out"
        await client.send_all(error_response(502, "Bad Gateway", f"cannot connect to {host}:{port}: {why}"))
        return None


async def handle_http(proxy: Gate, client: Conn) -> None:
    """Serve one client connection of the HTTP proxy."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
    try:
        with anyio.fail_after(HEAD_TIMEOUT_S):
            event = await _next(conn, client)
    except h11.RemoteProtocolError as exc:
        await client.send_all(error_response(400, "Bad Request", f"malformed request: {exc}"))
        return
    if not isinstance(event, h11.Request):
        return
    method = event.method.decode("ascii", "replace").upper()
    target = event.target.decode("latin-1")
    if method == "CONNECT":
        host, port = _host_port(target, 443)
        upstream = await _connect(proxy, client, "https", method, host, port)
        if upstream is None:
            return
        try:
            early, _ = conn.trailing_data
            await relay([(client, upstream, bytes(early)), (upstream, client, ESTABLISHED)])
        finally:
            upstream.close()
        return
    url = urlsplit(target)
    if url.scheme.lower() != "http" or not url.hostname:
        await client.send_all(
            error_response(400, "Bad Request", "this is a proxy: send absolute http:// URLs or CONNECT host:port")
        )
        return
    upstream = await _connect(proxy, client, "http", method, url.hostname, url.port or 80)
    if upstream is None:
        return
    try:
        await _forward(conn, event, url, client, upstream)
    finally:
        upstream.close()


async def _forward(
    conn: h11.Connection,
    request: h11.Request,
    url: SplitResult,
    client: Conn,
    upstream: Conn,
) -> None:
    out = h11.Connection(h11.CLIENT)
    # The Host header is the URL's authority, whatever the client sent: the server at the checked address must not
    # be asked for another site it also serves (domain fronting).
    authority = url.netloc.rsplit("@", 1)[-1].encode("latin-1")
    headers = [(k, v) for k, v in request.headers if k.lower() not in _HOP_BY_HOP and k.lower() != b"host"]
    headers[:0] = [(b"host", authority)]
    headers.append((b"connection", b"close"))
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    await upstream.send_all(out.send(h11.Request(method=request.method, target=target, headers=headers)) or b"")

    async def body() -> None:
        while True:
            event = await _next(conn, client)
            if isinstance(event, h11.Data):
                await upstream.send_all(out.send(event) or b"")
            elif isinstance(event, h11.EndOfMessage):
                await upstream.send_all(out.send(h11.EndOfMessage()) or b"")
                return
            else:
                return

    async with anyio.create_task_group() as tg:
        # The body is sent while the response already flows back (`Expect: 100-continue` needs both at once).
        tg.start_soon(body)
        await relay([(upstream, client, b"")])
        tg.cancel_scope.cancel()
