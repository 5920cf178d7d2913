"""fuzzyFileSearch: files under the roots whose path contains the query's characters in order, best first."""

from __future__ import annotations

import os
from typing import Any

_SKIP = {".git", "node_modules", ".venv", "__pycache__", ".hg", ".svn", "target"}
_MAX_FILES = 50_000
_MAX_RESULTS = 50


def _match(query: str, path: str) -> tuple[int, list[int]] | None:
    """A score (higher is better) and the matched indices, or None when `query` is not a subsequence of `path`."""
    lowered = path.lower()
    indices: list[int] = []
    position = 0
    for char in query.lower():
        found = lowered.find(char, position)
        if found < 0:
            return None
        indices.append(found)
        position = found + 1
    name_start = path.rfind("/") + 1
    score = 1000
    score -= (indices[-1] - indices[0]) if indices else 0  # tight matches first
    score += sum(20 for i in indices if i >= name_start)  # matches in the file name count more
    score += sum(10 for a, b in zip(indices, indices[1:], strict=False) if b == a + 1)
    score -= len(path) // 4
    return max(score, 0), indices


def search_files(query: str, roots: list[str]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    seen = 0
    for root in roots:
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP)
            for name in files:
                seen += 1
                if seen > _MAX_FILES:
                    break
                relative = os.path.relpath(os.path.join(directory, name), root)
                matched: tuple[int, list[int]] | None = _match(query, relative) if query else (0, [])
                if matched is None:
                    continue
                score, indices = matched
                results.append(
                    {
                        "root": root,
                        "path": relative,
                        "match_type": "file",
                        "file_name": name,
                        "score": score,
                        "indices": indices,
                    }
                )
    results.sort(key=lambda r: (-r["score"], r["path"]))
    return results[:_MAX_RESULTS]
