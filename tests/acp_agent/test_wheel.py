"""`pycodex acp` from a built wheel, as a user who installs it gets it: the wheel is built from this tree and
installed (without dependencies) into a fresh virtualenv; the dependencies come from the shared venv's
site-packages through a `.pth` line (which adds the folder only: its own `.pth` files, among them the editable
install of pycodex, are not run). Offline: nothing is fetched."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_pycodex_acp_from_an_installed_wheel_answers_initialize_and_opens_a_session(tmp_path: Path) -> None:
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, REPO)
    [wheel] = dist.glob("pycodex-*.whl")
    # Nothing of this tree on the path from here on (with it, pip would find the build's egg-info and skip).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"CODEX_HOME": str(tmp_path / "home"), "MOCK_API_KEY": "sk-mock"}
    (tmp_path / "home").mkdir()
    _run(sys.executable, "-m", "venv", "--without-pip", venv, env=env, cwd=work)
    python = venv / "bin" / "python"
    # The wheel goes into the new venv (pip of the shared venv, told which interpreter to install for).
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel]
    _run(*pip, env=env, cwd=work)
    venv_site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", env=env).strip())
    assert (venv_site / "acp_agent" / "_front.py").is_file()
    (venv_site / "shared_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    where = _run(
        python, "-c", "import acp_agent, agent, acp; print(acp_agent.__file__, agent.__file__)", env=env, cwd=work
    )
    assert all(path.startswith(str(venv_site)) for path in where.split()), where

    provider = 'model_providers.mock={name="mock", base_url="http://127.0.0.1:9/v1", env_key="MOCK_API_KEY"}'
    lines: list[dict[str, object]] = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": 1}},
        {"jsonrpc": "2.0", "id": 2, "method": "session/new", "params": {"cwd": str(work), "mcpServers": []}},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    done = subprocess.run(
        [str(venv / "bin" / "pycodex"), "acp", "-c", provider, "-c", "model_provider=mock"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=work,
    )
    assert done.returncode == 0, done.stderr
    answers = {a["id"]: a for a in map(json.loads, done.stdout.splitlines()) if "id" in a}
    assert answers[1]["result"]["agentInfo"]["name"] == "pycodex"
    assert answers[1]["result"]["agentInfo"]["version"] == wheel.name.split("-")[1]
    assert answers[2]["result"]["sessionId"]
