"""How fast the chat TUI paints, and what appending a cell costs on a long transcript.

Prints (medians over several runs):
  * first paint (terminal): from spawning `pycodex` in a pseudo-terminal to the status line arriving on it;
  * first paint (in process): from creating the app to its first screen refresh (the app's own share);
  * append at N cells: with N cells in the transcript, the work to add one more (mount, layout, repaint of what
    changed), for a notice, a finished command and a Markdown answer, as CPU time of this process (what it costs,
    whatever else the machine runs) and wall time; the same at 0 cells; and, for comparison, the layout alone of
    a transcript that kept one widget per cell;
  * a resumed thread of N cells: the time to take them in and paint, then the longest background drawing step (the
    cells are drawn lazily, visible ones first); the same after a change of terminal width.
Targets: first paint under 0.5 s; appending under one frame (16 ms) at 2,000 cells.
Usage: .venv/bin/python benchmarks/tui.py [--cells N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import agent  # noqa: E402
from tui import PycodexApp  # noqa: E402
from tui._cells import AgentCell, Cell, CommandCell, NoticeCell, PatchCell, UserCell  # noqa: E402

BENCH_PROVIDER = 'model_providers.bench={name="bench", base_url="http://127.0.0.1:9/v1"}'
PROVIDER = ["-c", BENCH_PROVIDER, "-c", "model_provider=bench"]
FIRST_PAINT_MARK = b"enter send"


def first_paint_in_terminal(home: Path, cwd: Path) -> float:
    """Seconds from spawning `pycodex` on a pty to the status line's hint arriving on it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"CODEX_HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"})
    main, sub = pty.openpty()
    os.set_blocking(main, False)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(REPO / ".venv/bin/pycodex"), *PROVIDER], cwd=cwd, env=env, stdin=sub, stdout=sub, stderr=sub
    )
    os.close(sub)
    seen = b""
    try:
        while FIRST_PAINT_MARK not in seen:
            if time.perf_counter() - started > 20:
                raise SystemExit(f"pycodex did not paint within 20 s; it wrote: {seen[-500:]!r}")
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
        return time.perf_counter() - started
    finally:
        proc.kill()
        proc.wait()
        os.close(main)


def _config(cwd: Path) -> agent.Config:
    return agent.load_config(
        agent.ConfigOverrides(cwd=cwd, sandbox_mode="workspace-write", approval_policy="on-request"),
        [BENCH_PROVIDER, "model_provider=bench"],
    )


async def first_paint_in_process(cwd: Path) -> float:
    started = time.perf_counter()
    painted = anyio.Event()
    app = PycodexApp(_config(cwd))
    app.call_after_refresh(painted.set)
    async with app.run_test(size=(100, 30)):
        await painted.wait()
        return time.perf_counter() - started


def _sample_cells(count: int, cwd: Path) -> list[Cell]:
    from agent.protocol import FileChange

    diff = "@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n"
    cells: list[Cell] = []
    for index in range(count):
        kind = index % 5
        if kind == 0:
            cells.append(UserCell(f"question number {index}: please look at module_{index}.py"))
        elif kind == 1:
            command = CommandCell(f"c{index}", ("/bin/bash", "-lc", f"grep -n foo src/m{index}.py"), str(cwd))
            command.output = "\n".join(f"src/m{index}.py:{n}: foo = {n}" for n in range(8))
            command.exit_code, command.duration_ms, command.finished = 0, 12, True
            cells.append(command)
        elif kind == 2:
            patch = PatchCell(f"p{index}", {str(cwd / f"m{index}.py"): FileChange(type="update", unified_diff=diff)})
            patch.success, patch.finished = True, True
            cells.append(patch)
        elif kind == 3:
            cells.append(AgentCell(f"Answer {index}: changed `m{index}.py`.\n\n- one\n- two", finished=True))
        else:
            cells.append(NoticeCell("info", f"note {index}"))
    return cells


