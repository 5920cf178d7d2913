"""python _netns_bridge.py PORT=SOCKET [PORT=SOCKET] -- CMD ARGS...: serve the proxy inside a network namespace.

Runs inside the sandbox (bubblewrap with its own network namespace, where only loopback exists). For each pair it
listens on 127.0.0.1:PORT and connects to the Unix SOCKET of the session's proxy (reachable because a socket is a
file). Then it forks: the child accepts connections and hands each accepted socket to the proxy over the Unix socket
(SCM_RIGHTS), so the proxy reads and writes the command's TCP connection itself and no byte is copied here; the
parent execs the command in its own place, so the command keeps the process id, the exit status and the signals
bubblewrap gives it. The listeners exist before the command starts, so its first connection cannot miss them. When
the command exits, bubblewrap's init ends and the kernel kills the child with the rest of the namespace.

Standard library only, started with `-I -S`: it must not import anything from the workspace.
"""

from __future__ import annotations

import os
import selectors
import socket
import sys


def _hand_over(pairs: list[tuple[socket.socket, socket.socket]]) -> None:
    """Accept on every listener forever and pass each connection to its proxy channel."""
    selector = selectors.DefaultSelector()
    for listener, channel in pairs:
        selector.register(listener, selectors.EVENT_READ, channel)
    while True:
        for key, _ in selector.select():
            listener = key.fileobj
            assert isinstance(listener, socket.socket)
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                try:
                    socket.send_fds(key.data, [b"c"], [conn.fileno()])
                except OSError:
                    os._exit(0)  # the proxy is gone: nothing more to serve


def main(argv: list[str]) -> int:
    if "--" not in argv:
        sys.stderr.write("usage: _netns_bridge.py PORT=SOCKET... -- CMD ARGS...\n")
        return 2
    split = argv.index("--")
    command = argv[split + 1 :]
    if not command:
        sys.stderr.write("_netns_bridge.py: missing command\n")
        return 2
    pairs: list[tuple[socket.socket, socket.socket]] = []
    for pair in argv[:split]:
        port, _, path = pair.partition("=")
        channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            channel.connect(path)
        except OSError as exc:
            sys.stderr.write(f"pycodex: the network proxy is not reachable ({exc.strerror}); no network\n")
            channel.close()
            continue
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(port)))
        listener.listen(256)
        pairs.append((listener, channel))
    if pairs and os.fork() == 0:  # the hand-over: it must not hold the command's output open or read its terminal
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        _hand_over(pairs)
    for listener, channel in pairs:
        listener.close()
        channel.close()
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"{command[0]}: {exc.strerror}\n")
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return 0  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
