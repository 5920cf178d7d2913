"""`pycodex skills list` as a subprocess: skills from the project, CODEX_HOME and the system folder, a skipped one
reported on standard error, JSON output, and the example skill shipped in examples/skills."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path, codex_home: Path) -> Path:
    work = tmp_path / "repo"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    skill = work / ".agents/skills/commit-message"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_bytes((ROOT / "examples/skills/commit-message/SKILL.md").read_bytes())
    (codex_home / "skills/bad").mkdir(parents=True)
    (codex_home / "skills/bad/SKILL.md").write_text("---\nname: bad\n---\nNo description.\n")
    system = tmp_path / "etc"
    (system / "skills/policy").mkdir(parents=True)
    (system / "skills/policy/SKILL.md").write_text("---\nname: policy\ndescription: Review rules.\n---\n")
    return work


def skills_list(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(repo.parent / "home"),
        "PYCODEX_SYSTEM_CONFIG_DIR": str(repo.parent / "etc"),
    }
    return subprocess.run(
        [sys.executable, "-m", "cli", "skills", "list", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_skills_list_prints_each_skill_with_scope_and_reports_the_skipped_one(repo: Path, codex_home: Path) -> None:
    result = skills_list(repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "commit-message [repo]",
        "  Commit messages in the repository's style",
        f"  {repo / '.agents/skills/commit-message/SKILL.md'}",
        "policy [admin]",
        "  Review rules.",
        f"  {repo.parent / 'etc/skills/policy/SKILL.md'}",
    ]
    bad = codex_home / "skills/bad/SKILL.md"
    assert result.stderr == (
        f"warning: Skipped a skill: {bad} (field `description`): missing field `description` in the frontmatter\n"
    )


def test_skills_list_json_shows_disabled_skills_too(repo: Path) -> None:
    path = repo / ".agents/skills/commit-message/SKILL.md"
    result = skills_list(repo, "--json", "-c", f'skills.config=[{{path="{path}", enabled=false}}]')
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "name": "commit-message",
        "description": (
            "Write a commit message for the staged changes, in the repository's own style. Use when asked to "
            "commit, or to suggest or improve a commit message."
        ),
        "shortDescription": "Commit messages in the repository's style",
        "path": str(path),
        "scope": "repo",
        "enabled": False,
    }
    assert [(r["name"], r["scope"], r["enabled"]) for r in rows[1:]] == [("policy", "admin", True)]
