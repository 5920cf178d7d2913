"""The package's public names, and that importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import sandbox


def test_all_lists_every_public_name_and_each_resolves() -> None:
    assert sandbox.__all__ == sorted(sandbox.__all__)
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None, name


def test_the_cli_path_imports_neither_pydantic_nor_anyio() -> None:
    code = (
        "import sys; from sandbox import compose_env, confine_plan, detect, plan_for_mode;"
        "print(sorted(m for m in ('pydantic', 'anyio') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
