"""`pycodex responses-api-proxy` as a subprocess in front of the scripted model server: a streamed response comes
back whole, the key is added upstream and never written, everything but POST /v1/responses is refused."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

import responses_api_proxy
from tests.cli.exec_harness import PYCODEX, REPO
from tests.support.model_server import ScriptedModelServer, message

KEY = "sk-proxy-" + "Q9w" * 10


def test_the_public_names_are_a_decision() -> None:
    assert responses_api_proxy.__all__ == ["ProxyOptions", "build_app", "serve"]


@pytest.fixture
def upstream() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer([{"items": [message("proxied answer")]}]) as server:
        yield server


def _start(args: list[str], key: str | None) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [*PYCODEX, "responses-api-proxy", *args],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    if key is not None:
        proc.stdin.write(key + "\n")
    proc.stdin.close()
    return proc, proc.stdout.readline().strip()


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    proc.wait(timeout=30)
    assert proc.stdout is not None and proc.stderr is not None
    with proc.stdout, proc.stderr:
        return proc.stdout.read() + proc.stderr.read()


def test_a_streamed_response_is_forwarded_with_the_key_added_and_the_key_is_never_written(
    upstream: ScriptedModelServer, tmp_path: Path
) -> None:
    logs = tmp_path / "bodies"
    proc, url = _start(["--upstream", f"{upstream.base_url}/responses", "--body-log-dir", str(logs)], KEY)
    try:
        assert url.startswith("http://127.0.0.1:")
        body = {"model": "m", "input": "my db_password: hunter2hunter2", "stream": True}
        with (
            httpx2.Client(timeout=30) as client,
            client.stream(
                "POST", f"{url}/v1/responses", json=body, headers={"authorization": "Bearer not-the-key"}
            ) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
        refused = httpx2.get(f"{url}/v1/models", timeout=30)
    finally:
        output = _stop(proc)
    assert events[-1]["type"] == "response.completed"
    assert any(e.get("item", {}).get("content", [{}])[0].get("text") == "proxied answer" for e in events)
    [seen] = upstream.requests
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.body == body
    assert refused.status_code == 403
    assert KEY not in output
    written = sorted(p.name for p in logs.iterdir())
    assert written == ["000001-request.json", "000001-response.txt"]
    for path in logs.iterdir():
        text = path.read_text(encoding="utf-8")
        assert KEY not in text and "not-the-key" not in text and "hunter2hunter2" not in text
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "[REDACTED_SECRET]" in (logs / "000001-request.json").read_text(encoding="utf-8")
    assert "proxied answer" in (logs / "000001-response.txt").read_text(encoding="utf-8")


def test_the_key_can_come_from_a_file_and_codexs_server_info_is_written(
    upstream: ScriptedModelServer, tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    info = tmp_path / "info.json"
    proc, url = _start(
        [
            "--upstream-url",
            f"{upstream.base_url}/responses",
            "--api-key-file",
            str(key_file),
            "--server-info",
            str(info),
        ],
        None,
    )
    try:
        answer = httpx2.post(f"{url}/v1/responses", json={"model": "m", "input": "hi"}, timeout=30)
    finally:
        _stop(proc)
    assert answer.status_code == 200
    assert upstream.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(info.read_text(encoding="utf-8"))["port"] == int(url.rsplit(":", 1)[1])


def test_no_key_is_an_error_before_listening(tmp_path: Path) -> None:
    proc, first_line = _start(["--upstream", "http://127.0.0.1:9/v1/responses"], "")
    assert first_line == ""
    assert proc.wait(timeout=30) == 1
    assert "no API key" in _stop(proc)
