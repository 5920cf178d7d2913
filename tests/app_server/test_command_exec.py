"""`command/exec` over the app-server: stdout and stderr apart, Codex's per-stream output cap, and clear refusals of
what pycodex cannot do (a terminal) or what Codex refuses (contradictory limits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_server.client import stdio_server
from tests.app_server.codex_schema import CodexSchema
from tests.support.model_server import ScriptedModelServer

pytestmark = pytest.mark.anyio

BOTH = ["sh", "-c", "printf 'to stdout\\n'; printf 'to stderr\\n' >&2; exit 2"]


async def test_stdout_and_stderr_come_back_apart_each_cut_to_the_cap(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            ran = await client.call("command/exec", {"command": BOTH, "cwd": str(work)})
            assert ran == {"exitCode": 2, "stdout": "to stdout\n", "stderr": "to stderr\n"}
            capped = await client.call("command/exec", {"command": BOTH, "cwd": str(work), "outputBytesCap": 4})
            assert capped == {"exitCode": 2, "stdout": "to s", "stderr": "to s"}
            # More than the default cap (1 MiB) comes back whole when the cap is disabled.
            big = ["sh", "-c", "head -c 1100000 /dev/zero | tr '\\0' x"]
            whole = await client.call("command/exec", {"command": big, "cwd": str(work), "disableOutputCap": True})
            default = await client.call("command/exec", {"command": big, "cwd": str(work)})
            assert len(whole["stdout"]) == 1_100_000 and len(default["stdout"]) == 1024 * 1024
            # The sandbox still confines it: read-only by default here, so a write outside fails on stderr.
            denied = await client.call(
                "command/exec",
                {"command": ["sh", "-c", "touch made.txt"], "cwd": str(work), "sandboxPolicy": {"type": "readOnly"}},
            )
            assert denied["exitCode"] != 0 and "made.txt" in denied["stderr"] and denied["stdout"] == ""
            assert not (work / "made.txt").exists()
    client.assert_schema_clean()


REFUSED = [
    (
        {"outputBytesCap": 3, "disableOutputCap": True},
        "command/exec cannot set both outputBytesCap and disableOutputCap",
    ),
    ({"timeoutMs": 100, "disableTimeout": True}, "command/exec cannot set both timeoutMs and disableTimeout"),
    ({"size": {"rows": 10, "cols": 40}}, "command/exec size requires tty: true"),
    ({"tty": True, "size": {"rows": 10, "cols": 40}}, "tty, size not supported by pycodex"),
    ({"streamStdoutStderr": True, "processId": "p1"}, "streamStdoutStderr, processId not supported by pycodex"),
]


async def test_what_cannot_be_done_is_refused_with_a_clear_error(
    work: Path, codex_home: Path, codex_schema: CodexSchema | None
) -> None:
    with ScriptedModelServer([]) as model:
        async with stdio_server(model.base_url, cwd=work, codex_home=codex_home, schema=codex_schema) as (client, _):
            await client.initialize()
            for extra, message in REFUSED:
                refused = await client.request("command/exec", {"command": ["true"], "cwd": str(work), **extra})
                assert refused["error"]["code"] == -32602, extra
                assert message in refused["error"]["message"]
    client.assert_schema_clean()
