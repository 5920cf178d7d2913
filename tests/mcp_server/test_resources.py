"""The server's resources stay bounded over many calls (issue 14, item 9): an idle thread holds no open file, the
least recently used idle threads are closed beyond `--max-idle-threads`, and a closed one is resumed on codex-reply.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest

from tests.support.model_server import ScriptedModelServer, message

from .harness import git_repo, raw_server, write_provider

pytestmark = pytest.mark.anyio

CALLS = 50


def _open_files(pid: int) -> list[str]:
    names: list[str] = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            names.append(os.readlink(fd))
        except OSError:  # closed while we looked
            continue
    return names


@pytest.mark.slow
@pytest.mark.timeout(600)  # 50 sessions: ~30 s on an idle machine, minutes on a loaded one
async def test_fifty_calls_leave_the_descriptor_count_flat_and_evicted_threads_resume(
    codex_home: Path, tmp_path: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    with ScriptedModelServer([{"items": [message("done")], "repeat": True}]) as model:
        write_provider(codex_home, model.base_url)
        async with raw_server(codex_home, "--max-idle-threads", "5", cwd=repo) as server:
            pid = server.process.pid
            with anyio.fail_after(300):
                await server.initialize()
                counts: list[int] = []
                thread_ids: list[str] = []
                for call in range(CALLS):
                    arguments = {"prompt": f"call {call}", "sandbox": "read-only", "approval-policy": "never"}
                    await server.send(
                        {"id": call + 1, "method": "tools/call", "params": {"name": "codex", "arguments": arguments}}
                    )
                    result = (await server.answer_to(call + 1))["result"]
                    assert result["structuredContent"]["content"] == "done", result
                    thread_ids.append(result["structuredContent"]["threadId"])
                    counts.append(len(_open_files(pid)))
                # Idle threads keep no session file open: no rollout, no lock.
                held = [name for name in _open_files(pid) if "rollout-" in name]
                assert held == []
                # The first thread was closed long ago (only 5 idle ones are kept): codex-reply resumes it.
                reply = {"threadId": thread_ids[0], "prompt": "and once more"}
                await server.send(
                    {"id": 1000, "method": "tools/call", "params": {"name": "codex-reply", "arguments": reply}}
                )
                resumed = (await server.answer_to(1000))["result"]
    assert resumed["structuredContent"] == {"threadId": thread_ids[0], "content": "done"}, resumed
    # After a warm-up (imports, the first connections), 40 more threads add no descriptor (a closing thread's
    # sockets may linger for a moment). Before the fix each thread kept two: +80.
    assert counts[-1] <= counts[9] + 2, counts
    assert max(counts) <= counts[9] + 10, counts
    assert len(set(thread_ids)) == CALLS
    assert "call 0" in str(model.requests[-1].body["input"])  # the resumed thread kept its history


def test_out_of_descriptors_the_http_server_backs_off_quietly_and_recovers(codex_home: Path, tmp_path: Path) -> None:
    import resource
    import socket
    import subprocess
    import time

    import httpx2

    from .harness import PYCODEX, REPO, server_env

    limit = 64

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    err_path = tmp_path / "stderr.txt"
    with err_path.open("wb") as err:
        process = subprocess.Popen(
            [*PYCODEX, "mcp-server", "--listen", "http://127.0.0.1:0"],
            env={**os.environ, **server_env(codex_home)},
            cwd=str(REPO),
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=few_files,
        )
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while "listening on " not in err_path.read_text(encoding="utf-8"):  # another process: no event to wait on
            assert time.monotonic() < deadline and process.poll() is None, err_path.read_text(encoding="utf-8")
            time.sleep(0.05)
        url = err_path.read_text(encoding="utf-8").split("listening on ", 1)[1].split()[0]
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        # More connections than the server has descriptors: the kernel queues them, the server's accepts fail.
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(limit + 16)]
        before = err_path.stat().st_size
        time.sleep(3)  # the failure mode was output: 3 s of it is the measurement
        grown = err_path.stat().st_size - before
        assert process.poll() is None
        assert grown < 2_000, err_path.read_text(encoding="utf-8")[-2_000:]
        for sock in held:
            sock.close()
        held = []
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
        headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        answer = httpx2.post(url, json=body, headers=headers, timeout=30)
        assert answer.status_code == 200
    finally:
        for sock in held:
            sock.close()
        process.terminate()
        process.wait(timeout=30)
