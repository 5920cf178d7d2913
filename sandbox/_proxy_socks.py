"""The SOCKS5 side of the proxy (RFC 1928): CONNECT only, no authentication, filtered by the requested host.

A refused request gets reply 0x02 ("connection not allowed by ruleset"); UDP ASSOCIATE and BIND get 0x07 ("command
not supported"). The reason is logged and kept with the proxy's decisions, which the session shows the model.
"""

from __future__ import annotations

import ipaddress

import anyio

from ._netpolicy import Gate
from ._relay import Conn, connect, relay

_VERSION = 5
_NO_AUTH = 0
_NO_ACCEPTABLE = 0xFF
_CMD_CONNECT = 1
_ATYP_IPV4, _ATYP_DOMAIN, _ATYP_IPV6 = 1, 3, 4
REP_OK, REP_FAILURE, REP_NOT_ALLOWED, REP_REFUSED, REP_UNSUPPORTED_CMD, REP_UNSUPPORTED_ATYP = 0, 1, 2, 5, 7, 8
HANDSHAKE_TIMEOUT_S = 30.0


def _reply(code: int) -> bytes:
    return bytes([_VERSION, code, 0, _ATYP_IPV4, 0, 0, 0, 0, 0, 0])


class _Reader:
    """Exact reads from a connection, keeping what arrived beyond them."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn
        self.buffer = b""

    async def receive_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            data = await self._conn.recv(65536)
            if not data:
                raise anyio.IncompleteRead
            self.buffer += data
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out


async def _read_target(reader: _Reader) -> tuple[int, str, int] | None:
    """(command, host, port) of the request, or None when its address type is unknown."""
    version, command, _, atyp = await reader.receive_exactly(4)
    if version != _VERSION:
        return None
    if atyp == _ATYP_IPV4:
        host = str(ipaddress.IPv4Address(await reader.receive_exactly(4)))
    elif atyp == _ATYP_IPV6:
        host = str(ipaddress.IPv6Address(await reader.receive_exactly(16)))
    elif atyp == _ATYP_DOMAIN:
        (length,) = await reader.receive_exactly(1)
        host = (await reader.receive_exactly(length)).decode("ascii", "replace")
    else:
        return None
    port = int.from_bytes(await reader.receive_exactly(2), "big")
    return command, host, port


async def handle_socks(proxy: Gate, client: Conn) -> None:
    """Serve one SOCKS5 client connection."""
    reader = _Reader(client)
    with anyio.fail_after(HANDSHAKE_TIMEOUT_S):
        version, count = await reader.receive_exactly(2)
        methods = await reader.receive_exactly(count)
        if version != _VERSION or _NO_AUTH not in methods:
            await client.send_all(bytes([_VERSION, _NO_ACCEPTABLE]))
            return
        await client.send_all(bytes([_VERSION, _NO_AUTH]))
        target = await _read_target(reader)
    if target is None:
        await client.send_all(_reply(REP_UNSUPPORTED_ATYP))
        return
    command, host, port = target
    if command != _CMD_CONNECT:
        await client.send_all(_reply(REP_UNSUPPORTED_CMD))
        return
    address, blocked = await proxy.admit("socks5", "CONNECT", host, port)
    if blocked is not None:
        await client.send_all(_reply(REP_NOT_ALLOWED))
        return
    try:
        upstream = await connect(address, port)
    except (OSError, TimeoutError):
        await client.send_all(_reply(REP_REFUSED))
        return
    try:
        await relay([(client, upstream, reader.buffer), (upstream, client, _reply(REP_OK))])
    finally:
        upstream.close()
