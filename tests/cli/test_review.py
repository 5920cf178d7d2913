"""`pycodex review` and `pycodex exec review` end to end: a real subprocess, real git, the loopback model server and
the real (read-only) sandbox."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.exec_harness import PYCODEX, REPO, ExecRun, provider_flags
from tests.support.model_server import ScriptedModelServer, Step, custom_tool_call, exec_call, message


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    _git(work, "config", "user.email", "dev@example.com")
    _git(work, "config", "user.name", "Dev")
    (work / "calc.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    _git(work, "add", "calc.py")
    _git(work, "commit", "-q", "-m", "add calc")
    return work


def run_review(
    steps: list[Step], args: list[str], *, cwd: Path, command: tuple[str, ...] = ("review",), stdin: str | None = None
) -> ExecRun:
    with ScriptedModelServer(steps) as server:
        env = {**os.environ, "MOCK_API_KEY": "sk-mock-123", "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [*PYCODEX, *command, *provider_flags(server.base_url), *args],
            cwd=cwd,
            env=env,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return ExecRun(proc.returncode, proc.stdout, proc.stderr, server.requests)


def finding(title: str, path: Path, priority: int, body: str = "It breaks.", start: int = 2) -> dict[str, Any]:
    return {
        "title": title,
        "body": body,
        "confidence_score": 0.8,
        "priority": priority,
        "code_location": {"absolute_file_path": str(path), "line_range": {"start": start, "end": start + 1}},
    }


def answer(findings: list[dict[str, Any]], explanation: str = "The change has a bug.") -> Step:
    verdict = "patch is incorrect" if any(f["priority"] <= 1 for f in findings) else "patch is correct"
    body = {
        "findings": findings,
        "overall_correctness": verdict,
        "overall_explanation": explanation,
        "overall_confidence_score": 0.7,
    }
    return {"items": [message(json.dumps(body))]}


def user_text(run: ExecRun) -> str:
    """Everything the reviewer's first request carried as user and developer text."""
    texts = [
        part.get("text", "")
        for item in run.requests[0].body["input"]
        if item.get("type") == "message"
        for part in item["content"]
    ]
    return "\n".join(texts)


def test_uncommitted_changes_reach_the_reviewer_and_a_p1_finding_exits_1(repo: Path) -> None:
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n", encoding="utf-8")
    (repo / "notes.txt").write_text("untracked remark\n", encoding="utf-8")
    calc = repo / "calc.py"
    run = run_review([answer([finding("[P1] Subtract is not add", calc, 1, "Line one.\nLine two.")])], [], cwd=repo)
    assert run.returncode == 1, run.stderr
    sent = user_text(run)
    assert "-    return a + b\n+    return a - b" in sent
    assert "untracked file notes.txt\nuntracked remark" in sent
    assert "# How to review a change" in sent  # our rubric, as developer instructions
    body = run.requests[0].body
    assert body["text"]["format"]["type"] == "json_schema"
    assert body["text"]["format"]["schema"]["required"][0] == "findings"
    assert run.stdout == (
        "The change has a bug.\n\nReview comment:\n\n"
        f"- [P1] Subtract is not add — {calc}:2-3\n  Line one.\n  Line two.\n"
    )
    assert "priority 0 or 1" in run.stderr


def test_exit_zero_and_json_findings(repo: Path) -> None:
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n", encoding="utf-8")
    calc = repo / "calc.py"
    findings = [finding("[P1] Wrong sign", calc, 1), finding("[P3] Name it", calc, 3, start=1)]
    run = run_review([answer(findings)], ["--uncommitted", "--json", "--exit-zero"], cwd=repo)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["target"] == {"type": "uncommittedChanges"}
    assert document["hint"] == "current changes"
    assert [f["title"] for f in document["findings"]] == ["[P1] Wrong sign", "[P3] Name it"]
    assert document["findings"][0]["code_location"] == {
        "absolute_file_path": str(calc),
        "line_range": {"start": 2, "end": 3},
    }
    assert document["overall_correctness"] == "patch is incorrect"
    assert document["blocking"] == 1
    assert document["rendered"].startswith("The change has a bug.\n\nFull review comments:\n\n- [P1] Wrong sign")


