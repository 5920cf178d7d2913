"""`pycodex responses-api-proxy`: forward Responses API requests with the API key added (held in memory only)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

HELP = (
    "Run a reverse proxy for the Responses API that adds your API key, so that an agent (or a CI job) can reach "
    "the model without ever seeing the key. The key is read from stdin (or --api-key-file) and kept in memory only. "
    "Only POST /v1/responses is forwarded."
)


def _parse_listen(listen: str, port: int | None) -> tuple[str, int]:
    host, _, port_text = listen.rpartition(":")
    if not host:
        host, port_text = listen, "0"
    host = host.strip("[]")
    try:
        chosen = int(port_text)
    except ValueError:
        sys.stderr.write(f"Error: --listen must be HOST:PORT, got {listen!r}\n")
        raise typer.Exit(2) from None
    return host, port if port is not None else chosen


def _read_key(api_key_file: Path | None) -> str:
    if api_key_file is not None:
        try:
            key = api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            sys.stderr.write(f"Error: cannot read --api-key-file {api_key_file}: {exc.strerror}\n")
            raise typer.Exit(1) from None
    elif sys.stdin.isatty():
        sys.stderr.write(
            "Error: pipe the API key on stdin (e.g. `printenv OPENAI_API_KEY | pycodex responses-api-proxy`)"
            " or use --api-key-file\n"
        )
        raise typer.Exit(2)
    else:
        key = sys.stdin.readline().strip()
    if not key:
        sys.stderr.write("Error: no API key was given (stdin or --api-key-file was empty)\n")
        raise typer.Exit(1)
    return key


def register(app: typer.Typer) -> None:
    """Add `responses-api-proxy` to `app`."""

    @app.command("responses-api-proxy", help=HELP)
    def responses_api_proxy(  # pyright: ignore[reportUnusedFunction]
        listen: Annotated[
            str, typer.Option("--listen", help="HOST:PORT to listen on (port 0: any free port).")
        ] = "127.0.0.1:0",
        port: Annotated[int | None, typer.Option("--port", help="Port to listen on (Codex's flag).")] = None,
        upstream: Annotated[
            str, typer.Option("--upstream", "--upstream-url", help="Absolute URL requests are forwarded to.")
        ] = "https://api.openai.com/v1/responses",
        api_key_file: Annotated[
            Path | None, typer.Option("--api-key-file", help="Read the key from this file instead of stdin.")
        ] = None,
        body_log_dir: Annotated[
            Path | None,
            typer.Option("--body-log-dir", "--dump-dir", help="Write each request and response here, redacted."),
        ] = None,
        server_info: Annotated[
            Path | None, typer.Option("--server-info", help='Write {"port": N, "pid": N} to this file once listening.')
        ] = None,
        http_shutdown: Annotated[bool, typer.Option("--http-shutdown", help="Stop on GET /shutdown.")] = False,
    ) -> None:
        from urllib.parse import urlsplit

        import anyio

        from responses_api_proxy import ProxyOptions, serve

        if urlsplit(upstream).scheme not in ("http", "https") or not urlsplit(upstream).netloc:
            sys.stderr.write(f"Error: --upstream must be an absolute http(s) URL, got {upstream!r}\n")
            raise typer.Exit(2)
        host, chosen_port = _parse_listen(listen, port)
        options = ProxyOptions(
            api_key=_read_key(api_key_file), upstream=upstream, body_log_dir=body_log_dir, http_shutdown=http_shutdown
        )
        try:
            anyio.run(serve, options, host, chosen_port, server_info)
        except OSError as exc:
            sys.stderr.write(f"Error: cannot listen on {host}:{chosen_port}: {exc.strerror or exc}\n")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
