"""python _netns_bridge.py PORT=SOCKET [PORT=SOCKET] -- CMD ARGS...: serve the proxy inside a network namespace.

Runs inside the sandbox (bubblewrap with its own network namespace, where only loopback exists). It listens on
127.0.0.1:PORT for each pair, forks a relay that connects every accepted connection to the Unix SOCKET (the
session's proxy, reachable because a socket is a file), and execs the command in its own place, so the command keeps
the process id, the exit status and the signals bubblewrap gives it. The listeners exist before the command starts,
so its first connection cannot miss them. When the command exits, bubblewrap's init ends and the kernel kills the
relay with the rest of the namespace.

Standard library only, started with `-I -S`: it must not import anything from the workspace.
"""

from __future__ import annotations

import os
import socket
import sys
import threading

_CHUNK = 256 * 1024


def _pump(src: socket.socket, dst: socket.socket) -> None:
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    try:
        while True:
            n = src.recv_into(buffer)
            if not n:
                break
            dst.sendall(view[:n])
    except OSError:
        pass
    finally:
        # Half-close so the other side sees the end of this direction, as a direct connection would.
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _relay(client: socket.socket, path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def _serve(listener: socket.socket, path: str) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            continue
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_relay, args=(client, path), daemon=True).start()


def main(argv: list[str]) -> int:
    if "--" not in argv:
        sys.stderr.write("usage: _netns_bridge.py PORT=SOCKET... -- CMD ARGS...\n")
        return 2
    split = argv.index("--")
    command = argv[split + 1 :]
    listeners: list[tuple[socket.socket, str]] = []
    for pair in argv[:split]:
        port, _, path = pair.partition("=")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(port)))
        listener.listen(128)
        listeners.append((listener, path))
    if not command:
        sys.stderr.write("_netns_bridge.py: missing command\n")
        return 2
    if os.fork() == 0:  # the relay: it must not hold the command's output open or read its terminal
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        for listener, path in listeners:
            threading.Thread(target=_serve, args=(listener, path), daemon=True).start()
        threading.Event().wait()
        os._exit(0)
    for listener, _ in listeners:
        listener.close()
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"{command[0]}: {exc.strerror}\n")
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return 0  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
