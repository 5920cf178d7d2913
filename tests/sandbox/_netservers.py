"""Real loopback HTTP and HTTPS servers for the network-policy tests, and a tiny package index for pip.

Each server says who it is in every answer (`hello from NAME`), echoes the size of a POST body, and serves a PEP 503
index with one wheel under /simple/. The HTTPS server's certificate is made with `openssl` for the test host names.
"""

from __future__ import annotations

import hashlib
import io
import ssl
import subprocess
import threading
import zipfile
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WHEEL_NAME = "tinypkg-1.0-py3-none-any.whl"


def build_wheel() -> bytes:
    """A minimal valid wheel for `tinypkg` 1.0."""
    files = {
        "tinypkg/__init__.py": b"VALUE = 1\n",
        "tinypkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
        "tinypkg-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in files) + "tinypkg-1.0.dist-info/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("tinypkg-1.0.dist-info/RECORD", record)
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    @property
    def site(self) -> _Server:
        assert isinstance(self.server, _Server)
        return self.server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.site.hits.append((self.command, self.path))
        wheel = self.site.wheel
        if self.path.rstrip("/") == "/simple/tinypkg":
            digest = hashlib.sha256(wheel).hexdigest()
            link = f'<a href="/files/{WHEEL_NAME}#sha256={digest}">{WHEEL_NAME}</a>'
            self._send(f"<html><body>{link}</body></html>".encode(), "text/html")
        elif self.path == f"/files/{WHEEL_NAME}":
            self._send(wheel, "application/octet-stream")
        elif self.path == "/host":
            self._send(f"host {self.headers.get('host')}\n".encode())
        elif self.path.startswith("/bytes/"):
            self._send(b"x" * int(self.path.removeprefix("/bytes/")), "application/octet-stream")
        else:
            self._send(f"hello from {self.site.name}\n".encode())

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self.site.hits.append((self.command, self.path))
        length = int(self.headers.get("content-length", "0"))
        self._send(f"{self.site.name} got {len(self.rfile.read(length))} bytes\n".encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str, wheel: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.name = name
        self.wheel = wheel
        self.hits: list[tuple[str, str]] = []


@dataclass
class Served:
    """A running server: its port and the requests it has seen."""

    server: _Server

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def hits(self) -> list[tuple[str, str]]:
        return self.server.hits


def make_cert(directory: Path, names: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate (and key) valid for `names`."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = ",".join(f"DNS:{n}" for n in names)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={names[0]}"]
        + ["-addext", f"subjectAltName={san}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@contextmanager
def serve(name: str, *, tls: tuple[Path, Path] | None = None) -> Generator[Served]:
    """Run a server named `name` on an ephemeral loopback port (HTTPS with `tls` = (cert, key))."""
    server = _Server(name, build_wheel())
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Served(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
