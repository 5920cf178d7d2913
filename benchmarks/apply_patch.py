"""Time `pycodex apply-patch` against Codex's own applier, as whole processes.

Two workloads: (a) one Update with 500 chunks on a 20,000-line file, (b) one patch updating 200 files. Each run
starts from the original tree; the time is the wall time of the process. Both tools must leave identical trees.
Also shown: the same command run without typer (`python cli/_apply_patch_cmd.py PATCH`, the floor a fast path in
`cli.main` could reach) and the in-process time of the library (verify + apply), to separate start-up from work.

Between runs the tree is restored in place (each file rewritten), not deleted and made again. pycodex writes every
file to a new temporary file and renames it over the old one, so it creates a file (an inode) per file it changes,
where Codex truncates and rewrites in place. On ext4 without a journal (as on the CI machines) creating a file skips,
one by one, every inode freed in its block group in the last minute or more, so a harness that deleted the tree after
each run would charge pycodex for the harness's own deletions. The cost of creating a file at the time of the run is
printed with the results.

    .venv/bin/python benchmarks/apply_patch.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMAND = REPO / "cli" / "_apply_patch_cmd.py"
sys.path.insert(0, str(REPO))

Tree = dict[str, str]


def big_file_case() -> tuple[Tree, str]:
    """500 chunks spread over a 20,000-line file, each with a line of context on both sides."""
    lines = [f"    value_{n} = compute({n}, {n * 7 % 13})" for n in range(20_000)]
    chunks: list[str] = []
    for k in range(500):
        at = 20 + k * 40
        chunks.append(
            f"@@\n {lines[at - 1]}\n-{lines[at]}\n+{lines[at].replace('compute', 'recompute')}\n {lines[at + 1]}"
        )
    patch = "*** Begin Patch\n*** Update File: big.py\n" + "\n".join(chunks) + "\n*** End Patch"
    return {"big.py": "\n".join(lines) + "\n"}, patch


def many_files_case() -> tuple[Tree, str]:
    """200 files of 60 lines, each updated by one chunk."""
    tree: Tree = {}
    sections: list[str] = []
    for f in range(200):
        lines = [f"line {n} of module {f}" for n in range(60)]
        name = f"pkg{f % 10}/module_{f}.py"
        tree[name] = "\n".join(lines) + "\n"
        sections.append(f"*** Update File: {name}\n@@\n {lines[29]}\n-{lines[30]}\n+changed line 30 of module {f}")
    return tree, "*** Begin Patch\n" + "\n".join(sections) + "\n*** End Patch"


def write(root: Path, tree: Tree) -> None:
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def restore(root: Path, tree: Tree) -> None:
    """Put the original contents back into the files the last run changed, in place (see the module docstring)."""
    write(root, tree)
    extra = set(snapshot(root)) - set(tree)
    if extra:
        raise SystemExit(f"unexpected files left behind: {sorted(extra)[:5]}")


def time_process(
    command: list[str], tree: Tree, runs: int, env: dict[str, str]
) -> tuple[list[float], dict[str, bytes]]:
    times: list[float] = []
    result: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write(root, tree)
        for run in range(runs + 1):
            start = time.perf_counter()
            done = subprocess.run(command, cwd=root, capture_output=True, env=env, check=False)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"{command[0]} failed: {done.stderr.decode(errors='replace')[:500]}")
            result = snapshot(root)
            restore(root, tree)
            if run:  # the first run only warms caches (and writes .pyc files)
                times.append(elapsed)
    return times, result


def time_library(tree: Tree, patch: str, runs: int) -> list[float]:
    from agent.apply_patch import apply_patch

    times: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        write(Path(scratch), tree)
        for _ in range(runs):
            start = time.perf_counter()
            apply_patch(patch, scratch)
            times.append(time.perf_counter() - start)
            restore(Path(scratch), tree)
    return times


def file_creation_cost(count: int = 50) -> float:
    """Median seconds to create one empty file in a fresh directory here, now."""
    times: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        for n in range(count):
            start = time.perf_counter()
            os.close(os.open(f"{scratch}/{n}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def find_codex() -> Path | None:
    found = sorted((REPO / ".ci/npm/node_modules/@openai").glob("codex-*/vendor/*/bin/codex"))
    return found[0] if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per tool and workload (default 10)")
    parser.add_argument("--pycodex", default=str(REPO / ".venv/bin/pycodex"), help="the pycodex executable")
    parser.add_argument("--codex", default=None, help="Codex's native binary (default: the one .ci/setup installs)")
    parser.add_argument("--no-in-agent", action="store_true", help="skip the in-turn figures (exec against a model)")
    args = parser.parse_args()
    codex = Path(args.codex) if args.codex else find_codex()
    # Let Python cache bytecode, as an installed package would; the warm-up run writes the .pyc files.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

    workloads: list[tuple[str, Callable[[], tuple[Tree, str]]]] = [
        ("(a) 500 chunks, 20,000-line file", big_file_case),
        ("(b) one chunk in each of 200 files", many_files_case),
    ]
    print(
        f"{args.runs} timed runs per cell after one warm-up run; median [min]; {os.cpu_count()} CPUs; "
        f"tree in {tempfile.gettempdir()}; creating a file there takes {file_creation_cost() * 1e6:.0f} µs"
    )
    header = (
        f"{'workload':34} {'pycodex process':>17} {'codex process':>15} {'ratio':>6} "
        f"{'without typer':>17} {'ratio':>6} {'library alone':>17}"
    )
    print(header)
    print("-" * len(header))
    for title, build in workloads:
        tree, patch = build()
        ours, our_tree = time_process([args.pycodex, "apply-patch", patch], tree, args.runs, env)
        bare, bare_tree = time_process([sys.executable, str(COMMAND), patch], tree, args.runs, env)
        assert bare_tree == our_tree
        library = time_library(tree, patch, args.runs)
        if codex is not None:
            theirs, their_tree = time_process([str(codex), "--codex-run-as-apply-patch", patch], tree, args.runs, env)
            if their_tree != our_tree:
                raise SystemExit(f"{title}: the two tools left different trees")
            codex_cell = _cell(theirs)
            ratio = f"{statistics.median(ours) / statistics.median(theirs):.1f}x"
            bare_ratio = f"{statistics.median(bare) / statistics.median(theirs):.1f}x"
        else:
            codex_cell, ratio, bare_ratio = "not installed", "-", "-"
        print(
            f"{title:34} {_cell(ours):>17} {codex_cell:>15} {ratio:>6} "
            f"{_cell(bare):>17} {bare_ratio:>6} {_cell(library):>17}"
        )
    print(f"creating a file now takes {file_creation_cost() * 1e6:.0f} µs")
    if not args.no_in_agent:
        from benchmarks._in_agent import in_agent

        tools = {"pycodex": [args.pycodex], **({"codex": [str(codex)]} if codex is not None else {})}
        tree, patch = in_agent_case()
        in_agent(tools, tree, patch, max(3, args.runs // 2))


def in_agent_case() -> tuple[Tree, str]:
    """50 chunks spread over a 20,000-line file (the issue's in-turn case)."""
    lines = [f"    value_{n} = compute({n}, {n * 7 % 13})" for n in range(20_000)]
    chunks = [
        f"@@\n {lines[at - 1]}\n-{lines[at]}\n+{lines[at].replace('compute', 'recompute')}\n {lines[at + 1]}"
        for at in range(200, 20_000, 400)
    ]
    patch = "*** Begin Patch\n*** Update File: big.py\n" + "\n".join(chunks) + "\n*** End Patch\n"
    return {"big.py": "\n".join(lines) + "\n"}, patch


def _cell(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.1f} ms [{min(times) * 1000:.1f}]"


if __name__ == "__main__":
    main()
