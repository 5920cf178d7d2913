"""The small parts: diffs, fuzzy file search, prompt history, slash parsing, formatting, context left."""

from __future__ import annotations

from pathlib import Path

from agent.protocol import FileChange, TokenUsage, TokenUsageInfo
from tui._diff import change_diff, diff_stats, render_diff, split_git_diff
from tui._file_search import fuzzy_score, list_workspace_files, search_files
from tui._format import command_text, display_path, duration_text, tokens_text
from tui._prompt_history import PromptHistory
from tui._slash import complete_slash, parse_slash
from tui._status_bar import context_left_percent, context_text

DIFF = """diff --git a/a.py b/a.py
index 1..2 100644
--- a/a.py
+++ b/a.py
@@ -9,3 +9,3 @@ def f():
 keep
-old
+new
@@ -20 +20,2 @@
 same
+added
"""


def test_a_diff_is_drawn_with_the_line_numbers_of_each_side() -> None:
    assert render_diff(DIFF).plain.splitlines() == [
        " 9  keep",
        "10 -old",
        "10 +new",
        "   ⋮",
        "20  same",
        "21 +added",
    ]
    assert diff_stats(DIFF).added == 2 and diff_stats(DIFF).removed == 1


def test_a_long_diff_is_cut_with_a_count_of_the_rest() -> None:
    text = render_diff(DIFF, max_lines=2).plain
    assert text.splitlines()[-1] == "   … 3 more lines"


def test_added_and_deleted_files_become_one_sided_hunks() -> None:
    assert change_diff(FileChange(type="add", content="a\nb\n")) == "@@ -0,0 +1,2 @@\n+a\n+b\n"
    assert change_diff(FileChange(type="delete", content="x\n")) == "@@ -1,1 +0,0 @@\n-x\n"


def test_a_git_diff_splits_per_file() -> None:
    two = DIFF + DIFF.replace("a.py", "b/c.py")
    assert [path for path, _ in split_git_diff(two)] == ["a.py", "b/c.py"]


def test_fuzzy_search_prefers_file_names_and_word_starts() -> None:
    files = ["docs/session_notes.md", "src/sessions/store.py", "src/pkg/session_store.py", "tests/test_x.py"]
    assert [m.path for m in search_files(files, "sestore")][:2] == ["src/pkg/session_store.py", "src/sessions/store.py"]
    assert fuzzy_score("zz", "src/pkg/session_store.py") is None
    assert search_files(files, "")[0].path == "tests/test_x.py"


def test_workspace_files_outside_git_skip_hidden_and_dependency_folders(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "i.js").write_text("")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h").write_text("")
    (tmp_path / "top.txt").write_text("")
    assert list_workspace_files(tmp_path) == ["top.txt", "src/a.py"]


def test_history_walks_back_and_returns_the_draft() -> None:
    history = PromptHistory(["a", "b"])
    assert history.older("draft") == "b"
    assert history.older("b") == "a"
    assert history.older("a") is None
    assert history.newer() == "b"
    assert history.newer() == "draft"
    assert history.newer() is None


def test_history_skips_repeats_and_blank_prompts() -> None:
    history = PromptHistory()
    for text in ["a", "a", "  ", "b"]:
        history.add(text)
    assert history.entries == ["a", "b"]


def test_history_search_finds_newest_first_then_older() -> None:
    history = PromptHistory(["run tests", "fix it", "Run lint"])
    assert history.search("run") == 2
    assert history.search("run", before=2) == 0
    assert history.search("run", before=0) is None
    assert history.search("") is None


def test_slash_commands_parse_with_arguments_aliases_and_unknown_names() -> None:
    parsed = parse_slash("/model gpt-5 high")
    assert parsed is not None and not isinstance(parsed, str)
    assert (parsed[0].name, parsed[1]) == ("model", "gpt-5 high")
    exit_alias = parse_slash("/exit")
    assert exit_alias is not None and not isinstance(exit_alias, str) and exit_alias[0].name == "quit"
    assert parse_slash("/nope") == "nope"
    assert parse_slash("/usr/bin/env is a path") is None
    assert parse_slash("plain text") is None
    assert [c.name for c in complete_slash("re")] == ["resume", "review"]
    assert "approvals" in [c.name for c in complete_slash("pp")]


def test_commands_durations_tokens_and_paths_read_naturally() -> None:
    assert command_text(("/bin/bash", "-lc", "ls -la")) == "ls -la"
    assert command_text(("git", "commit", "-m", "a b")) == "git commit -m 'a b'"
    assert [duration_text(ms) for ms in (12, 4200, 185_000, 3_720_000)] == ["12 ms", "4.2 s", "3m 05s", "1h 02m"]
    assert [tokens_text(n) for n in (950, 12_300, 2_000_000)] == ["950", "12.3K", "2M"]
    assert display_path("/w/src/a.py", Path("/w")) == "src/a.py"
    assert display_path("/elsewhere/a.py", Path("/w")) == "/elsewhere/a.py"


def test_context_left_leaves_out_the_fixed_baseline() -> None:
    assert context_left_percent(12_000, 112_000) == 100
    assert context_left_percent(62_000, 112_000) == 50
    assert context_left_percent(500_000, 112_000) == 0
    usage = TokenUsage(total_tokens=62_000)
    info = TokenUsageInfo(total_token_usage=usage, last_token_usage=usage, model_context_window=112_000)
    assert context_text(info, None) == "50% context left"
    no_window = TokenUsageInfo(total_token_usage=usage, last_token_usage=usage)
    assert context_text(no_window, None) == "62K tokens used"
    assert context_text(None, 200_000) == "100% context left"