async def append_times(cells: int, runs: int, cwd: Path) -> dict[str, tuple[float, float]]:
    """Median milliseconds (CPU, wall) of the work to add one cell (mount, layout, repaint) with `cells` cells."""
    app = PycodexApp(_config(cwd))
    results: dict[str, list[tuple[float, float]]] = {"notice": [], "command": [], "answer": []}
    makers: dict[str, Callable[[int], Cell]] = {
        "notice": lambda i: NoticeCell("info", f"appended {i}"),
        "command": lambda i: _sample_cells(2, cwd)[1],
        "answer": lambda i: AgentCell(f"Appended answer {i} with **bold** and `code`.", finished=True),
    }
    async with app.run_test(size=(120, 40)) as pilot:
        while app.session is None:
            await pilot.pause(0.01)
        await pilot.pause()
        transcript = app.transcript
        before = len(transcript.cells)
        transcript.add_many(_sample_cells(cells, cwd))
        await pilot.pause()
        screen = app.screen
        for round_ in range(runs + 2):
            for name, make in makers.items():
                await pilot.pause()
                started, cpu = time.perf_counter(), time.process_time()
                transcript.add(make(round_))
                await app.animator.wait_until_complete()
                # Layout, then the repaint of what changed (as the next frame does).
                screen._refresh_layout(app.size)  # pyright: ignore[reportPrivateUsage]
                if round_ >= 2:  # the first rounds load modules (Markdown) and fill caches
                    results[name].append(((time.process_time() - cpu) * 1000, (time.perf_counter() - started) * 1000))
        assert len(transcript.cells) == before + cells + (runs + 2) * len(makers)
    return {
        name: (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
        for name, times in results.items()
    }


async def lazy_drawing(cells: int, cwd: Path) -> tuple[float, float, float]:
    """(ms to take in `cells` cells and paint, longest drawing step in ms, same after a resize) in CPU time."""
    from tui import _history_view

    steps: list[float] = []
    original = _history_view.HistoryView._draw_some  # pyright: ignore[reportPrivateUsage]

    def timed(view: _history_view.HistoryView) -> None:
        started = time.process_time()
        original(view)
        steps.append((time.process_time() - started) * 1000)

    _history_view.HistoryView._draw_some = timed  # type: ignore[method-assign]
    try:
        app = PycodexApp(_config(cwd))
        async with app.run_test(size=(120, 40)) as pilot:
            while app.session is None:
                await pilot.pause(0.01)
            app.transcript.add_many(_sample_cells(20, cwd))  # load Markdown and warm caches first
            await pilot.pause()
            started = time.process_time()
            app.transcript.add_many(_sample_cells(cells, cwd))
            app.screen._refresh_layout(app.size)  # pyright: ignore[reportPrivateUsage]
            take_in = (time.process_time() - started) * 1000
            steps.clear()
            while app.transcript.history.stale_count:
                await pilot.pause(0.02)
            longest = max(steps, default=0.0)
            steps.clear()
            await pilot.resize_terminal(100, 40)
            while app.transcript.history.stale_count:
                await pilot.pause(0.02)
            return take_in, longest, max(steps, default=0.0)
    finally:
        _history_view.HistoryView._draw_some = original  # type: ignore[method-assign]


async def widget_per_cell_layout(cells: int) -> float:
    """For comparison: milliseconds to lay out a scroll view holding one widget per cell."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Static

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield VerticalScroll(*(Static(f"cell {i}\nsecond line") for i in range(cells)), id="t")

    app = Plain()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        times: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            app.screen._refresh_layout(app.size)  # pyright: ignore[reportPrivateUsage]
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, cwd = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir()
        cwd.mkdir()
        subprocess.run(["git", "init", "-q", str(cwd)], check=True)
        os.environ["CODEX_HOME"] = str(home)
        first_paint_in_terminal(home, cwd)  # warm the bytecode cache, as an installed pycodex has it
        terminal = statistics.median(first_paint_in_terminal(home, cwd) for _ in range(args.runs))
        in_process = statistics.median(anyio.run(first_paint_in_process, cwd) for _ in range(args.runs))
        appends = anyio.run(append_times, args.cells, args.runs, cwd)
        appends_empty = anyio.run(append_times, 0, args.runs, cwd)
        plain = anyio.run(widget_per_cell_layout, args.cells)
        take_in, longest, longest_resized = anyio.run(lazy_drawing, args.cells, cwd)
    print(f"first paint, pycodex in a terminal:   {terminal * 1000:7.1f} ms   (target < 500 ms)")
    print(f"first paint, app in process:          {in_process * 1000:7.1f} ms")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for name, (cpu, wall) in appends.items():
        empty_cpu, _ = appends_empty[name]
        print(
            f"append a {name:<8} at {args.cells} cells:  {cpu:5.1f} ms CPU, {wall:5.1f} ms wall   (target < 16 ms; "
            f"at 0 cells {empty_cpu:.1f} ms CPU)"
        )
    print(f"for comparison, layout of {args.cells} cells as widgets: {plain:7.1f} ms")
    print(
        f"resumed thread of {args.cells} cells: painted after {take_in:.1f} ms CPU; longest background drawing step "
        f"{longest:.1f} ms, after a resize {longest_resized:.1f} ms"
    )


if __name__ == "__main__":
    main()