def test_base_branch_review_sends_the_merge_base_diff_and_low_priority_exits_0(repo: Path, tmp_path: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b + 0\n", encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "feature work")
    merge_base = _git(repo, "merge-base", "HEAD", "main").strip()
    out = tmp_path / "review.txt"
    calc = repo / "calc.py"
    run = run_review(
        [answer([finding("[P3] Pointless + 0", calc, 3)], "Fine overall.")],
        ["--base", "main", "-o", str(out), "focus on arithmetic"],
        cwd=repo,
    )
    assert run.returncode == 0, run.stderr
    sent = user_text(run)
    assert f"merge base is {merge_base}" in sent
    assert "+    return a + b + 0" in sent
    assert "focus on arithmetic" in sent
    assert run.stdout.startswith("Fine overall.\n\nReview comment:\n\n- [P3] Pointless + 0")
    assert out.read_text(encoding="utf-8") == run.stdout.rstrip("\n")


def test_commit_review_through_exec_review_with_exec_flags(repo: Path) -> None:
    (repo / "calc.py").write_text("def add(a, b):\n    return b + a\n", encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "swap operands")
    sha = _git(repo, "rev-parse", "HEAD").strip()
    run = run_review(
        [answer([], "Looks right.")],
        ["--commit", sha[:8], "--title", "swap operands", "-m", "review-model-x", "--json"],
        cwd=repo,
        command=("exec", "review"),
    )
    assert run.returncode == 0, run.stderr
    sent = user_text(run)
    assert f"Review commit {sha}" in sent
    assert "+    return b + a" in sent
    assert run.requests[0].body["model"] == "review-model-x"
    document = json.loads(run.stdout)
    assert document["target"] == {"type": "commit", "sha": sha, "title": "swap operands"}
    assert document["hint"] == f"commit {sha[:7]}: swap operands"
    assert document["findings"] == [] and document["rendered"] == "Looks right."


def test_review_model_config_chooses_the_model_unless_m_is_given(repo: Path) -> None:
    (repo / "calc.py").write_text("x = 1\n", encoding="utf-8")
    run = run_review([answer([], "ok")], ["-c", 'review_model="the-reviewer"'], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.requests[0].body["model"] == "the-reviewer"


def test_a_fenced_answer_with_words_around_it_is_parsed(repo: Path) -> None:
    (repo / "calc.py").write_text("x = 1\n", encoding="utf-8")
    body: dict[str, Any] = {
        "findings": [],
        "overall_correctness": "patch is correct",
        "overall_explanation": "All good.",
    }
    text = f"Here is my review:\n```json\n{json.dumps(body)}\n```\nThanks."
    run = run_review([{"items": [message(text)]}], [], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "All good.\n"


def test_a_garbage_answer_is_a_clear_error(repo: Path) -> None:
    (repo / "calc.py").write_text("x = 1\n", encoding="utf-8")
    run = run_review([{"items": [message("I think it is fine, ship it!")]}], ["--json"], cwd=repo)
    assert run.returncode == 1
    assert "the reviewer's answer is not the findings JSON" in run.stderr
    assert "I think it is fine, ship it!" in run.stderr
    document = json.loads(run.stdout)
    assert document["raw"] == "I think it is fine, ship it!"
    assert "not the findings JSON" in document["error"]


def test_the_reviewer_is_read_only_even_when_config_says_workspace_write(repo: Path) -> None:
    (repo / "calc.py").write_text("x = 1\n", encoding="utf-8")
    steps = [
        {"items": [exec_call("echo pwned > written.txt", "c1", login=False)]},
        answer([], "Nothing wrong."),
    ]
    args = ["-c", 'sandbox_mode="workspace-write"', "-c", 'approval_policy="on-request"']
    run = run_review(steps, args, cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "written.txt").exists()
    outputs = [str(i["output"]) for i in run.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert "Read-only file system" in outputs[0]
    assert "Sandbox mode: read-only" in user_text(run)


def test_the_reviewer_cannot_apply_a_patch_even_under_danger_full_access_config(repo: Path) -> None:
    (repo / "calc.py").write_text("x = 1\n", encoding="utf-8")
    patch = "*** Begin Patch\n*** Add File: planted.txt\n+hello\n*** End Patch\n"
    steps = [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, answer([], "Nothing wrong.")]
    run = run_review(steps, ["-c", 'sandbox_mode="danger-full-access"', "-c", 'approval_policy="never"'], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert not (repo / "planted.txt").exists()
    outputs = [str(i["output"]) for i in run.requests[1].body["input"] if i.get("type") == "custom_tool_call_output"]
    assert "read-only sandbox" in outputs[0]


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--uncommitted", "--base", "main"], "choose one review target; got --uncommitted and --base"),
        (["--title", "t"], "--title names a commit's title; it needs --commit SHA"),
        (["--base", "no-such-branch"], "no branch or commit named `no-such-branch`"),
        (["--commit", "deadbeef"], "no commit `deadbeef`"),
    ],
)
def test_usage_errors_exit_2_before_any_model_call(repo: Path, args: list[str], why: str) -> None:
    run = run_review([], args, cwd=repo)
    assert run.returncode == 2, run.stderr
    assert why in run.stderr
    assert run.requests == []


def test_no_changes_means_nothing_to_review_and_exit_0(repo: Path) -> None:
    run = run_review([], ["--json"], cwd=repo)
    assert run.returncode == 0, run.stderr
    assert "Nothing to review" in run.stderr
    assert json.loads(run.stdout)["findings"] == []
    assert run.requests == []


def test_a_custom_prompt_from_stdin_is_the_whole_request(repo: Path) -> None:
    run = run_review([answer([], "Reviewed the README.")], ["-"], cwd=repo, stdin="Check calc.py for overflow\n")
    assert run.returncode == 0, run.stderr
    assert "Check calc.py for overflow" in user_text(run)
    assert "<diff>" not in user_text(run)
    assert run.stdout == "Reviewed the README.\n"
